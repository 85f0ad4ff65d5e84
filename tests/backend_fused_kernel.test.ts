/**
 * `runFusedKernel` runs one of the project's own kernels only where the backend has it and
 * the operands are what the kernel accepts (float32, one shape, rows first where asked),
 * and otherwise leaves the result to the caller's tensor ops; `unlikeInput` is the one
 * condition both sides use.
 */
import { assert, assertEquals, assertThrows } from "@std/assert";
import { GUARDED_QUOTIENT, initBackend, RESIDUAL_SUM, tf } from "../lib/backend/mod.ts";
import { runFusedKernel, unlikeInput } from "../lib/backend/fused_kernel.ts";
import { requireFloat32Inputs } from "../lib/backend/wasm_kernel_util.ts";

await initBackend({ backend: "wasm", quiet: true });

const attrs = { epsilon: 0, zero: 1e-30 };

Deno.test("unlikeInput finds the first operand of another type or shape", () => {
  const a = { dtype: "float32" as const, shape: [2, 3] };
  assertEquals(unlikeInput([a, a, a]), -1);
  assertEquals(unlikeInput([a, a, { ...a, shape: [2, 1] }]), 2);
  assertEquals(unlikeInput([a, { ...a, shape: [2, 3, 1] }]), 1);
  assertEquals(unlikeInput([a, { ...a, dtype: "int32" as const }]), 1);
  assertEquals(unlikeInput([{ ...a, dtype: "int32" as const }, a]), 0);
  // rows first: a shape without an axis has none
  assertEquals(unlikeInput([{ ...a, shape: [] }]), -1);
  assertEquals(unlikeInput([{ ...a, shape: [] }], true), 0);
  assertEquals(unlikeInput([a], true), -1);
});

Deno.test("runFusedKernel runs the kernel on operands of one float32 shape", () => {
  const before = tf.memory().numTensors;
  const r = tf.tensor2d([[1, 2], [3, 4]]);
  const z = tf.tensor2d([[2, 0], [-4, 8]]);
  const out = runFusedKernel(GUARDED_QUOTIENT, { r, z }, attrs);
  assert(out !== null);
  assertEquals(Array.from(out.dataSync()), [0.5, 0, -0.75, 0.5]);
  tf.dispose([r, z, out]);
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("runFusedKernel leaves broadcasting, other types and missing rows to the caller", () => {
  const before = tf.memory().numTensors;
  const r = tf.tensor2d([[1, 2], [3, 4]]);
  const row = tf.tensor2d([[1, 2]]);
  const ints = tf.tensor2d([[1, 2], [3, 4]], undefined, "int32");
  const scalar = tf.scalar(1);
  assertEquals(runFusedKernel(GUARDED_QUOTIENT, { r, z: row }, attrs), null);
  assertEquals(runFusedKernel(GUARDED_QUOTIENT, { r, z: ints }, attrs), null);
  assertEquals(runFusedKernel(RESIDUAL_SUM, { r: scalar, s0: scalar, z0: scalar }, {}, true), null);
  // the kernel itself would refuse each of these
  for (const inputs of [{ r, z: row }, { r, z: ints }]) {
    assertThrows(
      () => requireFloat32Inputs(inputs, ["r", "z"], GUARDED_QUOTIENT),
      Error,
      "must be float32 of shape [2,2]",
    );
  }
  assertEquals(tf.memory().numTensors, before + 4);
  tf.dispose([r, row, ints, scalar]);
});

Deno.test("runFusedKernel leaves a backend without the kernel to the caller", async () => {
  await tf.setBackend("cpu");
  try {
    const r = tf.tensor1d([1, 2]);
    assertEquals(runFusedKernel(GUARDED_QUOTIENT, { r, z: r }, attrs), null);
    r.dispose();
  } finally {
    await tf.setBackend("wasm");
  }
});
