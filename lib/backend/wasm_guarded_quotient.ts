/**
 * The guarded quotient of the relevance rules as a single kernel for the wasm backend:
 * R / (z ± ε) where z is non-zero and 0 where it counts as zero, in one pass over R, z
 * (and the mask) instead of the seven elementwise kernels, and six intermediate tensors,
 * of the same formula written with tensor ops (`relevance/stabilise.ts`).
 *
 * Every value goes through the same float32 operations in the same order as those
 * kernels, so the results have the same bits:
 *
 * - the mask m = step(|z| − zero) (1 where |z| − zero > 0, else 0), unless given;
 * - the denominator d = z − step(−z, −1)·ε (z − ε where −z > 0, else z + ε), or z when
 *   ε = 0;
 * - the result (R·m) / (d + (1 − m)).
 *
 * The pass runs four values at a time in the float32 lanes of a small WebAssembly
 * function on the backend's heap, and the last one to three values through
 * {@link guardedQuotientValues}. The inputs are only read; the result is a new tensor.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { exportsOn, F32, I32, op, V128, type WasmFunction, whileBelow } from "./wasm_assembler.ts";
import {
  heapPass,
  type KernelArgs,
  requireFloat32Inputs,
  WASM,
  type WasmBackendLike,
} from "./wasm_kernel_util.ts";

/** The name the guarded quotient kernel is registered under. */
export const GUARDED_QUOTIENT = "RnnxGuardedQuotient";

/** Attributes of {@link GUARDED_QUOTIENT}. */
export interface GuardedQuotientAttrs {
  /** The stabiliser ε, added away from zero (0: exact division). */
  epsilon: number;
  /** A normaliser of magnitude at most this counts as zero. */
  zero: number;
}

const f = Math.fround;

/**
 * Writes the guarded quotient of `r` by `z` into `out` (all of one length): with `mask`
 * given, where it is 1 the quotient and where it is 0 nothing; else the mask is 1 where
 * |z| > `zero`. Each operation is rounded to float32, as the tensor ops round it.
 *
 * @example
 * ```ts
 * import { guardedQuotientValues } from "./wasm_guarded_quotient.ts";
 * const out = new Float32Array(3);
 * guardedQuotientValues(
 *   Float32Array.of(1, 1, 6), Float32Array.of(-2, 0, 3), null, out, { epsilon: 0, zero: 1e-30 },
 * );
 * if (out.join() !== "-0.5,0,2") throw new Error(`${out}`);
 * ```
 */
export function guardedQuotientValues(
  r: Float32Array,
  z: Float32Array,
  mask: Float32Array | null,
  out: Float32Array,
  attrs: GuardedQuotientAttrs,
): void {
  const eps = f(attrs.epsilon);
  const zero = f(attrs.zero);
  for (let i = 0; i < out.length; i++) {
    const zi = z[i];
    const m = mask ? mask[i] : f(Math.abs(zi) - zero) > 0 ? 1 : 0;
    const d = eps === 0 ? zi : f(zi - (-zi > 0 ? 1 : -1) * eps);
    out[i] = f(r[i] * m) / f(d + f(1 - m));
  }
}

/**
 * `quotient(r, z, mask, out, n, eps, zero)`: {@link guardedQuotientValues} for the first n
 * values (n a multiple of 4) at those byte offsets, four at a time. Built with or without
 * a mask input (`mask` then unused) and with or without the stabiliser.
 */
function quotientFunction(name: string, masked: boolean, stabilised: boolean): WasmFunction {
  const [r, z, mask, out, n, eps, zero, at, end, zv, m, held] = Array.from(
    { length: 12 },
    (_, i) => i,
  );
  const load = (base: number) => [op.localGet(base), op.localGet(at), op.i32Add, op.v128Load()];
  const splat = (value: number) => [op.f32Const(value), op.f32x4Splat];
  // 1 where the comparison on the stack holds, else `otherwise` (bitselect keeps the
  // first operand's lanes where the third's bits are set)
  const select = (otherwise: number) => [
    op.localSet(held),
    ...splat(1),
    ...splat(otherwise),
    op.localGet(held),
    op.v128Bitselect,
  ];
  const maskValues = masked ? load(mask) : [
    op.localGet(zv),
    op.f32x4Abs,
    op.localGet(zero),
    op.f32x4Splat,
    op.f32x4Sub,
    ...splat(0),
    op.f32x4Gt,
    ...select(0),
  ];
  const denominator = stabilised
    ? [
      op.localGet(zv),
      op.localGet(zv),
      op.f32x4Neg,
      ...splat(0),
      op.f32x4Gt,
      ...select(-1),
      op.localGet(eps),
      op.f32x4Splat,
      op.f32x4Mul,
      op.f32x4Sub,
    ]
    : [op.localGet(zv)];
  return {
    name,
    params: [I32, I32, I32, I32, I32, F32, F32],
    locals: [I32, I32, V128, V128, V128],
    body: [
      op.localGet(n),
      op.i32Const(2),
      op.i32Shl,
      op.localSet(end),
      ...whileBelow(at, end, 16, [
        op.localGet(out),
        op.localGet(at),
        op.i32Add,
        ...load(z),
        op.localSet(zv),
        ...maskValues,
        op.localSet(m),
        // R·m
        ...load(r),
        op.localGet(m),
        op.f32x4Mul,
        // d + (1 − m)
        ...denominator,
        ...splat(1),
        op.localGet(m),
        op.f32x4Sub,
        op.f32x4Add,
        op.f32x4Div,
        op.v128Store,
      ]),
    ],
  };
}

type Quotient = (
  r: number,
  z: number,
  mask: number,
  out: number,
  n: number,
  eps: number,
  zero: number,
) => void;

/** The four variants' exports on a memory, compiled and instantiated at the first call. */
const quotientOn = exportsOn<Record<string, Quotient>>(() =>
  [false, true].flatMap((masked) =>
    [false, true].map((stabilised) =>
      quotientFunction(variant(masked, stabilised), masked, stabilised)
    )
  )
);

const variant = (masked: boolean, stabilised: boolean) =>
  `quotient${masked ? "Masked" : ""}${stabilised ? "Stabilised" : ""}`;

function guardedQuotient(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as unknown as WasmBackendLike;
  const names = args.inputs.mask == null ? ["r", "z"] : ["r", "z", "mask"];
  const infos = requireFloat32Inputs(args.inputs, names, GUARDED_QUOTIENT);
  const shape = infos[0].shape;
  const out = backend.makeOutput(shape, "float32");
  const attrs = args.attrs as unknown as GuardedQuotientAttrs;
  const size = tf.util.sizeFromShape(shape);
  const masked = infos.length === 3;
  heapPass(
    backend,
    size,
    4,
    (lanes, at, memory) =>
      quotientOn(memory)[variant(masked, f(attrs.epsilon) !== 0)](
        at(infos[0]),
        at(infos[1]),
        masked ? at(infos[2]) : 0,
        at(out),
        lanes,
        f(attrs.epsilon),
        f(attrs.zero),
      ),
    (lanes, view) => {
      const [r, z, mask] = infos.map((x) => view(x, lanes));
      guardedQuotientValues(r, z, mask ?? null, view(out, lanes), attrs);
    },
  );
  return out;
}

/** Kernel config of {@link GUARDED_QUOTIENT} (inputs r, z and optionally mask; one output) for wasm. */
export const guardedQuotientWasmConfig: tf.KernelConfig = {
  kernelName: GUARDED_QUOTIENT,
  backendName: WASM,
  kernelFunc: guardedQuotient as tf.KernelFunc,
};
