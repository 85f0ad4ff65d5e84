import { assert, assertEquals } from "@std/assert";
import { initBackend, tf, uniformEngineWalks } from "../lib/backend/mod.ts";
import { buildCell, CELL_IDS, createModel, disposeModel } from "../lib/cells/mod.ts";
import { Prng } from "../lib/data/mod.ts";
import { Adam, ADAM_DEFAULTS, benchBatch, trainStep } from "../lib/train/mod.ts";
import { assertSameBits } from "./backend_fixtures.ts";

await initBackend({ quiet: true });

/** The engine, with what these tests read of it. */
const engine = tf.engine() as unknown as {
  addTapeNode(...args: unknown[]): void;
  state: { activeTape: { kernelName: string; inputs: object }[] };
};

/**
 * Trains `steps` seeded steps of `cell` (batch 4) with the one-kind walks on or off:
 * the weights, the tensors left behind and the kernels whose tape nodes were keyed by
 * position.
 */
function train(cell: string, uniform: boolean, steps: number) {
  const before = uniformEngineWalks(uniform);
  const spec = buildCell(cell);
  const model = createModel(spec, { seed: 3 });
  const adam = new Adam(model.params, { learningRate: 0.001, ...ADAM_DEFAULTS });
  const { x, y } = benchBatch(spec.width, 4, 3);
  const dropout = new Prng(3).fork("uniform-walks");
  const positional = new Set<string>();
  // an own property in front of the engine's method sees every node as it was recorded
  engine.addTapeNode = function (this: typeof engine, ...args: unknown[]) {
    Object.getPrototypeOf(this).addTapeNode.apply(this, args);
    const node = this.state.activeTape.at(-1)!;
    if (Array.isArray(node.inputs) || Object.hasOwn(node.inputs, "0")) {
      positional.add(node.kernelName);
    }
  };
  try {
    const tensors = tf.memory().numTensors;
    for (let i = 0; i < steps; i++) trainStep(model, adam, x, y, dropout.seed32());
    const left = tf.memory().numTensors - tensors;
    const weights = [...model.params].map(([k, v]) => [k, v.dataSync().slice()] as const);
    return { weights, left, positional: [...positional] };
  } finally {
    delete (engine as { addTapeNode?: unknown }).addTapeNode;
    tf.dispose([x, y]);
    adam.dispose();
    disposeModel(model);
    uniformEngineWalks(before);
  }
}

Deno.test("initBackend turns the one-kind walks on", () => {
  assertEquals(uniformEngineWalks(true), true);
});

Deno.test("no tape node is keyed by position while any cell trains", () => {
  const off = train("conv+deep", false, 1);
  assert(
    off.positional.includes("Concat"),
    `the check sees tfjs's own positional nodes (found: ${off.positional.join(", ")})`,
  );
  for (const cell of CELL_IDS) {
    assertEquals(train(cell, true, 1).positional, [], `${cell}: nodes keyed by position`);
  }
});

Deno.test("the one-kind walks train to the same bits, with no tensors left behind", () => {
  for (const cell of ["deep", "rlstm", "conv+deep", "lstm", "gru"]) {
    const plain = train(cell, false, 3);
    const uniform = train(cell, true, 3);
    assertSameBits(uniform.weights, plain.weights, cell);
    assertEquals(uniform.left, 0, `${cell}: tensors left behind`);
    assertEquals(plain.left, 0, `${cell}: tensors left behind (engine's own walks)`);
  }
});

Deno.test("a scope keeps exactly the tensors of a nested result", () => {
  const before = uniformEngineWalks(true);
  try {
    const tensors = tf.memory().numTensors;
    const kept = tf.tidy(() => {
      const a = tf.scalar(1);
      const b = tf.add(a, 1);
      const c = tf.mul(b, 2);
      tf.sub(c, 1); // dropped
      return { a, rest: [b, { c, again: a }], label: "not a tensor", n: 3 };
    });
    assertEquals(
      tf.memory().numTensors - tensors,
      3,
      "a, b and c survive, the difference does not",
    );
    assertEquals(kept.rest.length, 2);
    assertEquals(Array.from(kept.a.dataSync()), [1]);
    tf.dispose([kept.a, kept.rest[0] as tf.Tensor, (kept.rest[1] as { c: tf.Tensor }).c]);
    assertEquals(tf.memory().numTensors, tensors);
  } finally {
    uniformEngineWalks(before);
  }
});

Deno.test("gradients through positional inputs reach every input", () => {
  const before = uniformEngineWalks(true);
  try {
    const a = tf.tensor2d([[1, 2]]);
    const b = tf.tensor2d([[3]]);
    const w = tf.tensor2d([[1], [2], [3]]);
    const [ga, gb, gw] = tf.grads((p: tf.Tensor, q: tf.Tensor, v: tf.Tensor) =>
      // concat: an array of inputs; fused matMul with a bias: customGrad's positional map
      tf.sum(
        tf.fused.matMul({
          a: tf.concat([p, q], 1) as tf.Tensor2D,
          b: v as tf.Tensor2D,
          bias: tf.scalar(1),
        }),
      )
    )([a, b, w]);
    assertEquals(Array.from(ga.dataSync()), [1, 2]);
    assertEquals(Array.from(gb.dataSync()), [3]);
    assertEquals(Array.from(gw.dataSync()), [1, 2, 3]);
    tf.dispose([a, b, w, ga, gb, gw]);
  } finally {
    uniformEngineWalks(before);
  }
});
