/**
 * Relevance through the weightless flows a node kind can declare
 * (`RelevanceFlow` in `../cells/nodes/kind.ts`): proportional redistribution
 * through a fixed non-negative linear operator (pooling), and the split of a
 * sum of gated products (the LSTM memory and output).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { GatedTerm } from "../cells/nodes/kind.ts";
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

/**
 * Splits the relevance `R` of c = Σₖ factorₖ ⊙ valueₖ, the terms of a node's `products`
 * flow, with their tensors looked up by name: the factor of a term is its gate, 1 − gate
 * with `complement`, or 1 without a gate. Returns each term's value name and relevance.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { gatedTermsRelevance } from "./flows.ts";
 * const v: Record<string, tf.Tensor> = { z: tf.tensor1d([0.25]), n: tf.tensor1d([2]), p: tf.tensor1d([4]) };
 * const terms = [{ gate: "z", complement: true, value: "n" }, { gate: "z", value: "p" }];
 * const [[, toN], [, toP]] = gatedTermsRelevance(terms, (k) => v[k], tf.tensor1d([2.5]), tf.tensor1d([5]));
 * // (1 − z)·n = 1.5 of c = 2.5: n gets 3, p gets 2
 * ```
 */
export function gatedTermsRelevance(
  terms: readonly GatedTerm[],
  value: (name: string) => tf.Tensor,
  c: tf.Tensor,
  R: tf.Tensor,
): [string, tf.Tensor][] {
  return tf.tidy(() => {
    const factor = (t: GatedTerm): tf.Tensor | null => {
      if (!t.gate) return null;
      return t.complement ? tf.sub(1, value(t.gate)) : value(t.gate);
    };
    const leading = terms.slice(0, -1).map((t): [tf.Tensor | null, tf.Tensor] => [
      factor(t),
      value(t.value),
    ]);
    const shares = productsRelevance(leading, c, R);
    return terms.map((t, i): [string, tf.Tensor] => [t.value, shares[i]]);
  });
}
