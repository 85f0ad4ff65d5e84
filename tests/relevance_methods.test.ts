import * as tf from "@tensorflow/tfjs";
import {
  assert,
  assertEquals,
  assertLessOrEqual,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import {
  allCellVariants,
  analyseCell,
  buildCell,
  createModel,
  disposeModel,
  STANDARD_CELL_IDS,
  toSteps,
} from "../lib/cells/mod.ts";
import { fromSteps } from "../lib/data/mod.ts";
import {
  explain,
  EXPLAIN_CHUNK_FLOATS,
  explainChunkSize,
  ExplainInputError,
  MAX_EXPLAIN_CHUNK,
  methodNames,
  MIN_EXPLAIN_CHUNK,
  RuleApplicationError,
  RuleParameterError,
  stepsToImages,
  UnknownMethodError,
} from "../lib/relevance/mod.ts";
import {
  argmaxRows,
  logitsOf,
  maxAbs,
  maxAbsDiff,
  randomImages,
  setupBackend,
} from "./relevance_fixtures.ts";

await setupBackend();

const standard = (id: string) => (STANDARD_CELL_IDS as readonly string[]).includes(id);
/**
 * The thesis composites on the standard cells, whose states are real-valued: LRP-αβ has no
 * rule for real inputs; DTD has w² for them, but no rule for a layer that reads pixels and a
 * real state at once (the LSTM's gates over [x, h′]; the GRU's candidate reads them apart).
 */
const inapplicable = (id: string, method: string) =>
  standard(id) &&
  (method === "lrp" || method.startsWith("lrp-a") || (method === "dtd" && id === "lstm"));
const options = (method: string) => (method === "lrp" ? { method, alpha: 3, beta: 2 } : { method });

Deno.test("every method runs on every cell and returns heatmaps of the right shapes", () => {
  for (const { id, T } of allCellVariants()) {
    const spec = buildCell(id, T);
    const model = createModel(spec, { seed: 2, biasMode: "thesis" });
    const x = randomImages(2, spec.width, `shapes/${id}/${T}`);
    try {
      for (const method of methodNames()) {
        const where = `${id} T=${T} ${method}`;
        if (inapplicable(id, method)) {
          assertThrows(
            () => explain(model, x, { ...options(method), targets: [1, 8] }),
            RuleApplicationError,
            "real",
          );
          continue;
        }
        const e = explain(model, x, { ...options(method), targets: [1, 8] });
        assertEquals(e.relevance.length, 2 * 28 * spec.width, where);
        assertEquals(e.perStep.length, 2 * T * 28 * spec.columns, where);
        assertEquals(e.logits.length, 20, where);
        assertEquals([e.batch, e.height, e.width, e.steps, e.stepSize], [
          2,
          28,
          spec.width,
          T,
          28 * spec.columns,
        ]);
        assertEquals(Array.from(e.targets), [1, 8]);
        assert(e.relevance.every(Number.isFinite), `${where}: finite`);
        // The heatmap is the per-step relevance reassembled column block by column block.
        const c = spec.columns;
        for (
          const [b, t, row, col] of [[0, 0, 0, 0], [1, T - 1, 27, c - 1], [1, T >> 1, 13, c >> 1]]
        ) {
          assertEquals(
            e.relevance[(b * 28 + row) * spec.width + t * c + col],
            e.perStep[(b * T + t) * 28 * c + row * c + col],
            `${where}: layout`,
          );
        }
      }
    } finally {
      disposeModel(model);
    }
  }
});

Deno.test("explain's heatmaps and per-step relevance agree entry for entry, whatever its internal batches", () => {
  for (const [id, T] of [["deep", 7], ["convdeep", 12]] as const) {
    const spec = buildCell(id, T);
    const model = createModel(spec, { seed: 4, biasMode: "thesis" });
    const x = randomImages(5, spec.width, `layouts/${id}`);
    const targets = [3, 1, 4, 1, 5];
    try {
      for (const method of ["dtd", "lrp-a1.5b0.5", "sa"]) {
        const where = `${id} T=${T} ${method}`;
        const whole = explain(model, x, { method, targets, chunkSize: 5 });
        const parts = explain(model, x, { method, targets, chunkSize: 2 });
        // every entry of the heatmap is the per-step entry of its column block
        assertEquals(fromSteps(whole.perStep, 5, spec.width, T), whole.relevance, where);
        assertEquals(fromSteps(parts.perStep, 5, spec.width, T), parts.relevance, where);
        // batches of 2, 2 and 1 land where one batch of 5 puts them
        const scale = Math.max(maxAbs(whole.relevance), 1e-30);
        assertLessOrEqual(maxAbsDiff(parts.relevance, whole.relevance) / scale, 1e-5, where);
        assertLessOrEqual(maxAbsDiff(parts.perStep, whole.perStep) / scale, 1e-5, where);
        assertEquals(Array.from(parts.targets), targets, where);
      }
    } finally {
      disposeModel(model);
    }
  }
});

Deno.test("explain leaves no tensors behind", () => {
  for (const [id, T] of [["deep", 12], ["conv+rlstm-sd", 12]] as const) {
    const spec = buildCell(id, T);
    const model = createModel(spec, { seed: 2 });
    const x = randomImages(3, spec.width, "leaks");
    const xt = tf.tensor3d(x, [3, 28, spec.width]);
    try {
      for (const method of methodNames()) {
        const before = tf.memory().numTensors;
        explain(model, xt, { ...options(method), chunkSize: 2 });
        explain(model, x, { ...options(method), targets: [0, 1, 2] });
        assertEquals(tf.memory().numTensors, before, `${id} ${method}`);
      }
    } finally {
      xt.dispose();
      disposeModel(model);
    }
  }
});

Deno.test("the batched and the per-step propagation give the same relevance", () => {
  for (
    const [id, T] of [["shallow", 7], ["deep", 12], ["convdeep", 12], ["rlstm", 12], [
      "conv+deep",
      12,
    ]] as const
  ) {
    const spec = buildCell(id, T);
    const model = createModel(spec, { seed: 6, biasMode: "thesis" });
    const x = randomImages(2, spec.width, `batched/${id}`);
    try {
      const targets = argmaxRows(logitsOf(model, x));
      for (const method of ["dtd", "lrp-a2b1"]) {
        const a = explain(model, x, { method, targets });
        const b = explain(model, x, { method, targets, batched: true });
        assertLessOrEqual(
          maxAbsDiff(a.relevance, b.relevance),
          1e-6 * Math.max(1e-3, maxAbs(a.relevance)),
        );
      }
    } finally {
      disposeModel(model);
    }
  }
});

Deno.test("explain's internal batch fits the trace budget of every cell, and any batch gives the same heatmaps", () => {
  for (const { id, T } of allCellVariants()) {
    const graph = analyseCell(buildCell(id, T));
    const chunk = explainChunkSize(graph);
    const stepValues = graph.spec.step.reduce(
      (n, node) => n + graph.values.get(node.name)!.shape.reduce((a, b) => a * b, 1),
      0,
    );
    const where = `${id} T=${T}`;
    assert(chunk >= MIN_EXPLAIN_CHUNK && chunk <= MAX_EXPLAIN_CHUNK, `${where}: ${chunk}`);
    if (chunk > MIN_EXPLAIN_CHUNK) {
      assertLessOrEqual(chunk * stepValues * T, EXPLAIN_CHUNK_FLOATS, where);
    }
    if (chunk < MAX_EXPLAIN_CHUNK) {
      assert((chunk + 1) * stepValues * T > EXPLAIN_CHUNK_FLOATS, `${where}: room left`);
    }
  }
  // the dense cells take five times the conv cells' batch
  assertEquals(explainChunkSize(analyseCell(buildCell("deep", 12))), MAX_EXPLAIN_CHUNK);
  assertEquals(explainChunkSize(analyseCell(buildCell("conv+rlstm-sd", 12))), MIN_EXPLAIN_CHUNK);
  const spec = buildCell("rlstm", 12);
  const model = createModel(spec, { seed: 4, biasMode: "thesis" });
  const x = randomImages(7, spec.width, "chunks");
  try {
    const targets = argmaxRows(logitsOf(model, x));
    for (const method of ["dtd", "lrp-a1.5b0.5", "sa"]) {
      const whole = explain(model, x, { method, targets });
      for (const chunkSize of [1, 3]) {
        const parts = explain(model, x, { method, targets, chunkSize });
        assertLessOrEqual(
          maxAbsDiff(whole.relevance, parts.relevance),
          1e-6 * Math.max(1e-3, maxAbs(whole.relevance)),
          `${method}, batches of ${chunkSize}`,
        );
        assertEquals(parts.targets, whole.targets);
      }
    }
  } finally {
    disposeModel(model);
  }
});

Deno.test("without targets the predicted class is explained, and that is reported", () => {
  const model = createModel(buildCell("deep", 4), { seed: 2, biasMode: "thesis" });
  try {
    const x = randomImages(3, 28, "predicted");
    const e = explain(model, x, { method: "dtd" });
    assertEquals(Array.from(e.targets), Array.from(argmaxRows(logitsOf(model, x))));
    assertEquals(e.targetSource, "predicted");
    assertEquals(e.settings.targets, "predicted");
    assertEquals(explain(model, x, { method: "dtd", targets: [0, 0, 0] }).targetSource, "given");
  } finally {
    disposeModel(model);
  }
});

Deno.test("unknown methods, bad α/β and bad inputs are rejected with specific errors", () => {
  const model = createModel(buildCell("deep", 4), { seed: 2 });
  const x = randomImages(1, 28, "errors");
  try {
    const e = assertThrows(() => explain(model, x, { method: "lrp-eps" }), UnknownMethodError);
    for (const name of methodNames()) assertStringIncludes(e.message, name);
    assertThrows(
      () => explain(model, x, { method: "lrp", alpha: 2, beta: 2 }),
      RuleParameterError,
      "α − β = 1",
    );
    assertThrows(() => explain(model, x, { method: "lrp" }), RuleParameterError, "alpha and beta");
    assertThrows(
      () => explain(model, x, { method: "dtd", alpha: 2, beta: 1 }),
      ExplainInputError,
      "alpha",
    );
    assertThrows(
      () => explain(model, x, { method: "sa", gbGates: "pass" }),
      ExplainInputError,
      "gbGates",
    );
    assertThrows(
      () => explain(model, x, { method: "dtd", targets: [10] }),
      ExplainInputError,
      "0..9",
    );
    assertThrows(
      () => explain(model, x, { method: "dtd", targets: [1, 2] }),
      ExplainInputError,
      "1 targets",
    );
    assertThrows(
      () => explain(model, new Float32Array(28 * 30), { method: "dtd" }),
      ExplainInputError,
      "28×28",
    );
    const ok = explain(model, x, { method: "lrp", alpha: 1.2, beta: 0.2, targets: [3] });
    assertEquals(ok.settings.alpha, 1.2);
  } finally {
    disposeModel(model);
  }
});

Deno.test("heatmaps are reassembled by the inverse of the engine's step split", () => {
  for (const [id, T] of [["deep", 7], ["convdeep", 12], ["lenet5", 1]] as const) {
    const spec = buildCell(id, T);
    const x = randomImages(2, spec.width, `layout/${id}`);
    const back = tf.tidy(() => {
      const xt = tf.tensor3d(x, [2, 28, spec.width]);
      return stepsToImages(spec, toSteps(spec, xt)).dataSync();
    });
    assertEquals(maxAbsDiff(back, x), 0);
  }
});
