/**
 * Stabilisers of the divisions in relevance propagation (THESIS_SPEC §4,
 * "Stabilisers"). The original code adds ε to the denominator; here ε is
 * added away from zero, z + ε·sign(z) with sign(0) = +1, so a negative
 * denominator (the z⁻ of the αβ rule) is never pushed towards zero or across
 * it. For the non-negative denominators of z⁺, z^β, pooling and the LSTM
 * proportion this is the same as the original z + ε.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** ε of the dense and conv rules (1e-9). */
export const LINEAR_EPSILON = 1e-9;
/** ε of the pooling rule (1e-9). */
export const POOL_EPSILON = 1e-9;
/** ε of the LSTM proportion p = f⊙c_{t−1} / (c_t + ε) (1e-10). */
export const LSTM_EPSILON = 1e-10;

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
