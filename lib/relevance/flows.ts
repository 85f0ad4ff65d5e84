/**
 * Relevance through the weightless flows a node kind can declare
 * (`RelevanceFlow` in `../cells/nodes/kind.ts`): proportional redistribution
 * through a fixed non-negative linear operator (pooling), and the split of a
 * sum of gated products (the LSTM memory and output).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { guardedQuotient, LSTM_EPSILON, POOL_EPSILON, stabilise } from "./stabilise.ts";

/**
 * Redistributes the relevance `R` of a = A(x), A a fixed linear operator with
 * non-negative coefficients and adjoint `adjoint`, in proportion to the
 * contributions: s = R / a (0 where a is zero), R_x = x ⊙ Aᵀ(s). Conservative.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { operatorRelevance } from "./flows.ts";
 * // a = x₁ + x₂ (the adjoint repeats s)
 * const adjoint = (s: tf.Tensor) => tf.concat([s, s], 1);
 * const r = operatorRelevance(adjoint, tf.tensor2d([[1, 3]]), tf.tensor2d([[4]]), tf.tensor2d([[2]]));
 * // r ≈ [[0.5, 1.5]]
 * ```
 */
export function operatorRelevance(
  adjoint: (s: tf.Tensor, x: tf.Tensor) => tf.Tensor,
  x: tf.Tensor,
  a: tf.Tensor,
  R: tf.Tensor,
  epsilon: number = POOL_EPSILON,
): tf.Tensor {
  return tf.tidy(() => tf.mul(x, adjoint(guardedQuotient(R, a, epsilon), x)));
}

/**
 * Splits the relevance `R` of c = Σₖ gateₖ ⊙ valueₖ over its terms. `leading` are the
 * terms before the last: term k gets pₖ ⊙ R with pₖ = gateₖ ⊙ valueₖ / (c + ε) (a null
 * gate is the factor 1); the last term gets the remainder (returned last), so the split
 * conserves R exactly. The gates get none. With no leading terms the one term gets all of R.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { productsRelevance } from "./flows.ts";
 * const [prev, candidate] = productsRelevance(
 *   [[tf.tensor1d([0.5]), tf.tensor1d([2])]],
 *   tf.tensor1d([4]),
 *   tf.tensor1d([8]),
 * ); // p = 0.5·2/4 = 0.25: prev 2, candidate 6
 * ```
 */
export function productsRelevance(
  leading: [gate: tf.Tensor | null, value: tf.Tensor][],
  c: tf.Tensor,
  R: tf.Tensor,
  epsilon: number = LSTM_EPSILON,
): tf.Tensor[] {
  if (leading.length === 0) return [R];
  return tf.tidy(() => {
    const denominator = stabilise(c, epsilon);
    const shares = leading.map(([gate, value]) =>
      tf.mul(tf.div(gate ? tf.mul(gate, value) : value, denominator), R)
    );
    const taken = shares.length === 1 ? shares[0] : tf.addN(shares);
    return [...shares, tf.sub(R, taken)];
  });
}
