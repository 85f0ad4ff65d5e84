/**
 * The w² rule for unbounded real inputs (thesis eq. 2.58):
 * R_j = Σ_k w²_jk / (Σ_j w²_jk) · R_k. It does not depend on the input.
 *
 * @module
 */
import { ones, squared } from "./modifiers.ts";
import {
  type Rule,
  sameForEveryBlock,
  stabiliserOf,
  type StabiliserOptions,
  term,
} from "./rule.ts";

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
  const epsilon = stabiliserOf("wsquare", opts);
  return {
    name: epsilon === 0 ? "wsquare" : `wsquare(e=${epsilon})`,
    conservative: true,
    epsilon,
    check: () => {},
    plan: sameForEveryBlock((b) => [{ share: 1, terms: [term(b, ones, squared, 1)] }]),
  };
}
