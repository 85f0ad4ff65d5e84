/**
 * The one-kernel residual sum of the relevance rules (`RnnxResidualSum`: per row,
 * Σ_k (R_k − Σ_g s_gk·z_gk)) gives the same bits as the tensor ops it replaces, for any
 * number of rows, and the rules using it still conserve relevance.
 */
import { assert, assertEquals, assertThrows } from "@std/assert";
import {
  initBackend,
  RESIDUAL_SUM,
  RESIDUAL_SUM_GROUPS,
  residualSumValues,
  tf,
} from "../lib/backend/mod.ts";
import { Prng } from "../lib/data/prng.ts";

await initBackend({ backend: "wasm", quiet: true });

/** Values over eight orders of magnitude, a tenth of them zeros of either sign. */
function values(n: number, prng: Prng): Float32Array {
  return Float32Array.from(
    { length: n },
    () =>
      prng.next() < 0.1
        ? (prng.next() < 0.5 ? 0 : -0)
        : (prng.next() - 0.5) * 10 ** (prng.next() * 8 - 4),
  );
}

/** The formula as the tensor ops wrote it before the kernel: products, sums, difference, row sums. */
function composed(r: tf.Tensor, groups: [tf.Tensor, tf.Tensor][]): Float32Array {
  return tf.tidy(() => {
    let passed = tf.mul(groups[0][0], groups[0][1]);
    for (const [s, z] of groups.slice(1)) passed = tf.add(passed, tf.mul(s, z));
    return tf.sum(tf.reshape(tf.sub(r, passed), [r.shape[0], -1]), 1).dataSync() as Float32Array;
  });
}

function fused(r: tf.Tensor, groups: [tf.Tensor, tf.Tensor][]): Float32Array {
  const inputs: tf.NamedTensorMap = { r };
  groups.forEach(([s, z], g) => Object.assign(inputs, { [`s${g}`]: s, [`z${g}`]: z }));
  const out = tf.engine().runKernel(RESIDUAL_SUM, inputs, {}) as tf.Tensor;
  const data = out.dataSync() as Float32Array;
  out.dispose();
  return data;
}

const bits = (a: Float32Array) => Array.from(new Uint32Array(Float32Array.from(a).buffer));

Deno.test("the residual sum kernel gives the tensor ops' bits, for every row count", () => {
  assert(tf.getKernel(RESIDUAL_SUM, "wasm") != null);
  const prng = new Prng("residual-sum");
  // rows below, at and across the four summed side by side; rows of one value, of a
  // layer and of a conv layer's [h, w, c]
  for (const shape of [[1, 5], [3, 1], [4, 7], [5, 3], [9, 10], [500, 256], [13, 4, 3, 2]]) {
    for (let groups = 1; groups <= RESIDUAL_SUM_GROUPS; groups++) {
      const size = shape.reduce((a, b) => a * b, 1);
      const tensors = Array.from(
        { length: 1 + 2 * groups },
        () => tf.tensor(values(size, prng), shape),
      );
      const [r, ...terms] = tensors;
      const pairs = Array.from(
        { length: groups },
        (_, g) => [terms[2 * g], terms[2 * g + 1]] as [tf.Tensor, tf.Tensor],
      );
      const label = `shape [${shape}], ${groups} group(s)`;
      const expected = composed(r, pairs);
      assertEquals(bits(fused(r, pairs)), bits(expected), label);
      const js = new Float32Array(shape[0]);
      residualSumValues(
        r.dataSync() as Float32Array,
        pairs.map(([s, z]) =>
          [s.dataSync() as Float32Array, z.dataSync() as Float32Array] as const
        ),
        js,
      );
      assertEquals(bits(js), bits(expected), `${label}, JavaScript`);
      tf.dispose(tensors);
    }
  }
});

Deno.test("the residual sum kernel refuses operands that are not one float32 shape, naming them", () => {
  tf.tidy(() => {
    const r = tf.ones([4, 3]);
    const run = (inputs: tf.NamedTensorMap) => tf.engine().runKernel(RESIDUAL_SUM, inputs, {});
    assertThrows(
      () => run({ r, s0: tf.ones([3, 4]), z0: r }),
      Error,
      "input s0 must be float32 of shape [4,3]",
    );
    assertThrows(() => run({ r, s0: r, z0: tf.ones([4, 3], "int32") }), Error, "input z0");
    assertThrows(() => run({ r, s0: r }), Error, 'missing input "z0"');
  });
});
