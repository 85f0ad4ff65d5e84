/**
 * `BatchMatMul` and `_FusedMatMul` for the wasm backend computed by a native BLAS
 * (`cblas_sgemm`) directly on the wasm heap. Transposed operands are handed to the
 * library as flags (no copies); `_FusedMatMul` writes the broadcast bias into the output
 * first (so the product accumulates onto it) and applies the activation in place.
 * Calls the kernel registered before (`fallback`) for what it does not cover: other
 * dtypes, empty tensors, batch shapes that broadcast other than one-to-many, biases that
 * are not per output column or per element, and the `prelu` activation.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type BlasLibrary, heapAddress } from "./blas_library.ts";
import {
  callWasmKernel,
  heapOffset,
  type KernelArgs,
  type WasmBackendLike,
  type WasmHeap,
} from "./wasm_kernel_util.ts";

/** The wasm backend as the BLAS kernels see it. */
export type BlasBackend = WasmBackendLike & WasmHeap;

/** The wasm kernels of the fused activations (besides `linear`). */
const ACTIVATION_KERNELS: Record<string, string> = {
  relu: tf.Relu,
  relu6: tf.Relu6,
  sigmoid: tf.Sigmoid,
  elu: tf.Elu,
  leakyrelu: tf.LeakyRelu,
};

/** True when {@link applyActivation} implements `name` (undefined means linear). */
export function supportsActivation(name: unknown): boolean {
  return name === undefined || name === null || name === "linear" ||
    String(name) in ACTIVATION_KERNELS;
}

/**
 * Applies a fused activation with the backend's own (SIMD) kernel and releases the
 * pre-activation; `linear` returns `pre` itself.
 */
export function applyActivation(
  backend: BlasBackend,
  pre: tf.TensorInfo,
  name: string,
  alpha: number,
): tf.TensorInfo {
  if (name === "linear") return pre;
  const attrs: tf.NamedAttrMap = name === "leakyrelu" ? { alpha } : {};
  const out = callWasmKernel(ACTIVATION_KERNELS[name], backend, { x: pre }, attrs);
  backend.disposeData(pre.dataId);
  return out;
}

/** How a bias broadcasts to an output: per element, per last-axis entry, or one value. */
export type BiasLayout = "element" | "column" | "scalar";

/**
 * The layout of a bias of shape `bias` added to an output of shape `out` (broadcast from
 * the right, as tfjs does), or null when it is none of the three.
 */
export function biasLayout(bias: readonly number[], out: readonly number[]): BiasLayout | null {
  const size = product(bias);
  if (size === 1) return "scalar";
  if (bias.length > out.length) return null;
  const tail = out.slice(out.length - bias.length);
  if (bias.every((d, i) => d === tail[i]) && size === product(out)) return "element";
  if (bias.at(-1) === out.at(-1) && size === out.at(-1)) return "column";
  return null;
}

/** Fills `out` (rows of `cols` values) with `bias` broadcast as `layout` says. */
export function fillBias(
  out: Float32Array,
  bias: Float32Array,
  cols: number,
  layout: BiasLayout,
): void {
  if (layout === "element") out.set(bias);
  else if (layout === "scalar") out.fill(bias[0]);
  else for (let r = 0; r < out.length; r += cols) out.set(bias, r);
}

/** The attributes of `_FusedMatMul`. */
interface FusedMatMulAttrs {
  transposeA?: boolean;
  transposeB?: boolean;
  activation?: string;
  leakyreluAlpha?: number;
}

function product(dims: readonly number[]): number {
  let p = 1;
  for (const d of dims) p *= d;
  return p;
}

interface Plan {
  M: number;
  N: number;
  K: number;
  batchA: number;
  batchB: number;
  batch: number;
  outShape: number[];
}

