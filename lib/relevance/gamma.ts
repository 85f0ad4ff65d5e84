/**
 * The LRP-γ rule (Montavon et al. 2019), favouring positive contributions:
 * R_j = Σ_k (x_j w_jk + γ (x_j w_jk)⁺) / z_k · R_k with z_k = Σ_j (x_j w_jk + γ (x_j w_jk)⁺),
 * where (x w)⁺ = x⁺w⁺ + x⁻w⁻, so real inputs are handled too. γ = 0 is LRP-0. The bias's
 * share is redistributed; the stabiliser is the rule's ε. On non-negative inputs z_k ≥ 0;
 * on real inputs (LSTM and GRU states) z_k can vanish, so give an ε there (e.g. 0.01).
 *
 * @module
 */
import { RuleParameterError } from "./errors.ts";
import {
  inputValue,
  negativeInput,
  negativePart,
  positiveInput,
  positivePart,
  weightValue,
} from "./modifiers.ts";
import {
  type Rule,
  sameForEveryBlock,
  stabilisedName,
  stabiliserOf,
  type StabiliserOptions,
  term,
} from "./rule.ts";

/** Options of {@link lrpGamma}. */
export interface GammaOptions extends StabiliserOptions {
  /** γ ≥ 0 (default 0.25). */
  gamma?: number;
}

/**
 * The LRP-γ rule (conservative up to its ε; any input domain).
 *
 * @example
 * ```ts
 * import { lrpGamma } from "./gamma.ts";
 * const rule = lrpGamma({ gamma: 0.5 });
 * if (rule.name !== "gamma(g=0.5)" || rule.epsilon !== 0) throw new Error();
 * ```
 */
export function lrpGamma(opts: GammaOptions = {}): Rule {
  const gamma = opts.gamma ?? 0.25;
  if (!Number.isFinite(gamma) || gamma < 0) {
    throw new RuleParameterError("gamma rule", `γ must be finite and ≥ 0, found ${gamma}`);
  }
  const epsilon = stabiliserOf("gamma", opts);
  return {
    name: stabilisedName(`gamma(g=${gamma})`, epsilon),
    conservative: true,
    epsilon,
    check: () => {},
    plan: sameForEveryBlock((b) => [{
      share: 1,
      terms: [
        term(b, inputValue, weightValue, 1),
        term(b, positiveInput, positivePart, gamma),
        term(b, negativeInput, negativePart, gamma),
      ],
    }]),
  };
}
