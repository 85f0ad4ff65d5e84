/**
 * The LRP-ε rule (Bach et al. 2015; for LSTMs Arras et al. 2017, 2019):
 * R_j = Σ_k x_j w_jk / (z_k + ε·sign(z_k)) · R_k with z_k = Σ_j x_j w_jk + b_k.
 * With `bias: "absorb"` (the published rule) the bias's share b_k/(z_k + ε) · R_k
 * and the stabiliser's share stay behind (reported as the absorbed part); with
 * `bias: "redistribute"` z_k leaves the bias out, so only the stabiliser's
 * share stays behind. Any input domain.
 *
 * @module
 */
import { RuleParameterError } from "./errors.ts";
import { inputValue, weightValue } from "./modifiers.ts";
import {
  type Rule,
  ruleError,
  sameForEveryBlock,
  stabiliserOf,
  type StabiliserOptions,
  term,
} from "./rule.ts";

/** What a rule does with the bias's share: keeps it (`absorb`) or spreads it over the inputs. */
export type BiasTreatment = "absorb" | "redistribute";

/** The valid {@link BiasTreatment} values. */
export const BIAS_TREATMENTS: readonly BiasTreatment[] = ["absorb", "redistribute"];

/** Options of {@link lrpEpsilon}. */
export interface EpsilonOptions extends StabiliserOptions {
  /** What happens to the bias's share (default `absorb`, as published). */
  bias?: BiasTreatment;
}

/** The ε of LRP-ε when none is given (Arras et al. use 0.001). */
export const DEFAULT_EPSILON = 0.001;

/** Checks a bias treatment. */
export function checkBiasTreatment(rule: string, bias: string): BiasTreatment {
  if (!(BIAS_TREATMENTS as readonly string[]).includes(bias)) {
    throw new RuleParameterError(
      `${rule} rule`,
      `bias must be one of ${BIAS_TREATMENTS.join(", ")}, found "${bias}"`,
    );
  }
  return bias as BiasTreatment;
}

/**
 * The LRP-ε rule (default ε = {@link DEFAULT_EPSILON}, bias absorbed). It conserves
 * relevance only up to what the bias and ε absorb, so a method that uses it with the bias
 * absorbed must allow relevance loss (`requireConservation: false`).
 *
 * @example
 * ```ts
 * import { lrpEpsilon } from "./epsilon.ts";
 * const rule = lrpEpsilon({ epsilon: 0.01, bias: "redistribute" });
 * if (rule.name !== "epsilon(e=0.01,bias=redistribute)" || rule.epsilon !== 0.01) throw new Error();
 * ```
 */
export function lrpEpsilon(opts: EpsilonOptions = {}): Rule {
  const epsilon = stabiliserOf("epsilon", { epsilon: opts.epsilon ?? DEFAULT_EPSILON });
  const bias = checkBiasTreatment("epsilon", opts.bias ?? "absorb");
  const name = `epsilon(e=${epsilon},bias=${bias})`;
  const conservative = bias === "redistribute";
  return {
    name,
    conservative,
    epsilon,
    check: (layer, checkOpts) => {
      if (checkOpts.requireConservation && !conservative) {
        ruleError(layer, name, "the absorbed bias share is lost; allow relevance loss");
      }
    },
    plan: sameForEveryBlock((b) => [{
      share: 1,
      terms: [term(b, inputValue, weightValue, 1)],
      ...(bias === "absorb" ? { bias: [[weightValue, 1]] } : {}),
    }]),
  };
}
