/**
 * One Adam update as a single kernel for the wasm backend: a single pass over the
 * parameter, its gradient and both moments on the wasm heap, instead of the twelve
 * elementwise kernels (and eleven intermediate tensors) of the same formula written
 * with tensor ops.
 *
 * Each of m₁ = β₁m + (1−β₁)g, v₁ = β₂v + (1−β₂)g² and θ₁ = θ − (m₁/(√v₁ + ε))·lr_t
 * is computed in float64 from float32 operands (inputs, constants, the stored m₁ and v₁)
 * and rounded to float32 once. The tensor ops round after every operation, so the
 * two differ in the last bits (a relative 1e-7 per step), never in the formula; rounding
 * after every operation here (`Math.fround`) would give the same bits at twice the cost,
 * more than the twelve kernels it replaces.
 * The inputs are only read; the three results are new tensors, since tensor data may
 * be shared (see `wasm_identity.ts`) and is never written in place.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { KernelInputError } from "./errors.ts";
import { type KernelArgs, requireInput, WASM, type WasmBackendLike } from "./wasm_kernel_util.ts";

/** The name the fused Adam kernel is registered under. */
export const ADAM_UPDATE = "RnnxAdamUpdate";

/** Attributes of {@link ADAM_UPDATE}. */
export interface AdamUpdateAttrs {
  /** The bias-corrected step size lr·√(1−β₂ᵗ)/(1−β₁ᵗ). */
  lrT: number;
  /** Decay of the first moment. */
  beta1: number;
  /** Decay of the second moment. */
  beta2: number;
  /** Added to √v in the denominator. */
  epsilon: number;
}

const f = Math.fround;

/**
 * Writes one Adam step of `p`, `m`, `v` with gradient `g` into `pOut`, `mOut`, `vOut`
 * (all of one length). The constants are rounded to float32 as tfjs rounds scalars.
 */
export function adamStep(
  p: Float32Array,
  m: Float32Array,
  v: Float32Array,
  g: Float32Array,
  pOut: Float32Array,
  mOut: Float32Array,
  vOut: Float32Array,
  attrs: AdamUpdateAttrs,
): void {
  const b1 = f(attrs.beta1);
  const c1 = f(1 - attrs.beta1);
  const b2 = f(attrs.beta2);
  const c2 = f(1 - attrs.beta2);
  const eps = f(attrs.epsilon);
  const lr = f(attrs.lrT);
  const n = p.length;
  for (let i = 0; i < n; i++) {
    const gi = g[i];
    const m1 = f(m[i] * b1 + gi * c1);
    const v1 = f(v[i] * b2 + gi * gi * c2);
    mOut[i] = m1;
    vOut[i] = v1;
    pOut[i] = p[i] - m1 / (Math.sqrt(v1) + eps) * lr;
  }
}

function adamUpdate(args: KernelArgs): tf.TensorInfo[] {
  const backend = args.backend as unknown as WasmBackendLike;
  const infos = ["p", "m", "v", "g"].map((name) => requireInput(args.inputs, name, ADAM_UPDATE));
  const size = tf.util.sizeFromShape(infos[0].shape);
  for (const [i, info] of infos.entries()) {
    if (info.dtype !== "float32" || tf.util.sizeFromShape(info.shape) !== size) {
      throw new KernelInputError(
        ADAM_UPDATE,
        `input ${"pmvg"[i]} must be float32 of shape [${infos[0].shape}], ` +
          `found ${info.dtype} of shape [${info.shape}]`,
      );
    }
  }
  const outs = [0, 1, 2].map(() => backend.makeOutput(infos[0].shape, "float32"));
  // Views are taken after every allocation: an allocation may grow (and detach) the heap.
  const [p, m, v, g] = infos.map((x) => backend.typedArrayFromHeap(x) as Float32Array);
  const [pOut, mOut, vOut] = outs.map((x) => backend.typedArrayFromHeap(x) as Float32Array);
  adamStep(p, m, v, g, pOut, mOut, vOut, args.attrs as unknown as AdamUpdateAttrs);
  return outs;
}

/** Kernel config of {@link ADAM_UPDATE} (inputs p, m, v, g; outputs p₁, m₁, v₁) for wasm. */
export const adamUpdateWasmConfig: tf.KernelConfig = {
  kernelName: ADAM_UPDATE,
  backendName: WASM,
  kernelFunc: adamUpdate as tf.KernelFunc,
};
