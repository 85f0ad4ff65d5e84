/**
 * The one-kernel guarded quotient of the relevance rules (`RnnxGuardedQuotient`) gives
 * the same bits as the seven tensor ops it replaces, on every kind of value, and leaves
 * no tensors behind.
 */
import { assert, assertEquals, assertThrows } from "@std/assert";
import { GUARDED_QUOTIENT, guardedQuotientValues, initBackend, tf } from "../lib/backend/mod.ts";
import { Prng } from "../lib/data/prng.ts";
import { guardedQuotient, nonZero, ZERO_NORMALISER } from "../lib/relevance/stabilise.ts";

await initBackend({ backend: "wasm", quiet: true });

/** Values a normaliser or a relevance can take, the edge cases among them. */
const SPECIAL = [
  0,
  -0,
  ZERO_NORMALISER,
  -ZERO_NORMALISER,
  Math.fround(ZERO_NORMALISER) * (1 + 2 ** -23),
  2e-30,
  1e-45,
  -1e-45,
  1e-38,
  Infinity,
  -Infinity,
  NaN,
  1,
  -1,
  3.4e38,
  -3.4e38,
  1e-9,
  -1e-9,
];

/** `n` values, a third of them from {@link SPECIAL}, the rest over 20 orders of magnitude. */
function values(n: number, prng: Prng): Float32Array {
  return Float32Array.from(
    { length: n },
    () =>
      prng.next() < 0.3
        ? SPECIAL[prng.int(SPECIAL.length)]
        : (prng.next() - 0.5) * 10 ** (prng.next() * 20 - 10),
  );
}

/** The bits of `a`, NaNs as one pattern (their payloads are not part of the contract). */
function bits(a: Float32Array): number[] {
  return Array.from(
    new Uint32Array(Float32Array.from(a, (v) => v).buffer),
    (u, i) => Number.isNaN(a[i]) ? -1 : u,
  );
}

/** guardedQuotient on the active backend, read back. */
function quotient(r: Float32Array, z: Float32Array, epsilon: number, masked: boolean) {
  return tf.tidy(() => {
    const Z = tf.tensor(z);
    return guardedQuotient(tf.tensor(r), Z, epsilon, masked ? nonZero(Z) : undefined).dataSync();
  }) as Float32Array;
}

/** Runs `f` with the kernel unregistered, so that guardedQuotient composes tensor ops. */
function withoutKernel<T>(f: () => T): T {
  const config = tf.getKernel(GUARDED_QUOTIENT, "wasm")!;
  tf.unregisterKernel(GUARDED_QUOTIENT, "wasm");
  try {
    return f();
  } finally {
    tf.registerKernel(config);
  }
}

Deno.test("the guarded quotient kernel is registered on wasm", () => {
  assert(tf.getKernel(GUARDED_QUOTIENT, "wasm") != null);
});

Deno.test("the kernel gives the tensor ops' bits, on wasm and on cpu, for every kind of value", () => {
  const prng = new Prng("guarded-quotient");
  // lengths below, at and across the four lanes of a pass, and one of a batch's layers
  for (const n of [1, 2, 3, 4, 5, 7, 8, 9, 61, 500 * 64 + 3]) {
    const r = values(n, prng);
    const z = values(n, prng);
    for (const epsilon of [0, 1e-9, 0.25]) {
      for (const masked of [false, true]) {
        const label = `n = ${n}, ε = ${epsilon}, ${masked ? "mask given" : "no mask"}`;
        const fused = bits(quotient(r, z, epsilon, masked));
        assertEquals(fused, bits(withoutKernel(() => quotient(r, z, epsilon, masked))), label);
        tf.setBackend("cpu");
        try {
          assertEquals(fused, bits(quotient(r, z, epsilon, masked)), `${label}, cpu`);
        } finally {
          tf.setBackend("wasm");
        }
      }
    }
  }
});

Deno.test("the remainder's values are the kernel's, and zeros give 0 rather than ±∞", () => {
  const r = Float32Array.of(1, 1, 6, 5, -2);
  const z = Float32Array.of(-2, 0, 3, 1e-31, -0);
  const out = new Float32Array(5);
  guardedQuotientValues(r, z, null, out, { epsilon: 0, zero: ZERO_NORMALISER });
  assertEquals(Array.from(out), [-0.5, 0, 2, 0, -0]);
  assertEquals(bits(quotient(r, z, 0, false)), bits(out));
});

Deno.test("the kernel refuses operands of another shape or dtype, naming them", () => {
  const run = (inputs: tf.NamedTensorMap) =>
    tf.engine().runKernel(GUARDED_QUOTIENT, inputs, { epsilon: 0, zero: ZERO_NORMALISER });
  tf.tidy(() => {
    const z = tf.ones([2, 3]);
    assertThrows(
      () => run({ r: tf.ones([3, 2]), z }),
      Error,
      "input z must be float32 of shape [3,2]",
    );
    assertThrows(
      () => run({ r: tf.ones([2, 3]), z, mask: tf.ones([2, 3], "int32") }),
      Error,
      "input mask",
    );
    assertThrows(() => run({ z }), Error, 'missing input "r"');
  });
});

Deno.test("operands that broadcast take the tensor ops, and nothing is left behind", () => {
  const before = tf.memory().numTensors;
  const s = tf.tidy(() =>
    guardedQuotient(tf.tensor2d([[2, 4]]), tf.tensor1d([4, 0]), 0).dataSync()
  );
  assertEquals(Array.from(s), [0.5, 0]);
  const R = tf.ones([50, 64]);
  const z = tf.randomUniform([50, 64]);
  for (let i = 0; i < 3; i++) guardedQuotient(R, z, 0.1).dispose();
  tf.dispose([R, z]);
  assertEquals(tf.memory().numTensors, before);
});
