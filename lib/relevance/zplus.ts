/**
 * The z⁺ rule (deep Taylor for ReLU inputs, a_j ≥ 0; thesis eq. 2.66):
 * R_j = Σ_k a_j w⁺_jk / (Σ_j a_j w⁺_jk) · R_k. Equal to LRP-α1β0.
 *
 * @module
 */
import { inputValue, positivePart } from "./modifiers.ts";
import {
  checkNonNegative,
  type Rule,
  sameForEveryBlock,
  stabiliserOf,
  type StabiliserOptions,
  term,
} from "./rule.ts";

/**
 * The z⁺ rule.
 *
 * @example
 * ```ts
 * import { zPlus } from "./zplus.ts";
 * const rule = zPlus();
 * if (rule.name !== "zplus" || !rule.conservative) throw new Error();
 * ```
 */
export function zPlus(opts: StabiliserOptions = {}): Rule {
  const epsilon = stabiliserOf("zplus", opts);
  return {
    name: epsilon === 0 ? "zplus" : `zplus(e=${epsilon})`,
    conservative: true,
    epsilon,
    check: (layer, opts) => checkNonNegative(layer, "zplus", opts),
    plan: sameForEveryBlock((b) => [{ share: 1, terms: [term(b, inputValue, positivePart, 1)] }]),
  };
}
