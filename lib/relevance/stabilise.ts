/**
 * Divisions by normalisers in relevance propagation (THESIS_SPEC §4,
 * "Stabilisers").
 *
 * Every normaliser of the conservative rules is sign-definite: z⁺, z^β, w²,
 * pooling and the mixed rule's shared z are ≥ 0, the αβ rule's z⁻ is ≤ 0.
 * So these rules need no ε: R / z is exact wherever z ≠ 0. Where z is zero
 * (|z| ≤ {@link ZERO_NORMALISER}) the group of terms has nothing to
 * redistribute by; {@link guardedQuotient} then gives 0 instead of ±∞, and
 * the mechanism in `linear.ts` hands that group's share to the other groups
 * of the same neuron, so Σ shares is redistributed exactly (an αβ neuron
 * without inhibitory inputs is explained by its excitatory ones alone).
 *
 * The original code instead adds ε = 1e-9 (one version) or clamps
 * w⁺ ≥ 1e-9 and w⁻ ≤ −1e-9 (the other). Adding ε loses the β share of every
 * neuron whose z⁻ is zero or tiny (measured on trained Deep cells: up to
 * 60 % of ReLU(f_y) under LRP-α1.5β0.5); clamping conserves, but spreads
 * −β·R over all active inputs of such a neuron in proportion to their
 * values, as if each inhibited it. Every rule carries its own ε (`Rule.epsilon`,
 * 0 for the rules above, exact division); LRP-ε uses it as damping: it is added
 * away from zero, z + ε·sign(z) with sign(0) = +1.
 *
 * On the wasm backend {@link guardedQuotient} is one kernel (`RnnxGuardedQuotient`, see
 * `backend/wasm_guarded_quotient.ts`) with the same bits as the tensor ops it replaces.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { GUARDED_QUOTIENT, type GuardedQuotientAttrs, runFusedKernel } from "../backend/mod.ts";

/** ε of the pooling rule: 0, exact division (pooled values are ≥ 0). */
export const POOL_EPSILON = 0;
/** ε of the LSTM proportion p = f⊙c_{t−1} / (c_t + ε) (1e-10); the split conserves for any ε. */
export const LSTM_EPSILON = 1e-10;
/** A normaliser of magnitude at most this counts as zero (far below any float32 product of inputs and weights that matters, far above underflow). */
export const ZERO_NORMALISER = 1e-30;

/**
 * z + ε·sign(z), with sign(0) = +1.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { stabilise } from "./stabilise.ts";
 * const z = stabilise(tf.tensor1d([-2, 0, 3]), 0.5); // [-2.5, 0.5, 3.5]
 * ```
 */
export function stabilise(z: tf.Tensor, epsilon: number): tf.Tensor {
  // step(−z, −1) is +1 where z < 0 and −1 where z ≥ 0, so z − ε·step(−z, −1) is z ∓ ε
  // exactly as the two branches would give it. Comparisons and `where` are an order of
  // magnitude slower than these arithmetic kernels on the wasm backend.
  return tf.tidy(() => tf.sub(z, tf.mul(tf.step(tf.neg(z), -1), epsilon)));
}

/**
 * 1 where |z| > {@link ZERO_NORMALISER}, 0 where z counts as zero.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { nonZero } from "./stabilise.ts";
 * const m = nonZero(tf.tensor1d([-2, 0, 1e-40, 3])); // [1, 0, 0, 1]
 * ```
 */
export function nonZero(z: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.step(tf.sub(tf.abs(z), ZERO_NORMALISER)));
}

/**
 * R / stabilise(z, ε) where z is non-zero, 0 where it counts as zero;
 * `mask` is {@link nonZero}(z) when the caller has it already.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { guardedQuotient } from "./stabilise.ts";
 * const s = guardedQuotient(tf.tensor1d([1, 1, 6]), tf.tensor1d([-2, 0, 3]), 0); // [-0.5, 0, 2]
 * ```
 */
export function guardedQuotient(
  R: tf.Tensor,
  z: tf.Tensor,
  epsilon: number,
  mask?: tf.Tensor,
): tf.Tensor {
  const attrs = { epsilon, zero: ZERO_NORMALISER } satisfies GuardedQuotientAttrs;
  const fused = runFusedKernel(GUARDED_QUOTIENT, mask ? { r: R, z, mask } : { r: R, z }, attrs);
  if (fused) return fused;
  return tf.tidy(() => {
    const m = mask ?? nonZero(z);
    const d = epsilon === 0 ? z : stabilise(z, epsilon);
    // Where z counts as zero the denominator becomes z + 1 ≈ 1 and the numerator 0.
    return tf.div(tf.mul(R, m), tf.add(d, tf.sub(1, m)));
  });
}
