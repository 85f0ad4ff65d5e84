import { assert, assertEquals } from "@std/assert";
import { initBackend, shareSavedTensors, tf } from "../lib/backend/mod.ts";
import { buildCell, createModel, disposeModel } from "../lib/cells/mod.ts";
import { Prng } from "../lib/data/mod.ts";
import { Adam, ADAM_DEFAULTS, benchBatch, trainStep } from "../lib/train/mod.ts";
import { assertSameBits } from "./backend_fixtures.ts";

await initBackend({ quiet: true });
const onWasm = tf.getBackend() === "wasm";

/** Trains `steps` seeded steps of `cell` with sharing on or off; the weights and kernel counts. */
async function train(cell: string, share: boolean, steps: number) {
  const before = shareSavedTensors(share);
  const spec = buildCell(cell, 12);
  const model = createModel(spec, { seed: 5 });
  const adam = new Adam(model.params, { learningRate: 0.001, ...ADAM_DEFAULTS });
  const { x, y } = benchBatch(spec.width, 8, 5);
  const dropout = new Prng(5).fork("saved-tensors");
  try {
    const tensors = tf.memory().numTensors;
    for (let i = 0; i < steps - 1; i++) trainStep(model, adam, x, y, dropout.seed32());
    const profile = await tf.profile(() => void trainStep(model, adam, x, y, dropout.seed32()));
    const identities = profile.kernels.filter((k) => k.name === "Identity").length;
    const left = tf.memory().numTensors - tensors;
    const weights = [...model.params].map(([k, v]) => [k, v.dataSync().slice()] as const);
    return { weights, identities, left };
  } finally {
    tf.dispose([x, y]);
    adam.dispose();
    disposeModel(model);
    shareSavedTensors(before);
  }
}

Deno.test({
  name: "sharing saved tensors trains to the same bits with fewer kernels and no leaks",
  ignore: !onWasm,
  async fn() {
    assertEquals(shareSavedTensors(true), true, "the wasm backend turns sharing on");
    for (const cell of ["deep", "rlstm", "convdeep"]) {
      const cloned = await train(cell, false, 3);
      const shared = await train(cell, true, 3);
      assertSameBits(shared.weights, cloned.weights, cell);
      assertEquals(shared.left, 0, `${cell}: tensors left behind`);
      assertEquals(cloned.left, 0, `${cell}: tensors left behind (cloning)`);
      assert(
        shared.identities < cloned.identities / 4,
        `${cell}: ${shared.identities} Identity kernels shared against ${cloned.identities} cloned`,
      );
    }
  },
});

Deno.test({
  name:
    "a saved tensor outlives the tensor it was saved from, and its memory is freed with the gradient",
  ignore: !onWasm,
  fn() {
    const x = tf.tensor1d([1, -2, 3]);
    const gradient = (share: boolean) => {
      const before = shareSavedTensors(share);
      try {
        const bytes = tf.memory().numBytes;
        const g = tf.grad((v: tf.Tensor) => {
          const a = tf.mul(v, 2);
          const b = tf.square(a); // saves a
          a.dispose();
          return tf.sum(b);
        })(x);
        const values = Array.from(g.dataSync());
        g.dispose();
        return { values, bytes: tf.memory().numBytes - bytes };
      } finally {
        shareSavedTensors(before);
      }
    };
    const shared = gradient(true);
    assertEquals(shared.values, [8, -16, 24]); // d/dv (2v)² = 8v
    assertEquals(shared, gradient(false));
    assertEquals(shared.bytes, 0);
    x.dispose();
  },
});
