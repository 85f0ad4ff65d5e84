/**
 * The fast evaluation behind `forward` (dense groups over concatenations, products of
 * state-free inputs over all steps, one dropout multiplication per run of gates) gives
 * the values and gradients of the node-by-node reference (`hoist: false`), with the
 * same dropout masks.
 */
import { assert, assertEquals, assertLess } from "@std/assert";
import { initBackend, tf } from "../lib/backend/mod.ts";
import {
  allCellVariants,
  buildCell,
  createModel,
  disposeModel,
  forward,
} from "../lib/cells/mod.ts";

await initBackend({ quiet: true });

function images(batch: number, width: number, seed: number): tf.Tensor3D {
  return tf.randomUniform([batch, 28, width], -1, 1, "float32", seed) as tf.Tensor3D;
}

/** max |a − b| / max |b| over a value and gradients. */
function relative(a: Float32Array, b: Float32Array): number {
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < b.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]));
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
  }
  return scale === 0 ? diff : diff / scale;
}

Deno.test("training-mode values and gradients of the fast path equal the reference", () => {
  for (const { id, T } of allCellVariants()) {
    const model = createModel(buildCell(id, T), { seed: 3, biasMode: "thesis" });
    const x = images(4, model.spec.width, 4);
    const params = [...model.params.values()];
    const run = (hoist: boolean) =>
      tf.variableGrads(
        () => tf.sum(tf.square(forward(model, x, { training: true, seed: 7, hoist }))) as tf.Scalar,
        params,
      );
    const fast = run(true);
    const ref = run(false);
    assertEquals(Object.keys(fast.grads).sort(), Object.keys(ref.grads).sort(), `${id} T=${T}`);
    const v = [fast.value, ref.value].map((t) => t.dataSync() as Float32Array);
    assertLess(relative(v[0], v[1]), 1e-5, `${id} T=${T}: loss`);
    for (const k of Object.keys(ref.grads)) {
      const g = relative(
        fast.grads[k].dataSync() as Float32Array,
        ref.grads[k].dataSync() as Float32Array,
      );
      assertLess(g, 1e-5, `${id} T=${T}: gradient of ${k}`);
    }
    tf.dispose([
      x,
      fast.value,
      ref.value,
      ...Object.values(fast.grads),
      ...Object.values(ref.grads),
    ]);
    disposeModel(model);
  }
});

Deno.test("evaluation-mode logits of the fast path equal the reference for every cell", () => {
  for (const { id, T } of allCellVariants()) {
    const model = createModel(buildCell(id, T), { seed: 5, biasMode: "thesis" });
    const x = images(3, model.spec.width, 6);
    const a = forward(model, x);
    const b = forward(model, x, { hoist: false });
    assertLess(relative(a.dataSync() as Float32Array, b.dataSync() as Float32Array), 1e-5, id);
    tf.dispose([x, a, b]);
    disposeModel(model);
  }
});

Deno.test("fast-path masks repeat for a seed, change with it, and leave no tensors", () => {
  const model = createModel(buildCell("rlstm", 12), { seed: 1 });
  const x = images(20, model.spec.width, 2);
  const before = tf.memory().numTensors;
  const outs = [1, 1, 2].map((seed) => forward(model, x, { training: true, seed }));
  assertEquals(tf.memory().numTensors, before + 3, "only the three logits remain");
  const [a, again, other] = outs.map((o) => o.dataSync() as Float32Array);
  assertEquals(relative(again, a), 0, "same seed, same masks");
  assert(relative(other, a) > 1e-4, "another seed, other masks");
  tf.dispose([x, ...outs]);
  disposeModel(model);
});
