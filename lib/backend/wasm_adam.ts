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
 * The pass runs two values at a time in the float64 lanes of a small WebAssembly
 * function on the backend's heap (the same operations in the same order, so the same
 * bits as {@link adamStep}, a quarter faster), and an odd last value through `adamStep`.
 * The inputs are only read; the three results are new tensors, since tensor data may
 * be shared (see `wasm_identity.ts`) and is never written in place.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { exportsOn, F64, I32, op, V128, type WasmFunction, whileBelow } from "./wasm_assembler.ts";
import {
  heapPass,
  type KernelArgs,
  requireFloat32Inputs,
  WASM,
  type WasmBackendLike,
} from "./wasm_kernel_util.ts";

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

/**
 * `adam(p, m, v, g, pOut, mOut, vOut, n, b1, c1, b2, c2, eps, lr)`: {@link adamStep}
 * for the first n values (n even) at those byte offsets, two at a time in float64 lanes:
 * each value widened to float64, the same operations in the same order, each result
 * narrowed to float32 once where `adamStep` rounds it, so the bits are the same.
 */
function adamFunction(): WasmFunction {
  const [p, m, v, g, pOut, mOut, vOut, n, b1, c1, b2, c2, eps, lr, at, end, gi, m1, v1] = Array
    .from({ length: 19 }, (_, i) => i);
  const address = (base: number) => [op.localGet(base), op.localGet(at), op.i32Add];
  const load = (base: number) => [...address(base), op.v128Load64Zero, op.f64x2PromoteLowF32x4];
  const constant = (local: number) => [op.localGet(local), op.f64x2Splat];
  // a moment x₁ = x·β + u·(1−β) from its last value at `from` and the update `u`: narrowed
  // to float32, stored at `to` and kept in local `kept`
  const moment = (
    to: number,
    from: number,
    beta: number,
    update: number[][],
    rest: number,
    kept: number,
  ) => [
    ...address(to),
    ...load(from),
    ...constant(beta),
    op.f64x2Mul,
    ...update,
    ...constant(rest),
    op.f64x2Mul,
    op.f64x2Add,
    op.f32x4DemoteF64x2Zero,
    op.localTee(kept),
    op.v128Store64Lane0,
  ];

  return {
    name: "adam",
    params: [I32, I32, I32, I32, I32, I32, I32, I32, F64, F64, F64, F64, F64, F64],
    locals: [I32, I32, V128, V128, V128],
    body: [
      op.localGet(n),
      op.i32Const(2),
      op.i32Shl,
      op.localSet(end),
      ...whileBelow(at, end, 8, [
        ...load(g),
        op.localSet(gi),
        // m₁ = m·β₁ + g·(1−β₁)
        ...moment(mOut, m, b1, [op.localGet(gi)], c1, m1),
        // v₁ = v·β₂ + g·g·(1−β₂)
        ...moment(vOut, v, b2, [op.localGet(gi), op.localGet(gi), op.f64x2Mul], c2, v1),
        // θ₁ = θ − m₁/(√v₁ + ε)·lr
        ...address(pOut),
        ...load(p),
        op.localGet(m1),
        op.f64x2PromoteLowF32x4,
        op.localGet(v1),
        op.f64x2PromoteLowF32x4,
        op.f64x2Sqrt,
        ...constant(eps),
        op.f64x2Add,
        op.f64x2Div,
        ...constant(lr),
        op.f64x2Mul,
        op.f64x2Sub,
        op.f32x4DemoteF64x2Zero,
        op.v128Store64Lane0,
      ]),
    ],
  };
}

/** {@link adamFunction}'s export on a memory, compiled and instantiated at the first call. */
const adamOn = exportsOn<{ adam: (...args: number[]) => void }>(() => [adamFunction()]);

function adamUpdate(args: KernelArgs): tf.TensorInfo[] {
  const backend = args.backend as unknown as WasmBackendLike;
  const infos = requireFloat32Inputs(args.inputs, ["p", "m", "v", "g"], ADAM_UPDATE);
  const size = tf.util.sizeFromShape(infos[0].shape);
  const outs = [0, 1, 2].map(() => backend.makeOutput(infos[0].shape, "float32"));
  const attrs = args.attrs as unknown as AdamUpdateAttrs;
  heapPass(backend, size, 2, (paired, at, memory) =>
    adamOn(memory).adam(
      ...infos.map(at),
      ...outs.map(at),
      paired,
      f(attrs.beta1),
      f(1 - attrs.beta1),
      f(attrs.beta2),
      f(1 - attrs.beta2),
      f(attrs.epsilon),
      f(attrs.lrT),
    ), (paired, view) => {
    const [p, m, v, g] = infos.map((x) => view(x, paired));
    const [pOut, mOut, vOut] = outs.map((x) => view(x, paired));
    adamStep(p, m, v, g, pOut, mOut, vOut, attrs);
  });
  return outs;
}

/** Kernel config of {@link ADAM_UPDATE} (inputs p, m, v, g; outputs p₁, m₁, v₁) for wasm. */
export const adamUpdateWasmConfig: tf.KernelConfig = {
  kernelName: ADAM_UPDATE,
  backendName: WASM,
  kernelFunc: adamUpdate as tf.KernelFunc,
};