/** Shapes of a (batched) product, or null when the batch dims do not broadcast one-to-many. */
function plan(a: tf.TensorInfo, b: tf.TensorInfo, ta: boolean, tb: boolean): Plan | null {
  const ra = a.shape.length;
  const rb = b.shape.length;
  if (ra < 2 || rb < 2) return null;
  const M = ta ? a.shape[ra - 1] : a.shape[ra - 2];
  const K = ta ? a.shape[ra - 2] : a.shape[ra - 1];
  const Kb = tb ? b.shape[rb - 1] : b.shape[rb - 2];
  const N = tb ? b.shape[rb - 2] : b.shape[rb - 1];
  if (K !== Kb) return null;
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  const batchA = product(outerA);
  const batchB = product(outerB);
  if (!(batchA === batchB || batchA === 1 || batchB === 1)) return null;
  let outer: number[];
  try {
    outer = tf.broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
  } catch {
    return null;
  }
  if (batchA === batchB && batchA > 1 && outerA.join() !== outerB.join()) return null;
  const batch = Math.max(batchA, batchB);
  if (M * N * K * batch === 0) return null;
  return { M, N, K, batchA, batchB, batch, outShape: [...outer, M, N] };
}

/** Runs the product of `p` into `out` (whose contents are scaled by `beta` first). */
function run(
  blas: BlasLibrary,
  backend: BlasBackend,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  out: tf.TensorInfo,
  ta: boolean,
  tb: boolean,
  p: Plan,
  beta: number,
): void {
  const base = heapAddress(backend);
  const pa = base + heapOffset(backend, a.dataId);
  const pb = base + heapOffset(backend, b.dataId);
  const pc = base + heapOffset(backend, out.dataId);
  const { M, N, K } = p;
  const lda = ta ? M : K;
  const ldb = tb ? K : N;
  const strideA = p.batchA === 1 ? 0 : M * K * 4;
  const strideB = p.batchB === 1 ? 0 : K * N * 4;
  for (let i = 0; i < p.batch; i++) {
    blas.sgemm(
      ta,
      tb,
      M,
      N,
      K,
      1,
      pa + i * strideA,
      lda,
      pb + i * strideB,
      ldb,
      beta,
      pc + i * M * N * 4,
      N,
    );
  }
}

/** A `BatchMatMul` kernel config for the wasm backend that runs on `blas`. */
export function blasBatchMatMul(blas: BlasLibrary, fallback: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] => {
    const { a, b } = args.inputs;
    const attrs = (args.attrs ?? {}) as unknown as tf.BatchMatMulAttrs;
    const ta = attrs.transposeA === true;
    const tb = attrs.transposeB === true;
    if (a == null || b == null || a.dtype !== "float32" || b.dtype !== "float32") {
      return fallback.kernelFunc(args);
    }
    const p = plan(a, b, ta, tb);
    if (p === null) return fallback.kernelFunc(args);
    const backend = args.backend as BlasBackend;
    const out = backend.makeOutput(p.outShape, "float32");
    run(blas, backend, a, b, out, ta, tb, p, 0);
    return out;
  };
  return { ...fallback, kernelFunc: kernelFunc as tf.KernelFunc };
}

/** A `_FusedMatMul` kernel config for the wasm backend that runs on `blas`. */
export function blasFusedMatMul(blas: BlasLibrary, fallback: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] => {
    const { a, b, bias, preluActivationWeights } = args.inputs;
    const attrs = (args.attrs ?? {}) as unknown as FusedMatMulAttrs;
    const ta = attrs.transposeA === true;
    const tb = attrs.transposeB === true;
    if (
      a == null || b == null || a.dtype !== "float32" || b.dtype !== "float32" ||
      preluActivationWeights != null || !supportsActivation(attrs.activation) ||
      (bias != null && bias.dtype !== "float32")
    ) {
      return fallback.kernelFunc(args);
    }
    const p = plan(a, b, ta, tb);
    if (p === null) return fallback.kernelFunc(args);
    const layout = bias == null ? null : biasLayout(bias.shape, p.outShape);
    if (bias != null && layout === null) return fallback.kernelFunc(args);
    const backend = args.backend as BlasBackend;
    const out = backend.makeOutput(p.outShape, "float32");
    if (bias != null) {
      const view = backend.typedArrayFromHeap(out) as Float32Array;
      fillBias(view, backend.typedArrayFromHeap(bias) as Float32Array, p.N, layout!);
    }
    const beta = bias == null ? 0 : 1;
    run(blas, backend, a, b, out, ta, tb, p, beta);
    return applyActivation(
      backend,
      out,
      attrs.activation ?? "linear",
      attrs.leakyreluAlpha ?? 0.2,
    );
  };
  return { ...fallback, kernelFunc: kernelFunc as tf.KernelFunc };
}
