import { assert, assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import pl from "nodejs-polars";
import { join } from "node:path";
import { initBackend } from "../lib/backend/mod.ts";
import { buildCell, createModel, disposeModel, forward } from "../lib/cells/mod.ts";
import { Prng } from "../lib/data/prng.ts";
import {
  aggregateQuality,
  averageRanks,
  BASELINE_METHODS,
  baselineRelevance,
  EvalShapeError,
  evaluateExplanations,
  majLocalisationBatch,
  METHOD_IDS,
  methodHeatmaps,
  modelLogits,
  qualityFrame,
  qualityPasses,
  type QualityRow,
  randomisationLayers,
  randomisationPlan,
  randomisedLayers,
  randomisedModel,
  randomisedSpearman,
  readQualityRows,
  spearman,
  ssimAbs,
  UnknownIdError,
  writeQualityRows,
} from "../lib/eval/mod.ts";
import { holdsZstdPages } from "./parquet_fixtures.ts";
import * as tf from "@tensorflow/tfjs";

await initBackend({ quiet: true });

const SIZE = 28 * 84;

function images(B: number, seed: string): Float32Array {
  const prng = new Prng(seed);
  return Float32Array.from(
    { length: B * SIZE },
    () => prng.next() < 0.2 ? 2 * prng.next() - 1 : -1,
  );
}

Deno.test("cascading randomisation goes from the output layer down; independent takes one layer", () => {
  const model = createModel(buildCell("deep", 12), { seed: 1 });
  try {
    const layers = randomisationLayers(model);
    assertEquals(layers, ["out2", "out1", "r", "hidden", "in1"]);
    assertEquals(randomisedLayers(layers, "cascading", 2), ["out2", "out1", "r"]);
    assertEquals(randomisedLayers(layers, "independent", 2), ["r"]);
  } finally {
    disposeModel(model);
  }
});

Deno.test("a randomised copy re-initialises exactly the chosen layers and keeps the others", () => {
  const model = createModel(buildCell("rlstm", 12), { seed: 3 });
  const fresh = createModel(buildCell("rlstm", 12), { seed: 9 });
  const copy = randomisedModel(model, ["out", "g"], 9);
  try {
    for (const [name, v] of copy.params) {
      const node = name.split(".")[0];
      const want = ["out", "g"].includes(node) ? fresh.params.get(name)! : model.params.get(name)!;
      assertEquals(Array.from(v.dataSync()), Array.from(want.dataSync()), name);
    }
    assertThrows(() => randomisedModel(model, ["nope"], 1), RangeError);
  } finally {
    [model, fresh, copy].forEach(disposeModel);
  }
});

Deno.test("model logits in chunks equal one forward pass", () => {
  const model = createModel(buildCell("deep", 12), { seed: 2 });
  const x = images(5, "chunks");
  try {
    const chunked = modelLogits(model, 2)(x, 5);
    const whole = tf.tidy(() => forward(model, tf.tensor3d(x, [5, 28, 84])).dataSync());
    for (let i = 0; i < whole.length; i++) assertAlmostEquals(chunked[i], whole[i], 1e-5);
  } finally {
    disposeModel(model);
  }
});

function valuesOf(rows: QualityRow[], filter: Partial<QualityRow>): number[] {
  return rows.filter((r) =>
    Object.entries(filter).every(([k, v]) => r[k as keyof QualityRow] === v)
  ).map((r) => r.value);
}

Deno.test("evaluateExplanations on a batch equals evaluating each sample alone", () => {
  const model = createModel(buildCell("deep", 12), { seed: 4 });
  const B = 3;
  const x = images(B, "batch-vs-single");
  const labels = [1, 4, 7];
  const marks = [1, 1, 0, 0, 1, 1, 1, 0, 1];
  const options = {
    methods: ["dtd", "gb", "intensity"],
    measures: ["perturbation", "localisation"] as const,
    units: [{ kind: "steps", steps: 12 } as const],
  };
  try {
    const batch = evaluateExplanations(model, { x, labels, marks }, options);
    for (let b = 0; b < B; b++) {
      const single = evaluateExplanations(model, {
        x: x.slice(b * SIZE, (b + 1) * SIZE),
        labels: [labels[b]],
        marks: marks.slice(3 * b, 3 * b + 3),
        sampleIds: [b],
      }, options);
      for (const r of single.filter((r) => r.sample === b && r.order !== "random")) {
        const [v] = valuesOf(batch, {
          method: r.method,
          measure: r.measure,
          setting: r.setting,
          order: r.order,
          sample: b,
        });
        if (Number.isNaN(r.value)) assert(Number.isNaN(v), `${r.method} ${r.measure}`);
        else assertAlmostEquals(v, r.value, 1e-4, `${r.method} ${r.measure} ${r.order}`);
      }
    }
    // localisation rows are the localisation of the explained heatmaps
    const h = methodHeatmaps(model, "gb", x, labels);
    const loc = majLocalisationBatch(h, marks);
    assertEquals(valuesOf(batch, { method: "gb", measure: "rank_accuracy" }), Array.from(loc.rank));
  } finally {
    disposeModel(model);
  }
});

Deno.test("chance levels: uniform relevance has no MoRF–LeRF gap and the MAJ mask's share; intensity ignores the weights", () => {
  const model = createModel(buildCell("shallow", 12), { seed: 5 });
  const B = 4;
  try {
    const rows = evaluateExplanations(
      model,
      { x: images(B, "chance"), labels: [0, 1, 2, 3], marks: [1, 1, 0, 1, 0, 1, 0, 1, 1, 1, 1, 0] },
      { methods: ["uniform", "random", "intensity"] },
    );
    for (const v of valuesOf(rows, { method: "uniform", measure: "morf_lerf_gap" })) {
      assertAlmostEquals(v, 0, 1e-5); // same copies, other places in the batch
    }
    for (const m of ["mass_accuracy", "rank_accuracy", "pointing_game"]) {
      for (const v of valuesOf(rows, { method: "uniform", measure: m })) {
        assertAlmostEquals(v, 2 / 3, 1e-12);
      }
    }
    for (const v of valuesOf(rows, { method: "uniform", measure: "cosine" })) {
      assertAlmostEquals(v, Math.sqrt(2 / 3), 1e-9); // 0.816
    }
    for (const v of valuesOf(rows, { method: "intensity", measure: "spearman" })) {
      assertAlmostEquals(v, 1, 1e-12);
    }
    const random = valuesOf(rows, { method: "random", measure: "spearman" });
    assert(random.every((v) => Math.abs(v) < 0.1), `random relevance stays unrelated: ${random}`);
    assertEquals(valuesOf(rows, { method: "uniform", measure: "spearman" }), []);
    // three layers, two modes, four samples, Spearman and SSIM, random and intensity
    assertEquals(rows.filter((r) => r.measure === "spearman").length, 3 * 2 * 4 * 2);
  } finally {
    disposeModel(model);
  }
});

Deno.test("the randomisation plan shares stages that re-initialise the same layers", () => {
  const plan = randomisationPlan(["out2", "out1", "r", "hidden", "in1"]);
  assertEquals(plan.map((s) => `${s.mode[0]}${s.stage}:${s.sameAs}`), [
    "c0:0",
    "c1:1",
    "c2:2",
    "c3:3",
    "c4:4",
    "i0:0",
    "i1:6",
    "i2:7",
    "i3:8",
    "i4:9",
  ]);
  assertEquals(plan[7].randomised, ["r"]);
});

Deno.test("randomisation with shared stages equals a fresh randomised model per stage", () => {
  const model = createModel(buildCell("deep", 12), { seed: 4 });
  const B = 3;
  const x = images(B, "shared-stages");
  const labels = [3, 1, 4];
  const methods = ["dtd", "gb", "random"];
  const tensors = tf.memory().numTensors;
  try {
    const rows = evaluateExplanations(model, { x, labels }, {
      methods,
      measures: ["randomisation"],
      seed: 5,
    });
    assertEquals(tf.memory().numTensors, tensors, "no tensor leaks");
    const layers = randomisationLayers(model);
    const want: string[] = [];
    for (const mode of ["cascading", "independent"] as const) {
      for (let stage = 0; stage < layers.length; stage++) {
        const random = randomisedModel(model, randomisedLayers(layers, mode, stage), 5);
        for (const method of methods) {
          const a = methodHeatmaps(model, method, x, labels, { seed: "5" });
          const r = methodHeatmaps(random, method, x, labels, { seed: `5/${mode}/${stage}` });
          for (let b = 0; b < B; b++) {
            const ab = a.subarray(b * SIZE, (b + 1) * SIZE);
            const rb = r.subarray(b * SIZE, (b + 1) * SIZE);
            const rho = randomisedSpearman(averageRanks(ab), rb);
            want.push(`${method} spearman ${mode} ${stage} ${b} ${rho}`);
            want.push(`${method} ssim ${mode} ${stage} ${b} ${ssimAbs(ab, rb, 84)}`);
          }
        }
        disposeModel(random);
      }
    }
    assertEquals(
      rows.map((r) => `${r.method} ${r.measure} ${r.setting} ${r.step} ${r.sample} ${r.value}`),
      want,
    );
  } finally {
    disposeModel(model);
  }
});

Deno.test("quality passes count the forward and explain passes of the chosen options", () => {
  const model = createModel(buildCell("deep", 12), { seed: 1 });
  try {
    const options = {
      methods: ["dtd", "gb", "random"],
      units: [{ kind: "steps", steps: 12 } as const],
      points: 5,
      randomisationSamples: 50,
    };
    // 3 interior step counts × (random + 3 methods × MoRF, LeRF) + the two ends
    assertEquals(qualityPasses(model, "perturbation", options, 200), {
      kind: "forward",
      perSample: 2 + 3 * 7,
    });
    // 9 distinct randomised models × 2 explained methods × a quarter of the samples
    assertEquals(qualityPasses(model, "randomisation", options, 200), {
      kind: "explain",
      perSample: 4.5,
    });
    assertEquals(qualityPasses(model, "localisation", options, 200).perSample, 0);
  } finally {
    disposeModel(model);
  }
});

Deno.test("guided backprop barely changes when the output layer is randomised (Adebayo et al.)", () => {
  const model = createModel(buildCell("deep", 12), { seed: 6 });
  const B = 6;
  const x = images(B, "gb-vs-dtd");
  try {
    const rows = evaluateExplanations(model, { x, labels: [0, 1, 2, 3, 4, 5] }, {
      methods: ["gb", "sa"],
      measures: ["randomisation"],
      randomisationSamples: 4,
    });
    const ids = new Set(rows.map((r) => r.sample));
    assertEquals([...ids].sort(), [0, 1, 2, 3], "only the first four samples are re-explained");
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    const gb = mean(
      valuesOf(rows, { method: "gb", measure: "spearman", setting: "cascading", step: 0 }),
    );
    const last = mean(
      valuesOf(rows, { method: "sa", measure: "spearman", setting: "cascading", step: 4 }),
    );
    assert(gb > 0.8, `GB after randomising the output layer: ${gb}`);
    assert(last < gb, `SA with every layer randomised (${last}) vs GB after one (${gb})`);
  } finally {
    disposeModel(model);
  }
});

Deno.test("evaluateExplanations refuses unknown methods, measures, missing marks and wrong sizes", () => {
  const model = createModel(buildCell("shallow", 12), { seed: 7 });
  const x = images(1, "refuse");
  try {
    const unknown = assertThrows(
      () => evaluateExplanations(model, { x, labels: [1] }, { methods: ["foo"] }),
      UnknownIdError,
    );
    // the message lists every method the evaluation knows, and the baselines
    for (const id of [...METHOD_IDS, ...BASELINE_METHODS]) {
      assert(unknown.message.includes(`${id},`) || unknown.message.endsWith(id), id);
    }
    assertThrows(
      () =>
        evaluateExplanations(model, { x, labels: [1] }, {
          methods: ["sa"],
          measures: ["localisation"],
        }),
      EvalShapeError,
    );
    assertThrows(
      () => evaluateExplanations(model, { x: x.subarray(1), labels: [1] }, { methods: ["sa"] }),
      EvalShapeError,
    );
    assertThrows(
      () => evaluateExplanations(model, { x, labels: [1, 2] }, { methods: ["sa"] }),
      EvalShapeError,
    );
  } finally {
    disposeModel(model);
  }
});

Deno.test("quality rows round-trip through Parquet and aggregate to naive fold means with a t interval", async () => {
  const base = {
    dataset: "mnist-maj",
    cell: "deep",
    T: 12,
    profile: "smoke",
    seed: 0,
    method: "dtd",
    measure: "mass_accuracy",
    setting: "",
    order: "",
    step: -1,
    layer: "",
  };
  const values = [[0.2, 0.4, NaN], [0.6, 0.8, 1.0], [0.1, 0.3, 0.5]];
  const rows: QualityRow[] = values.flatMap((v, fold) =>
    v.map((value, sample) => ({ ...base, fold, sample, value }))
  );
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "q.parquet");
    await writeQualityRows(path, qualityFrame(rows));
    assert(await holdsZstdPages(path), "pages are zstd-compressed");
    const back = readQualityRows(path);
    assertEquals(back.height, rows.length);
    const [agg] = aggregateQuality(back);
    const means = [0.3, 0.8, 0.3];
    const m = (means[0] + means[1] + means[2]) / 3;
    const sd = Math.sqrt(means.reduce((s, v) => s + (v - m) ** 2, 0) / 2);
    assertAlmostEquals(agg.mean, m, 1e-12);
    assertAlmostEquals(agg.sd!, sd, 1e-12);
    assertAlmostEquals(agg.ci_hi! - agg.mean, 4.302653 * sd / Math.sqrt(3), 1e-5);
    assertEquals([agg.n_folds, agg.n_samples, agg.n_nan], [3, 9, 1]);
    await Deno.writeFile(
      join(dir, "bad.parquet"),
      new Uint8Array(pl.DataFrame({ a: [1] }).writeParquet()),
    );
    assertThrows(() => readQualityRows(join(dir, "bad.parquet")), Error, "bad.parquet");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("baseline heatmaps are seeded and shaped like the images", () => {
  const x = images(2, "baselines");
  assertEquals(baselineRelevance("random", x, 1), baselineRelevance("random", x, 1));
  assert(spearman(baselineRelevance("random", x, 1), baselineRelevance("random", x, 2)) < 0.05);
  assertEquals(baselineRelevance("uniform", x, 0).length, x.length);
});

Deno.test("explain options are chosen per method, so gradient methods run beside a Conv⁺ rule", () => {
  const model = createModel(buildCell("conv+deep", 12), { seed: 8 });
  const x = images(1, "conv-plus");
  try {
    const options = (rule: "original" | "conservative") => ({
      methods: ["sa", "dtd"],
      measures: ["localisation"] as const,
      explainOptions: (m: string) => m === "dtd" ? { convPlusFirstLayer: rule } : {},
    });
    const samples = { x, labels: [3], marks: [1, 0, 1] };
    const original = evaluateExplanations(model, samples, options("original"));
    const conservative = evaluateExplanations(model, samples, options("conservative"));
    const sa = (rows: QualityRow[]) => valuesOf(rows, { method: "sa", measure: "rank_accuracy" });
    assertEquals(sa(original), sa(conservative));
    assertEquals(original.length, 2 * 4);
  } finally {
    disposeModel(model);
  }
});
