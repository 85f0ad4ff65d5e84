/**
 * The w² rule for unbounded real inputs (thesis eq. 2.58):
 * R_j = Σ_k w²_jk / (Σ_j w²_jk) · R_k. It does not depend on the input.
 *
 * @module
 */
import { ones, squared } from "./modifiers.ts";
import { proportionalRule, type Rule, type StabiliserOptions } from "./rule.ts";

/**
 * The w² rule (accepts any input domain).
 *
 * @example
 * ```ts
 * import { wSquare } from "./wsquare.ts";
 * if (wSquare().name !== "wsquare") throw new Error();
 * ```
 */
export function wSquare(opts: StabiliserOptions = {}): Rule {
  return proportionalRule("wsquare", ones, squared, opts);
}
