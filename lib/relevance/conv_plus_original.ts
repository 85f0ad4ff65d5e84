/**
 * The first-layer rule of the original Conv⁺ code (`rel_conv_z_plus_beta_prop`,
 * THESIS_SPEC §4), kept to reproduce the Conv⁺ results. Like the mixed rule it
 * shares one normaliser z = α z⁺(prev) − β z⁻(prev) + z^β(x) between the pixel
 * input x_t and the previous conv output, but the previous output's share is
 * x·(convᵀ(w⁺, s) + convᵀ(w⁻, s)), i.e. the full weights without α and β.
 * It is NOT conservative, even for α = 1, β = 0. The conservative choice is
 * `mixed({ pixels: zBeta(), nonneg: alphaBeta(α, β) })`.
 *
 * @module
 */
import { alphaBeta } from "./alphabeta.ts";
import { mixed, sharedNormaliser } from "./mixed.ts";
import { type Rule, ruleError } from "./rule.ts";
import { zBeta } from "./zbeta.ts";

/**
 * The original (non-conservative) Conv⁺ first-layer rule.
 *
 * @example
 * ```ts
 * import { convPlusOriginal } from "./conv_plus_original.ts";
 * if (convPlusOriginal(1, 0).conservative) throw new Error("the original rule loses relevance");
 * ```
 */
export function convPlusOriginal(alpha: number, beta: number): Rule {
  const parts = { pixels: zBeta(), nonneg: alphaBeta(alpha, beta) };
  const name = `conv-plus-original(a=${alpha},b=${beta})`;
  const base = mixed(parts);
  return {
    name,
    conservative: false,
    epsilon: base.epsilon,
    check: (layer, opts) => {
      if (opts.requireConservation) {
        ruleError(layer, name, "the original Conv⁺ rule does not conserve relevance");
      }
      base.check(layer, { requireConservation: false });
    },
    plan: (blocks) => {
      const group = sharedNormaliser(parts, blocks);
      const terms = group.terms.map((t) => (t.block.domain === "pixels" ? t : { ...t, r: 1 }));
      return [{ share: 1, terms }];
    },
  };
}
