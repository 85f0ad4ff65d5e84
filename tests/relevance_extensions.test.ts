/**
 * What a user adds from outside `lib`: a recurrent cell described as data (a
 * minimal gated unit), trained briefly, explained by every method that applies
 * and checked for conservation; and explanation methods registered in a few lines.
 */
import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals, assertLessOrEqual, assertThrows } from "@std/assert";
import { createModel, describeCell, disposeModel } from "../lib/cells/mod.ts";
import { loadTask, makeBatch } from "../lib/data/mod.ts";
import {
  conservationResidual,
  explain,
  ExplainInputError,
  lrpGamma,
  type Method,
  methodNames,
  registerMethod,
  uniformComposite,
} from "../lib/relevance/mod.ts";
import { sampleSubset, trainModel } from "../lib/train/mod.ts";
import {
  argmaxRows,
  logitsOf,
  maxAbsDiff,
  randomImages,
  setupBackend,
} from "./relevance_fixtures.ts";
import { ensureDataMirror } from "./train_fixtures.ts";

await setupBackend();

/**
 * The minimal gated unit (Zhou et al. 2016): f = σ([x, h′]·W_f + b_f),
 * ĥ = tanh([x, f ⊙ h′]·W_h + b_h), h = (1 − f) ⊙ h′ + f ⊙ ĥ.
 */
const mgu = (T: number) =>
  describeCell({
    id: "mgu",
    label: "MGU",
    T,
    states: [{ name: "h_prev", next: "h", shape: [48] }],
    step: [
      { op: "concat", name: "xh", inputs: ["x", "h_prev"] },
      { op: "dense", name: "f", input: "xh", units: 48, activation: "sigmoid", bias: "free" },
      { op: "gate", name: "fh", gate: "f", value: "h_prev" },
      { op: "concat", name: "xfh", inputs: ["x", "fh"] },
      { op: "dense", name: "cand", input: "xfh", units: 48, activation: "tanh", bias: "free" },
      { op: "interpolate", name: "h", gate: "f", from: "h_prev", to: "cand" },
    ],
    output: [
      { op: "dense", name: "out", input: "h", units: 10, activation: "linear", bias: "free" },
    ],
    logits: "out",
  });

const RELEVANCE = [
  { method: "lrp-epsilon" },
  { method: "lrp-epsilon", bias: "redistribute" as const },
  { method: "lrp-gamma", epsilon: 0.01 },
];

Deno.test({
  name: "a cell described outside lib trains, explains with every method and conserves",
  ignore: !ensureDataMirror(),
  async fn() {
    const spec = mgu(7);
    const task = await loadTask("mnist", { folds: 2 });
    const [train, test] = task.kind === "cv"
      ? [task.fold(0).train, task.fold(0).test]
      : [task.train, task.test];
    const model = createModel(spec, { seed: 3, biasMode: "code" });
    try {
      const before = model.params.get("cand.weight")!.dataSync().slice();
      await trainModel(model, train, {
        epochs: 1,
        learningRate: 0.01,
        seed: 3,
        indices: sampleSubset(train.n, 256, "mgu"),
      });
      assert(maxAbsDiff(before, model.params.get("cand.weight")!.dataSync()) > 1e-4, "trained");
      const batch = makeBatch(
        test,
        Int32Array.from({ length: 6 }, (_, i) => i),
        new Float32Array(6 * 28 * 28),
      );
      const logits = logitsOf(model, batch.x);
      for (const opts of RELEVANCE) {
        const e = explain(model, batch.x, { ...opts, targets: batch.labels });
        const residual = conservationResidual(e);
        for (let b = 0; b < 6; b++) {
          const fy = logits[b * 10 + batch.labels[b]];
          assertLessOrEqual(Math.abs(residual[b]), 2e-4 * Math.max(1, Math.abs(fy)), opts.method);
        }
      }
      for (const method of ["sa", "gb", "taylor", "gradient-x-input"]) {
        const e = explain(model, batch.x, { method, targets: batch.labels });
        assert(e.relevance.every(Number.isFinite), method);
        assert(e.relevance.some((v) => v !== 0), `${method}: not all zero`);
        assertThrows(() => conservationResidual(e), ExplainInputError, "not a relevance method");
      }
    } finally {
      disposeModel(model);
    }
  },
});

Deno.test("methods registered from outside lib are explained by name, options checked", () => {
  // A gradient method: |∂f_y/∂x|.
  registerMethod({
    name: "abs-gradient",
    kind: "gradient",
    description: "|∂f_y/∂x|",
    options: {},
    build: () => ({
      kind: "gradient",
      attribute: (g) => tf.abs(g),
      settings: { method: "abs-gradient" },
    }),
  });
  // A relevance method with a typed option: LRP-0 (γ = 0) with a given ε.
  const lrpZero: Method<{ epsilon?: number }> = {
    name: "lrp-zero",
    kind: "relevance",
    description: "LRP-0 at every layer",
    options: { epsilon: { type: "number", description: "the stabiliser" } },
    build: ({ epsilon = 0.01 }) => ({
      kind: "relevance",
      composite: uniformComposite(lrpGamma({ gamma: 0, epsilon })),
      requireConservation: true,
      settings: { method: "lrp-zero", epsilon },
    }),
  };
  registerMethod(lrpZero);
  assert(methodNames().includes("abs-gradient") && methodNames().includes("lrp-zero"));
  assertThrows(() => registerMethod(lrpZero), ExplainInputError, "already registered");

  const spec = mgu(4);
  const model = createModel(spec, { seed: 8 });
  try {
    const x = randomImages(2, 28, "registered");
    const targets = argmaxRows(logitsOf(model, x));
    const abs = explain(model, x, { method: "abs-gradient", targets });
    const sa = explain(model, x, { method: "sa", targets });
    assertLessOrEqual(maxAbsDiff(abs.relevance, sa.relevance.map(Math.sqrt)), 1e-6);
    const zero = explain(model, x, { method: "lrp-zero", epsilon: 0.02, targets });
    const gamma = explain(model, x, { method: "lrp-gamma", gamma: 0, epsilon: 0.02, targets });
    assertEquals(zero.settings.epsilon, 0.02);
    assertLessOrEqual(maxAbsDiff(zero.relevance, gamma.relevance), 1e-6);
    assertThrows(
      () => explain(model, x, { method: "lrp-zero", gamma: 1 }),
      ExplainInputError,
      "option gamma does not apply",
    );
    assertThrows(
      // As from an untyped caller (JSON, the command line).
      () => explain(model, x, { method: "lrp-zero", ...JSON.parse('{"epsilon": "small"}') }),
      ExplainInputError,
      "must be a number",
    );
  } finally {
    disposeModel(model);
  }
});
