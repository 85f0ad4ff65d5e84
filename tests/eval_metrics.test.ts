import { assert, assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import {
  blockShares,
  cosineSimilarity,
  EvalShapeError,
  evaluateMaj,
  isExcluded,
  percentageCapped,
  percentageCorrect,
  sampleMetrics,
  stepShares,
  stepSharesBatch,
} from "../lib/eval/mod.ts";

const M = [1, 1, 0];

Deno.test("cosine similarity matches the thesis reference values for m = [1,1,0]", () => {
  const cases: [number[], number][] = [
    [[0.9, 0.1, 0], 0.780869],
    [[0.5, 0.3, 0.2], 0.917663],
    [[0.5, 0.5, 0], 1],
    [[0.1, 0.1, 0.8], 0.174078],
    [[0, 0, 1], 0],
    [[0, 0.1, 0.9], 0.078087],
  ];
  for (const [v, expected] of cases) {
    assertAlmostEquals(cosineSimilarity(M, v), expected, 1e-6, `v = [${v}]`);
  }
});

Deno.test("percentage of correctly distributed relevance is the masked sum of block shares", () => {
  assertAlmostEquals(percentageCorrect(M, [0.9, 0.1, 0]), 1, 1e-12);
  assertAlmostEquals(percentageCorrect(M, [0.5, 0.3, 0.2]), 0.8, 1e-12);
  assertAlmostEquals(percentageCorrect(M, [0, 0.1, 0.9]), 0.1, 1e-12);
});

Deno.test("the capped percentage clips each block share at tau = 0.8 before the dot product", () => {
  assertAlmostEquals(percentageCapped(M, [0.9, 0.1, 0]), 0.9, 1e-12);
  assertAlmostEquals(percentageCapped(M, [0.5, 0.5, 0]), 1, 1e-12);
  assertAlmostEquals(percentageCapped([0, 0, 1], [0, 0.05, 0.95]), 0.8, 1e-12);
  assertAlmostEquals(percentageCapped(M, [0.95, 0.05, 0], 0.5), 0.55, 1e-12);
});

Deno.test("a sample without positive relevance has NaN metrics and is flagged excluded", () => {
  const m = sampleMetrics(M, [0, 0, 0]);
  assert(Number.isNaN(m.cosine) && Number.isNaN(m.percentage) && Number.isNaN(m.percentageCapped));
  assert(m.excluded);
  assert(isExcluded([NaN, 0.5, 0.5]));
  assert(!sampleMetrics(M, [0, 0, 1]).excluded);
});

Deno.test("metrics reject marks and shares of different lengths", () => {
  assertThrows(
    () => cosineSimilarity([1, 1], [0.5, 0.5, 0]),
    EvalShapeError,
    "same non-zero length",
  );
});

Deno.test("step shares clip negative relevance and sum each step's columns over all rows", () => {
  const r = new Float32Array(28 * 28);
  r[0 * 28 + 0] = 2; // row 0, column 0 (step 1 of 4)
  r[5 * 28 + 6] = 1; // row 5, column 6 (step 1)
  r[27 * 28 + 7] = 1; // row 27, column 7 (step 2)
  r[10 * 28 + 27] = -50; // negative, ignored (step 4)
  const s = stepShares(r, 28, 4);
  assertEquals(s.length, 4);
  assertAlmostEquals(s[0], 0.75, 1e-12);
  assertAlmostEquals(s[1], 0.25, 1e-12);
  assertEquals(s[3], 0);
});

Deno.test("batched step shares equal the per-sample shares", () => {
  const batch = new Float32Array(2 * 28 * 84);
  for (let i = 0; i < batch.length; i++) batch[i] = Math.sin(i * 0.37) * (i % 5);
  const all = stepSharesBatch(batch, 84, 12);
  const second = stepShares(batch.subarray(28 * 84), 84, 12);
  for (let t = 0; t < 12; t++) assertAlmostEquals(all[12 + t], second[t], 1e-12);
});

Deno.test("block shares of a MAJ heatmap put each 28-column block in its own share", () => {
  const r = new Float32Array(28 * 84);
  r[3 * 84 + 10] = 3; // block 1
  r[4 * 84 + 40] = 1; // block 2
  r[4 * 84 + 70] = -1; // block 3, negative
  const v = blockShares(r, 84, { steps: 12 });
  assertAlmostEquals(v[0], 0.75, 1e-12);
  assertAlmostEquals(v[1], 0.25, 1e-12);
  assertEquals(v[2], 0);
  const viaSteps = stepShares(r, 84, 12);
  assertAlmostEquals(viaSteps[0] + viaSteps[1] + viaSteps[2] + viaSteps[3], v[0], 1e-12);
});

Deno.test("block shares accept every T whose steps align with the blocks and reject the others", () => {
  const r = new Float32Array(28 * 84).fill(1);
  for (const steps of [3, 6, 12, 84]) {
    const v = blockShares(r, 84, { steps });
    assertAlmostEquals(v[1], 1 / 3, 1e-12);
  }
  assertThrows(() => blockShares(r, 84, { steps: 4 }), EvalShapeError, "do not align");
  assertThrows(() => blockShares(r, 84, { steps: 1 }), EvalShapeError, "do not align");
  assertThrows(() => blockShares(new Float32Array(10), 84), EvalShapeError, "28×84");
});

Deno.test("evaluateMaj builds one schema row per sample with the excluded flag", () => {
  const relevance = new Float32Array(2 * 28 * 84);
  relevance[0] = 0.9; // sample 0, block 1
  relevance[30] = 0.1; // sample 0, block 2
  relevance[28 * 84 + 5] = -1; // sample 1: no positive relevance
  const rows = evaluateMaj(
    {
      relevance,
      marks: [1, 1, 0, 0, 1, 1],
      labels: [4, 7],
      predictions: [4, 1],
      sampleIds: [10, 11],
    },
    { dataset: "mnist-maj", cell: "deep", T: 12, fold: 2, profile: "ci", seed: 5, method: "dtd" },
  );
  assertEquals(rows.length, 2);
  assertAlmostEquals(rows[0].cosine, 0.780869, 1e-6);
  assertEquals(rows[0].sample, 10);
  assertEquals(rows[0].excluded, false);
  assert(rows[1].excluded && Number.isNaN(rows[1].cosine));
  assertEquals([rows[1].label, rows[1].prediction, rows[1].fold], [7, 1, 2]);
});

Deno.test("evaluateMaj rejects marks without exactly two ones and unknown ids", () => {
  const relevance = new Float32Array(28 * 84).fill(1);
  const ctx = {
    dataset: "mnist-maj",
    cell: "deep",
    T: 12,
    fold: 0,
    profile: "ci",
    seed: 1,
    method: "dtd",
  };
  assertThrows(
    () => evaluateMaj({ relevance, marks: [1, 1, 1], labels: [0], predictions: [0] }, ctx),
    EvalShapeError,
    "exactly two ones",
  );
  assertThrows(
    () =>
      evaluateMaj({ relevance, marks: [1, 1, 0], labels: [0], predictions: [0] }, {
        ...ctx,
        method: "lrp",
      }),
    Error,
    "valid methods: sa, gb",
  );
});
