/**
 * The flat rule (Lapuschkin et al. 2019): every input of a neuron gets an equal
 * share, R_j = Σ_k R_k / n_k with n_k the neuron's fan-in. Neither the input nor
 * the weights matter; the stabiliser is the rule's ε.
 *
 * @module
 */
import { ones, unitWeights } from "./modifiers.ts";
import {
  type Rule,
  sameForEveryBlock,
  stabiliserOf,
  type StabiliserOptions,
  term,
} from "./rule.ts";

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
  const epsilon = stabiliserOf("flat", opts);
  return {
    name: epsilon === 0 ? "flat" : `flat(e=${epsilon})`,
    conservative: true,
    epsilon,
    check: () => {},
    plan: sameForEveryBlock((b) => [{ share: 1, terms: [term(b, ones, unitWeights, 1)] }]),
  };
}
