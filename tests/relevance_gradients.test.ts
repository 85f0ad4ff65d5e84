import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals, assertLessOrEqual, assertNotEquals } from "@std/assert";
import {
  assignParameters,
  buildCell,
  type CellModel,
  type CellSpec,
  createModel,
  disposeModel,
  forward,
} from "../lib/cells/mod.ts";
import { Prng } from "../lib/data/prng.ts";
import { explain } from "../lib/relevance/mod.ts";
import { maxAbs, maxAbsDiff, randomImages, setupBackend } from "./relevance_fixtures.ts";

await setupBackend();

/** ∂f_y/∂x computed here, per sample, with tf.grad on the engine's forward. */
function referenceGradient(model: CellModel, x: Float32Array, targets: number[]): Float32Array {
  const W = model.spec.width;
  const B = targets.length;
  const out = new Float32Array(B * 28 * W);
  for (let b = 0; b < B; b++) {
    const g = tf.tidy(() => {
      const xb = tf.tensor3d(x.subarray(b * 28 * W, (b + 1) * 28 * W), [1, 28, W]);
      const fy = (v: tf.Tensor) => forward(model, v).slice([0, targets[b]], [1, 1]).reshape([]);
      return tf.grad(fy)(xb).dataSync();
    });
    out.set(g, b * 28 * W);
  }
  return out;
}

for (const [id, T] of [["deep", 7], ["convdeep", 12], ["rlstm", 12], ["lenet5", 1]] as const) {
  Deno.test(`sa and taylor on ${id} are the square of and x times the gradient of f_y`, () => {
    const spec = buildCell(id, T);
    const model = createModel(spec, { seed: 3, biasMode: "thesis" });
    try {
      const x = randomImages(2, spec.width, `grad/${id}`);
      const targets = [2, 7];
      const g = referenceGradient(model, x, targets);
      assert(maxAbs(g) > 1e-4, "the gradient is not trivially zero");
      const sa = explain(model, x, { method: "sa", targets });
      const taylor = explain(model, x, { method: "taylor", targets });
      const scale = maxAbs(g);
      assertLessOrEqual(maxAbsDiff(sa.relevance, g.map((v) => v * v)), 1e-6 * scale * scale);
      assertLessOrEqual(maxAbsDiff(taylor.relevance, g.map((v, i) => v * x[i])), 1e-6 * scale);
    } finally {
      disposeModel(model);
    }
  });
}

/** A one-step cell: x (784) → h1 (4, ReLU) → h2 (3, ReLU) → logits (10, linear); no biases. */
function tinyReluCell(): CellSpec {
  const dense = (name: string, input: string, units: number, activation: "relu" | "linear") => ({
    op: "dense" as const,
    name,
    input,
    units,
    activation,
    bias: "negsoftplus" as const,
  });
  return {
    ...buildCell("deep", 1),
    label: "tiny ReLU",
    states: [],
    step: [dense("h1", "x", 4, "relu"), dense("h2", "h1", 3, "relu")],
    output: [dense("out", "h2", 10, "linear")],
    logits: "out",
  };
}

