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
 * When oneDNN loads too (`dnnl_library.ts`), the convolution kernels are replaced
 * once more by oneDNN's (`dnnl_conv2d.ts`), which fall back to the BLAS ones, and the
 * average pooling kernels by oneDNN's (`dnnl_pool.ts`).
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
import {
  dnnlConv2D,
  dnnlConv2DBackpropFilter,
  dnnlConv2DBackpropInput,
  dnnlFusedConv2D,
} from "./dnnl_conv2d.ts";
import { type DnnlLibrary, loadDnnl } from "./dnnl_library.ts";
import { dnnlAvgPool, dnnlAvgPoolGrad } from "./dnnl_pool.ts";
import { MissingKernelError } from "./errors.ts";
import { replaceKernels } from "./replace_kernels.ts";
import type { KernelFix } from "./wasm_kernels.ts";
import { WASM } from "./wasm_kernel_util.ts";

/** What {@link registerBlasKernels} did. */
export interface BlasRegistration {
  /** The library, or null when none was loaded. */
  readonly library: BlasLibrary | null;
  /** Why no library was loaded (null when one was). */
  readonly reason: string | null;
  /** oneDNN, when it loaded as well (it is only looked for when a BLAS loaded). */
  readonly dnnl: DnnlLibrary | null;
  /** Why oneDNN was not loaded (null when it was). */
  readonly dnnlReason: string | null;
  /** The kernels registered. */
  readonly fixes: readonly KernelFix[];
  /** Per replaced kernel, the config registered before (the pure kernel it falls back to). */
  readonly replaced: ReadonlyMap<string, tf.KernelConfig>;
}

let registration: BlasRegistration | undefined;

/** A kernel name and how to build its replacement from a library and the kernel before. */
type Replacement<L> = [string, (library: L, fallback: tf.KernelConfig) => tf.KernelConfig];

const KERNELS: Replacement<BlasLibrary>[] = [
  [tf.BatchMatMul, blasBatchMatMul],
  [tf._FusedMatMul, blasFusedMatMul],
  [tf.Conv2D, blasConv2D],
  [tf.FusedConv2D, blasFusedConv2D],
  [tf.Conv2DBackpropFilter, blasConv2DBackpropFilter],
  [tf.Conv2DBackpropInput, blasConv2DBackpropInput],
];

const DNNL_KERNELS: Replacement<DnnlLibrary>[] = [
  [tf.Conv2D, dnnlConv2D],
  [tf.FusedConv2D, dnnlFusedConv2D],
  [tf.Conv2DBackpropFilter, dnnlConv2DBackpropFilter],
  [tf.Conv2DBackpropInput, dnnlConv2DBackpropInput],
  [tf.AvgPool, dnnlAvgPool],
  [tf.AvgPoolGrad, dnnlAvgPoolGrad],
];

/**
 * Replaces each kernel of `list` on the wasm backend by one built on `library`; fills
 * `replaced` with the configs registered before (the first one kept per kernel).
 */
function replace<L>(
  list: readonly Replacement<L>[],
  library: L,
  description: string,
  replaced: Map<string, tf.KernelConfig>,
): KernelFix[] {
  return list.map(([name, make]) => {
    const current = tf.getKernel(name, WASM);
    if (current == null) throw new MissingKernelError(name, WASM);
    if (!replaced.has(name)) replaced.set(name, current);
    replaceKernels([make(library, current)]);
    return { kernel: name, action: "replaced", reason: `runs on ${description}` };
  });
}

/**
 * Loads the BLAS library and, if it loads, replaces the wasm kernels of the module table
 * with BLAS ones, then the convolutions with oneDNN's when oneDNN loads. Call after
 * `registerWasmKernels` and before the wasm backend is activated. Runs once per
 * process; later calls return the first result.
 */
export function registerBlasKernels(): BlasRegistration {
  if (registration !== undefined) return registration;
  const loaded = loadBlas();
  if (!loaded.ok) {
    registration = {
      library: null,
      reason: loaded.reason,
      dnnl: null,
      dnnlReason: "no BLAS",
      fixes: [],
      replaced: new Map(),
    };
    return registration;
  }
  const blas = loaded.library;
  const replaced = new Map<string, tf.KernelConfig>();
  const fixes = replace(KERNELS, blas, blas.description, replaced);
  const dnnl = loadDnnl();
  if (dnnl.ok) {
    fixes.push(...replace(DNNL_KERNELS, dnnl.library, dnnl.library.description, replaced));
  }
  registration = {
    library: blas,
    reason: null,
    dnnl: dnnl.ok ? dnnl.library : null,
    dnnlReason: dnnl.ok ? null : dnnl.reason,
    fixes,
    replaced,
  };
  return registration;
}

/** What {@link registerBlasKernels} did, or undefined before it ran. */
export function blasRegistration(): BlasRegistration | undefined {
  return registration;
}
