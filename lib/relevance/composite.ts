/**
 * Composites: which rule each linear layer gets. A composite looks only at
 * the layer's input domain (pixels, non-negative, real, or a mix of them) and
 * never at the architecture, so one composite works for every cell.
 *
 * - DTD (deep Taylor): pixels → z^β (l = −1, h = 1), non-negative → z⁺,
 *   real → w², mixed pixels + non-negative → mixed z^β/z⁺ (eq. 3.5–3.6).
 * - LRP-αβ: pixels → z^β (as in the original code, for every method),
 *   non-negative → αβ, mixed → mixed z^β/αβ (one shared normaliser).
 *   `alphaBetaAtPixels` applies αβ at the pixel layer too (including the
 *   pixel part of mixed layers, which then get plain αβ).
 * - `convPlusFirstLayer`: a conv layer with a mixed input (the first layer of
 *   the Conv⁺ cells) gets the conservative mixed rule (`conservative`, the
 *   default) or the original code's rule (`original`), which reproduces the
 *   Conv⁺ results but does not conserve relevance (THESIS_SPEC §4).
 *
 * @module
 */
import type { Domain } from "../cells/spec.ts";
import { alphaBeta } from "./alphabeta.ts";
import { convPlusOriginal } from "./conv_plus_original.ts";
import { mixed } from "./mixed.ts";
import { type LayerContext, type Rule, ruleError } from "./rule.ts";
import { wSquare } from "./wsquare.ts";
import { zBeta } from "./zbeta.ts";
import { zPlus } from "./zplus.ts";

/** Maps a layer to its rule. */
export interface Composite {
  /** Name, as recorded with the results. */
  readonly name: string;
  /** The rule for `layer`; throws `RuleApplicationError` when there is none. */
  ruleFor(layer: LayerContext): Rule;
}

/** The rule of a Conv⁺ first layer: conservative mixed rule or the original code's rule. */
export type ConvPlusFirstLayer = "conservative" | "original";

/** The valid {@link ConvPlusFirstLayer} values. */
export const CONV_PLUS_FIRST_LAYER: readonly ConvPlusFirstLayer[] = ["conservative", "original"];

/** Rules per input domain, and how to treat a layer whose input mixes domains. */
export interface DomainComposite {
  /** Bounded pixel inputs. */
  pixels?: Rule;
  /** Non-negative inputs (ReLU outputs, LSTM memory). */
  nonneg?: Rule;
  /** Real-valued inputs. */
  real?: Rule;
  /** The rule for a mixed input (default: `mixed` of the per-domain rules). */
  mixed?: (layer: LayerContext) => Rule;
}

/**
 * A composite from rules per input domain.
 *
 * @example
 * ```ts
 * import { domainComposite } from "./composite.ts";
 * import { zPlus } from "./zplus.ts";
 * const allZPlus = domainComposite("zplus-everywhere", { pixels: zPlus(), nonneg: zPlus() });
 * ```
 */
export function domainComposite(name: string, rules: DomainComposite): Composite {
  return {
    name,
    ruleFor(layer: LayerContext): Rule {
      const domains = [...new Set(layer.blocks.map((b) => b.domain))];
      if (domains.length === 1) {
        const rule = rules[domains[0]];
        if (!rule) {
          ruleError(layer, `composite ${name}`, `it has no rule for ${domains[0]} inputs`);
        }
        return rule;
      }
      if (rules.mixed) return rules.mixed(layer);
      const parts: Partial<Record<Domain, Rule>> = {};
      for (const d of domains) {
        const rule = rules[d];
        if (!rule) ruleError(layer, `composite ${name}`, `it has no rule for ${d} inputs`);
        parts[d] = rule;
      }
      return mixed(parts);
    },
  };
}

/** Options of the DTD and LRP-αβ composites. */
export interface CompositeOptions {
  /** Rule of mixed-input conv layers (the Conv⁺ first layer); default `conservative`. */
  convPlusFirstLayer?: ConvPlusFirstLayer;
}

function checkConvPlus(value: string): ConvPlusFirstLayer {
  if (!(CONV_PLUS_FIRST_LAYER as readonly string[]).includes(value)) {
    throw new RangeError(
      `unknown convPlusFirstLayer "${value}"; valid: ${CONV_PLUS_FIRST_LAYER.join(", ")}`,
    );
  }
  return value as ConvPlusFirstLayer;
}

/**
 * The deep Taylor composite.
 *
 * @example
 * ```ts
 * import { dtdComposite } from "./composite.ts";
 * if (dtdComposite().name !== "dtd") throw new Error();
 * ```
 */
export function dtdComposite(opts: CompositeOptions = {}): Composite {
  const convPlus = checkConvPlus(opts.convPlusFirstLayer ?? "conservative");
  const pixels = zBeta();
  const nonneg = zPlus();
  const original = convPlusOriginal(1, 0);
  const conservativeMixed = mixed({ pixels, nonneg });
  return domainComposite(convPlus === "original" ? "dtd(conv+ original)" : "dtd", {
    pixels,
    nonneg,
    real: wSquare(),
    mixed: (layer) =>
      convPlus === "original" && layer.node.op === "conv" ? original : conservativeMixed,
  });
}

/** Options of {@link alphaBetaComposite}. */
export interface AlphaBetaCompositeOptions extends CompositeOptions {
  /** Apply αβ at the pixel layer too, instead of z^β (default false). */
  alphaBetaAtPixels?: boolean;
}

/**
 * The LRP-αβ composite.
 *
 * @example
 * ```ts
 * import { alphaBetaComposite } from "./composite.ts";
 * if (alphaBetaComposite(1.5, 0.5).name !== "lrp(a=1.5,b=0.5)") throw new Error();
 * ```
 */
export function alphaBetaComposite(
  alpha: number,
  beta: number,
  opts: AlphaBetaCompositeOptions = {},
): Composite {
  const convPlus = checkConvPlus(opts.convPlusFirstLayer ?? "conservative");
  const atPixels = opts.alphaBetaAtPixels ?? false;
  const ab = alphaBeta(alpha, beta);
  const pixels = atPixels ? ab : zBeta();
  const original = convPlusOriginal(alpha, beta);
  const conservativeMixed = atPixels ? ab : mixed({ pixels, nonneg: ab });
  const suffix = [
    atPixels ? "alphabeta at pixels" : "",
    convPlus === "original" ? "conv+ original" : "",
  ]
    .filter((s) => s).join(", ");
  return domainComposite(`lrp(a=${alpha},b=${beta})${suffix ? `(${suffix})` : ""}`, {
    pixels,
    nonneg: ab,
    real: ab,
    mixed: (layer) =>
      convPlus === "original" && layer.node.op === "conv" ? original : conservativeMixed,
  });
}

/**
 * A composite that gives every layer the same rule, whatever its input domain (LRP-ε,
 * LRP-γ for the standard LSTM and GRU, after Arras et al.).
 *
 * @example
 * ```ts
 * import { uniformComposite } from "./composite.ts";
 * import { lrpEpsilon } from "./epsilon.ts";
 * const c = uniformComposite(lrpEpsilon());
 * if (c.name !== "uniform(epsilon(e=0.001,bias=absorb))") throw new Error();
 * ```
 */
export function uniformComposite(rule: Rule): Composite {
  return { name: `uniform(${rule.name})`, ruleFor: () => rule };
}
