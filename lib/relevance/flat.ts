/**
 * The flat rule (Lapuschkin et al. 2019): every input of a neuron gets an equal
 * share, R_j = Σ_k R_k / n_k with n_k the neuron's fan-in. Neither the input nor
 * the weights matter; the stabiliser is the rule's ε.
 *
 * @module
 */
import { ones, unitWeights } from "./modifiers.ts";
import { proportionalRule, type Rule, type StabiliserOptions } from "./rule.ts";

/**
 * The flat rule (conservative; any input domain).
 *
 * @example
 * ```ts
 * import { flat } from "./flat.ts";
 * if (flat().name !== "flat") throw new Error();
 * ```
 */
export function flat(opts: StabiliserOptions = {}): Rule {
  return proportionalRule("flat", ones, unitWeights, opts);
}
