/**
 * The LRP-αβ rule (thesis eq. 2.34): with z⁺_k = Σ_j a_j w⁺_jk and
 * z⁻_k = Σ_j a_j w⁻_jk, R_j = Σ_k (α a_j w⁺_jk / z⁺_k − β a_j w⁻_jk / z⁻_k) R_k.
 * It conserves relevance when α − β = 1.
 *
 * @module
 */
import { RuleParameterError } from "./errors.ts";
import { inputValue, negativePart, positivePart } from "./modifiers.ts";
import {
  checkNonNegative,
  type Rule,
  ruleError,
  sameForEveryBlock,
  stabilisedName,
  stabiliserOf,
  type StabiliserOptions,
  term,
} from "./rule.ts";

/** The display name of an αβ parameterisation, e.g. `alphabeta(a=1.5,b=0.5)`. */
export function alphaBetaName(alpha: number, beta: number): string {
  return `alphabeta(a=${alpha},b=${beta})`;
}

/** Validates α and β: finite, α ≥ 0, β ≥ 0. */
export function checkAlphaBeta(alpha: number, beta: number): void {
  if (!Number.isFinite(alpha) || !Number.isFinite(beta) || alpha < 0 || beta < 0) {
    throw new RuleParameterError(
      "alphabeta rule",
      `α and β must be finite and ≥ 0, found α=${alpha}, β=${beta}`,
    );
  }
}

/** Whether α − β = 1 (up to rounding of decimal inputs). */
export function conservesAlphaBeta(alpha: number, beta: number): boolean {
  return Math.abs(alpha - beta - 1) < 1e-12;
}

/**
 * The αβ rule. With α − β ≠ 1 it is created, but applying it where
 * conservation is required raises `RuleApplicationError`.
 *
 * @example
 * ```ts
 * import { alphaBeta } from "./alphabeta.ts";
 * const rule = alphaBeta(2, 1);
 * if (rule.plan([{ domain: "nonneg", start: 0, size: 3, sources: ["h"] }]).length !== 2) {
 *   throw new Error("two groups: positive and negative weights");
 * }
 * ```
 */
export function alphaBeta(alpha: number, beta: number, opts: StabiliserOptions = {}): Rule {
  checkAlphaBeta(alpha, beta);
  const epsilon = stabiliserOf("alphabeta", opts);
  const name = stabilisedName(alphaBetaName(alpha, beta), epsilon);
  const conservative = conservesAlphaBeta(alpha, beta);
  return {
    name,
    conservative,
    epsilon,
    check: (layer, opts) => {
      if (opts.requireConservation && !conservative) {
        ruleError(layer, name, `α − β = ${alpha - beta}, but conservation needs α − β = 1`);
      }
      checkNonNegative(layer, name, opts);
    },
    plan: sameForEveryBlock((b) => [
      { share: alpha, terms: [term(b, inputValue, positivePart, 1)] },
      { share: -beta, terms: [term(b, inputValue, negativePart, 1)] },
    ]),
  };
}