Deno.test("gb passes a ReLU's gradient only where its output and the incoming gradient are > 0", () => {
  const spec = tinyReluCell();
  const model = createModel(spec, { seed: 0, biasMode: "code" });
  const prng = new Prng("gb-weights");
  const W1 = Array.from(
    { length: 784 },
    () => Array.from({ length: 4 }, () => prng.normal() * 0.1),
  );
  const W2 = [[1, -1, 0.5], [-1, 1, 1], [0.5, 0.5, -1], [1, 1, 1]];
  const W3 = Array.from({ length: 3 }, () => new Array(10).fill(0));
  const y = 4;
  // Upper gradient: positive into h2[0] and h2[2], negative into h2[1].
  [W3[0][y], W3[1][y], W3[2][y]] = [1, -2, 0.5];
  const x = randomImages(1, 28, "gb-input");
  // Forward by hand.
  const a1 = [0, 1, 2, 3].map((k) => Math.max(0, x.reduce((s, v, i) => s + v * W1[i][k], 0)));
  const a2 = [0, 1, 2].map((k) => Math.max(0, a1.reduce((s, v, j) => s + v * W2[j][k], 0)));
  const values = new Map<string, tf.Tensor>([
    ["h1.weight", tf.tensor2d(W1)],
    ["h2.weight", tf.tensor2d(W2)],
    ["out.weight", tf.tensor2d(W3)],
  ]);
  assignParameters(model, values);
  tf.dispose([...values.values()]);
  try {
    const backprop = (guided: boolean) => {
      const g2 = [0, 1, 2].map((k) => {
        const dy = W3[k][y];
        return a2[k] > 0 && (!guided || dy > 0) ? dy : 0;
      });
      const g1 = [0, 1, 2, 3].map((j) => {
        const dy = g2.reduce((s, v, k) => s + v * W2[j][k], 0);
        return a1[j] > 0 && (!guided || dy > 0) ? dy : 0;
      });
      return x.map((_, i) => g1.reduce((s, v, j) => s + v * W1[i][j], 0));
    };
    const plain = backprop(false);
    const guided = backprop(true);
    const sa = explain(model, x, { method: "sa", targets: [y] });
    const gb = explain(model, x, { method: "gb", targets: [y] });
    const scale = maxAbs(plain) ** 2;
    assertLessOrEqual(maxAbsDiff(sa.relevance, plain.map((v) => v * v)), 1e-5 * scale);
    assertLessOrEqual(maxAbsDiff(gb.relevance, guided.map((v) => v * v)), 1e-5 * scale);
    // The example is built so that the guided rule changes the result somewhere.
    assert(
      maxAbsDiff(plain, guided) > 0.1 * maxAbs(plain),
      "the example exercises the guided rule",
    );
    assert(gb.relevance.every((v) => v >= 0), "gb heatmaps are squares");
  } finally {
    disposeModel(model);
  }
});

/** A one-step cell with a sigmoid gate: h = σ(x·Wg) ⊙ ReLU(x·Wa); logits = h·Wo. */
function tinyGateCell(): CellSpec {
  return {
    ...buildCell("deep", 1),
    label: "tiny gate",
    states: [],
    step: [
      { op: "dense", name: "a", input: "x", units: 3, activation: "relu", bias: "negsoftplus" },
      { op: "dense", name: "g", input: "x", units: 3, activation: "sigmoid", bias: "free" },
      { op: "gate", name: "h", gate: "g", value: "a" },
    ],
    output: [{
      op: "dense",
      name: "out",
      input: "h",
      units: 10,
      activation: "linear",
      bias: "negsoftplus",
    }],
    logits: "out",
  };
}

Deno.test("gb gives sigmoid gates zero gradient, or their gradient with gbGates pass", () => {
  const model = createModel(tinyGateCell(), { seed: 5, biasMode: "code" });
  try {
    const x = randomImages(1, 28, "gate-input");
    const y = 1;
    const Wa = model.params.get("a.weight")!.arraySync() as number[][];
    const Wg = model.params.get("g.weight")!.arraySync() as number[][];
    const Wo = model.params.get("out.weight")!.arraySync() as number[][];
    const pre = (W: number[][], k: number) => x.reduce((s, v, i) => s + v * W[i][k], 0);
    const a = [0, 1, 2].map((k) => Math.max(0, pre(Wa, k)));
    const g = [0, 1, 2].map((k) => 1 / (1 + Math.exp(-pre(Wg, k))));
    const grad = (throughGates: boolean) =>
      x.map((_, i) =>
        [0, 1, 2].reduce((s, k) => {
          const dh = Wo[k][y];
          const da = dh * g[k];
          const value = a[k] > 0 && da > 0 ? da * Wa[i][k] : 0;
          const gate = throughGates ? dh * a[k] * g[k] * (1 - g[k]) * Wg[i][k] : 0;
          return s + value + gate;
        }, 0)
      );
    const zero = explain(model, x, { method: "gb", targets: [y] });
    const pass = explain(model, x, { method: "gb", targets: [y], gbGates: "pass" });
    const expZero = grad(false).map((v) => v * v);
    const expPass = grad(true).map((v) => v * v);
    const scale = Math.max(maxAbs(expZero), maxAbs(expPass));
    assert(scale > 0, "the example has a gradient");
    assertLessOrEqual(maxAbsDiff(zero.relevance, expZero), 1e-5 * scale);
    assertLessOrEqual(maxAbsDiff(pass.relevance, expPass), 1e-5 * scale);
    assertNotEquals(maxAbsDiff(expZero, expPass), 0);
    assertEquals(zero.settings.gbGates, "zero");
  } finally {
    disposeModel(model);
  }
});
