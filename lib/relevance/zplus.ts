/**
 * The z⁺ rule (deep Taylor for ReLU inputs, a_j ≥ 0; thesis eq. 2.66):
 * R_j = Σ_k a_j w⁺_jk / (Σ_j a_j w⁺_jk) · R_k. Equal to LRP-α1β0.
 *
 * @module
 */
import { inputValue, positivePart } from "./modifiers.ts";
import { checkNonNegative, proportionalRule, type Rule, type StabiliserOptions } from "./rule.ts";

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
  return proportionalRule(
    "zplus",
    inputValue,
    positivePart,
    opts,
    (layer, check) => checkNonNegative(layer, "zplus", check),
  );
}
