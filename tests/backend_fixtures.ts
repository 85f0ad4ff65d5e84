/**
 * Shared pieces of the native-kernel tests: seeded inputs, the relative difference
 * they are compared by, the output of the cpu backend and of one kernel
 * implementation, and a probe run in a fresh process (the kernels are
 * registered once per process, so other environments need one).
 */
import { assert, assertEquals } from "@std/assert";
import { tf } from "../lib/backend/mod.ts";
import { Prng } from "../lib/data/prng.ts";

/** Relative tolerance: max |a − b| / max |b|. */
export const TOLERANCE = 1e-4;

/** A tensor of `shape` with values uniform in [−1, 1) drawn from `seed`. */
export function uniform(shape: number[], seed: string): tf.Tensor {
  const prng = new Prng(seed);
  const values = new Float32Array(shape.reduce((p, n) => p * n, 1));
  for (let i = 0; i < values.length; i++) values[i] = 2 * prng.next() - 1;
  return tf.tensor(values, shape);
}

/** max |got − want| / max |want| (the reference must not be all zeros). */
export function relativeDiff(got: ArrayLike<number>, want: ArrayLike<number>): number {
  assertEquals(got.length, want.length);
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < want.length; i++) {
    scale = Math.max(scale, Math.abs(want[i]));
    diff = Math.max(diff, Math.abs(want[i] - got[i]));
  }
  assert(scale > 0, "the reference is all zeros: the comparison is empty");
  return diff / scale;
}

/** Named weights, as a test reads them back from a model. */
export type NamedWeights = readonly (readonly [string, ArrayBufferView])[];

/** Asserts that two lists of named weights hold the same bytes, name by name. */
export function assertSameBits(got: NamedWeights, want: NamedWeights, label: string): void {
  assertEquals(got.map(([name]) => name), want.map(([name]) => name), `${label}: weight names`);
  for (const [i, [name, w]] of got.entries()) {
    const u = new Uint8Array(w.buffer, w.byteOffset, w.byteLength);
    const v = new Uint8Array(want[i][1].buffer, want[i][1].byteOffset, want[i][1].byteLength);
    assert(
      u.length === v.length && u.every((bits, j) => bits === v[j]),
      `${label} ${name}: differ`,
    );
  }
}

/** Runs a snippet in a fresh process with `env` and returns its stdout lines. */
export async function inFreshProcess(code: string, env: Record<string, string>): Promise<string[]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--quiet", code],
    cwd: new URL("..", import.meta.url),
    env: { NO_COLOR: "1", ...env },
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert(out.success, stderr);
  return new TextDecoder().decode(out.stdout).trim().split("\n");
}

/** The output of kernel `name` on the cpu backend for copies of `inputs` (then back on wasm). */
export function onCpu(
  name: string,
  inputs: Record<string, tf.Tensor>,
  attrs: Record<string, unknown>,
): Float32Array {
  const values = Object.fromEntries(
    Object.entries(inputs).map(([k, v]) => [k, { data: v.dataSync(), shape: v.shape }]),
  );
  tf.setBackend("cpu");
  try {
    const copies = Object.fromEntries(
      Object.entries(values).map(([k, v]) => [k, tf.tensor(v.data, v.shape)]),
    );
    const out = tf.engine().runKernel(name, copies, attrs as tf.NamedAttrMap) as tf.Tensor;
    const cpu = out.dataSync() as Float32Array;
    tf.dispose([out, ...Object.values(copies)]);
    return cpu;
  } finally {
    tf.setBackend("wasm");
  }
}

/** The output of one kernel implementation, called directly on the current backend. */
export function runKernelConfig(
  kernel: tf.KernelConfig,
  inputs: Record<string, tf.Tensor>,
  attrs: Record<string, unknown>,
): Float32Array {
  const info = kernel.kernelFunc({
    inputs,
    backend: tf.backend(),
    attrs: attrs as tf.NamedAttrMap,
  }) as tf.TensorInfo;
  const t = tf.engine().makeTensorFromTensorInfo(info);
  const values = t.dataSync() as Float32Array;
  t.dispose();
  return values;
}
