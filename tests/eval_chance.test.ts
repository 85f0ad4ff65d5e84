import { assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import { chanceLevels, EvalShapeError, evaluateMaj, MAJ_WIDTH } from "../lib/eval/mod.ts";
import { Prng } from "../lib/data/mod.ts";

/** Every MAJ mark vector: two of three blocks. */
const MARKS = [[1, 1, 0], [1, 0, 1], [0, 1, 1]];

/** A 28×84 heatmap with `value(column)` in every pixel. */
function heatmap(value: (column: number) => number): Float32Array {
  const h = new Float32Array(28 * MAJ_WIDTH);
  for (let r = 0; r < 28; r++) {
    for (let c = 0; c < MAJ_WIDTH; c++) h[r * MAJ_WIDTH + c] = value(c);
  }
  return h;
}

/** Scores real heatmaps with the evaluation itself and averages them: the naive chance levels. */
function naive(marks: number[][]) {
  const ctx = {
    dataset: "mnist-maj",
    cell: "deep",
    T: 12,
    fold: 0,
    profile: "ci",
    seed: 1,
    method: "dtd",
  };
  const score = (maps: Float32Array[], m: number[][]) => {
    const relevance = new Float32Array(maps.length * 28 * MAJ_WIDTH);
    maps.forEach((h, i) => relevance.set(h, i * h.length));
    const rows = evaluateMaj({
      relevance,
      marks: m.flat(),
      labels: m.map(() => 0),
      predictions: m.map(() => 0),
    }, ctx);
    const mean = (k: "cosine" | "percentage") => rows.reduce((a, r) => a + r[k], 0) / rows.length;
    return { cosine: mean("cosine"), percentage: mean("percentage") };
  };
  const uniform = score(marks.map(() => heatmap(() => 0.5)), marks);
  // Random block: every sample with its relevance on block 0, 1 and 2 in turn, equally weighted.
  const perBlock = [0, 1, 2].map((k) =>
    marks.map(() => heatmap((c) => (Math.floor(c / 28) === k ? 1 : 0)))
  );
  const random = perBlock.map((maps) => score(maps, marks));
  return {
    uniform,
    random: {
      cosine: random.reduce((a, r) => a + r.cosine, 0) / 3,
      percentage: random.reduce((a, r) => a + r.percentage, 0) / 3,
    },
  };
}

Deno.test("chance levels equal the scores of uniform and one-random-block heatmaps", () => {
  const rng = new Prng(7);
  const marks = Array.from({ length: 25 }, () => MARKS[rng.int(3)]);
  const exact = chanceLevels(marks.flat());
  const slow = naive(marks);
  assertEquals(exact.samples, 25);
  assertAlmostEquals(exact.uniform.cosine, slow.uniform.cosine, 1e-6);
  assertAlmostEquals(exact.uniform.percentage, slow.uniform.percentage, 1e-6);
  assertAlmostEquals(exact.random.cosine, slow.random.cosine, 1e-6);
  assertAlmostEquals(exact.random.percentage, slow.random.percentage, 1e-6);
  assertAlmostEquals(exact.uniform.cosine, 2 / Math.sqrt(6), 1e-12);
  assertAlmostEquals(exact.random.cosine, 2 / (3 * Math.SQRT2), 1e-12);
});

Deno.test("chance levels follow the marks: one marked block scores lower than two", () => {
  const one = chanceLevels([1, 0, 0]);
  assertAlmostEquals(one.uniform.cosine, 1 / Math.sqrt(3), 1e-12);
  assertAlmostEquals(one.random.cosine, 1 / 3, 1e-12);
  assertAlmostEquals(one.uniform.percentage, 1 / 3, 1e-12);
});

Deno.test("chance levels reject malformed marks", () => {
  assertThrows(() => chanceLevels([]), EvalShapeError, "non-empty multiple of 3");
  assertThrows(() => chanceLevels([1, 1]), EvalShapeError, "multiple of 3");
  assertThrows(() => chanceLevels([0, 0, 0]), EvalShapeError, "no marked block");
  assertThrows(() => chanceLevels([1, -1, 0]), EvalShapeError, "not ≥ 0");
});
