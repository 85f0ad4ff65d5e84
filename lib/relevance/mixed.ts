/**
 * The mixed rule for a layer whose input concatenates parts of different
 * domains (Shallow: [x_t pixels, r_t ≥ 0], thesis eq. 3.5–3.6; Conv⁺'s first
 * conv: [x_t, previous conv1 output]). Each part keeps the terms of its own
 * rule, but all terms share ONE normaliser: every group's share is folded
 * into its terms' coefficients. With z^β on pixels and αβ on the
 * non-negative part this gives THESIS_SPEC §4's generalisation
 * z_k = α Σ r w⁺ − β Σ r w⁻ + Σ (x w − l w⁺ − h w⁻); with β = 0 it is exactly
 * eq. 3.5–3.6. It is conservative whenever its parts are.
 *
 * @module
 */
import type { Domain } from "../cells/spec.ts";
import type { Group, InputBlock, Rule } from "./rule.ts";
import { ruleError } from "./rule.ts";

/** Rules per input domain. */
export type DomainRules = Partial<Record<Domain, Rule>>;

/** One group holding every part's terms, with each group's share folded into its terms. */
export function sharedNormaliser(parts: DomainRules, blocks: readonly InputBlock[]): Group {
  return {
    share: 1,
    terms: blocks.flatMap((block) => {
      const rule = parts[block.domain];
      if (!rule) throw new RangeError(`no rule for the ${block.domain} input block`);
      return rule.plan([block]).flatMap((g) =>
        g.terms.map((t) => ({ ...t, z: t.z * g.share, r: t.r * g.share }))
      );
    }),
  };
}

/**
 * The mixed rule over per-domain rules.
 *
 * @example
 * ```ts
 * import { mixed } from "./mixed.ts";
 * import { zBeta } from "./zbeta.ts";
 * import { zPlus } from "./zplus.ts";
 * const rule = mixed({ pixels: zBeta(), nonneg: zPlus() });
 * if (rule.name !== "mixed(pixels:zbeta,nonneg:zplus)") throw new Error(rule.name);
 * ```
 */
export function mixed(parts: DomainRules): Rule {
  const entries = Object.entries(parts) as [Domain, Rule][];
  const name = `mixed(${entries.map(([d, r]) => `${d}:${r.name}`).join(",")})`;
  return {
    name,
    conservative: entries.every(([, r]) => r.conservative),
    // One shared normaliser: the largest stabiliser of the parts.
    epsilon: Math.max(0, ...entries.map(([, r]) => r.epsilon)),
    check: (layer, opts) => {
      for (const block of layer.blocks) {
        const rule = parts[block.domain];
        if (!rule) {
          ruleError(
            layer,
            name,
            `it has no rule for the ${block.domain} input from ${block.sources.join(", ")}`,
          );
        }
        rule.check({ ...layer, blocks: [block] }, opts);
      }
    },
    plan: (blocks) => [sharedNormaliser(parts, blocks)],
  };
}
