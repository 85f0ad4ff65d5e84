/**
 * Registers the native-BLAS kernels for the wasm backend when a BLAS library loads
 * (see `blas_library.ts` for where it is looked for and how to turn it off).
 *
 * | kernel | computed as |
 * | --- | --- |
 * | `BatchMatMul`, `_FusedMatMul` | `cblas_sgemm` on the wasm heap, transposes as flags |
 * | `Conv2D`, `FusedConv2D` | patch matrix (im2col) · filter |
 * | `Conv2DBackpropFilter` | patch matrixᵀ · dy (the forward pass's patches when kept) |
 * | `Conv2DBackpropInput` | dy · filterᵀ, added back onto the input (col2im) |
 *
 * Each BLAS kernel falls back to the kernel registered before it (the stock kernel or
 * the fix from `wasm_kernels.ts`) for inputs it does not cover. Without a library
 * nothing is registered and the pure wasm kernels stay.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type BlasLibrary, loadBlas } from "./blas_library.ts";
import {
  blasConv2D,
  blasConv2DBackpropFilter,
  blasConv2DBackpropInput,
  blasFusedConv2D,
} from "./blas_conv2d.ts";
import { blasBatchMatMul, blasFusedMatMul } from "./blas_matmul.ts";
import { MissingKernelError } from "./errors.ts";
import type { KernelFix } from "./wasm_kernels.ts";
import { WASM } from "./wasm_kernel_util.ts";

/** What {@link registerBlasKernels} did. */
export interface BlasRegistration {
  /** The library, or null when none was loaded. */
  readonly library: BlasLibrary | null;
  /** Why no library was loaded (null when one was). */
  readonly reason: string | null;
  /** The kernels registered. */
  readonly fixes: readonly KernelFix[];
  /** Per replaced kernel, the config registered before (the pure kernel it falls back to). */
  readonly replaced: ReadonlyMap<string, tf.KernelConfig>;
}

let registration: BlasRegistration | undefined;

const KERNELS: [string, (blas: BlasLibrary, fallback: tf.KernelConfig) => tf.KernelConfig][] = [
  [tf.BatchMatMul, blasBatchMatMul],
  [tf._FusedMatMul, blasFusedMatMul],
  [tf.Conv2D, blasConv2D],
  [tf.FusedConv2D, blasFusedConv2D],
  [tf.Conv2DBackpropFilter, blasConv2DBackpropFilter],
  [tf.Conv2DBackpropInput, blasConv2DBackpropInput],
];

/**
 * Loads the BLAS library and, if it loads, replaces the wasm kernels of the module table
 * with BLAS ones. Call after `registerWasmKernels` and before the wasm backend is
 * activated. Runs once per process; later calls return the first result.
 */
export function registerBlasKernels(): BlasRegistration {
  if (registration !== undefined) return registration;
  const loaded = loadBlas();
  if (!loaded.ok) {
    registration = { library: null, reason: loaded.reason, fixes: [], replaced: new Map() };
    return registration;
  }
  const blas = loaded.library;
  const fixes: KernelFix[] = [];
  const replaced = new Map<string, tf.KernelConfig>();
  for (const [name, make] of KERNELS) {
    const current = tf.getKernel(name, WASM);
    if (current == null) throw new MissingKernelError(name, WASM);
    replaced.set(name, current);
    tf.unregisterKernel(name, WASM);
    tf.registerKernel(make(blas, current));
    fixes.push({ kernel: name, action: "replaced", reason: `runs on ${blas.description}` });
  }
  registration = { library: blas, reason: null, fixes, replaced };
  return registration;
}

/** What {@link registerBlasKernels} did, or undefined before it ran. */
export function blasRegistration(): BlasRegistration | undefined {
  return registration;
}
