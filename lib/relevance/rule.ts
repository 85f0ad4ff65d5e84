/**
 * What a relevance rule is. A rule for a linear layer (dense or conv) is a
 * parameterisation of one mechanism (`linear.ts`): it lists groups of terms;
 * each term pairs an input modifier with a weight modifier and a coefficient.
 * For a group g with terms t, the mechanism computes
 *
 *   z_g = Σ_t zCoef_t · forward(input_t(x), weight_t(W)),
 *   s_g = share_g · R / stabilise(z_g),
 *   R_in += Σ_t rCoef_t · input_t(x) ⊙ backward(s_g, weight_t(W)),
 *
 * so z⁺ is one group with the term (x, w⁺), αβ two groups (x, w⁺) with share
 * α and (x, w⁻) with share −β, z^β one group (x, w) − (l, w⁺) − (h, w⁻), and
 * w² one group (1, w²). Whenever rCoef = zCoef the rule is conservative by
 * construction (the backward map is the adjoint of the forward map), up to
 * the stabiliser. Terms belong to input blocks (runs of the layer input with
 * one domain), which lets a rule treat the parts of a concatenated input
 * differently while sharing one normaliser (the mixed rule).
 *
 * @module
 */
import type { ConvNode, DenseNode } from "../cells/spec.ts";
import { RuleApplicationError, RuleParameterError } from "./errors.ts";
import type { InputBlock } from "./input_block.ts";
import type { InputModifier, WeightModifier } from "./modifiers.ts";

export type { InputBlock };

/** A weighted sum of modified weights (or biases), Σ factor · modifier(W). */
export type WeightCombination = [WeightModifier, number][];

/** The layer a rule is asked to handle. */
export interface LayerContext {
  /** Cell id. */
  cell: string;
  /** Sequence length of the cell. */
  T: number;
  /** The layer node. */
  node: DenseNode | ConvNode;
  /** The blocks of the layer's input (all of it when there is one domain). */
  blocks: InputBlock[];
}

/** One term of a group: an input modifier, a weight modifier and coefficients. */
export interface Term {
  /** The input block the term reads. */
  block: InputBlock;
  /** What replaces the input. */
  input: InputModifier;
  /** What replaces the weights. */
  weight: WeightModifier;
  /** Coefficient in the normaliser z. */
  z: number;
  /** Coefficient in the redistribution (equal to `z` for every conservative rule). */
  r: number;
}

/** Terms that share one normaliser, and the share of the upper relevance they redistribute. */
export interface Group {
  /** Multiplies the upper relevance before it is divided by z (α, −β, or 1). */
  share: number;
  /** The terms. */
  terms: Term[];
  /**
   * The layer's effective bias b in the normaliser, as Σ factor · modifier(b) (LRP-ε with
   * the bias absorbed: [[b, 1]]). Absent: z is computed from the weights alone, so the
   * bias's share is redistributed over the inputs.
   */
  bias?: WeightCombination;
}

/** Options of {@link Rule.check}. */
export interface RuleCheckOptions {
  /** Reject rules (or parameters) that do not conserve relevance on this layer. */
  requireConservation: boolean;
}

/** A relevance rule for linear layers. */
export interface Rule {
  /** Name, as shown in errors and in `model.json`. */
  readonly name: string;
  /** Whether the rule conserves relevance on every input it accepts (up to the stabiliser). */
  readonly conservative: boolean;
  /**
   * The stabiliser ε: every normaliser z is divided as z + ε·sign(z) (0: exact division,
   * with the zero guard of `stabilise.ts`).
   */
  readonly epsilon: number;
  /** Throws {@link RuleApplicationError} when the rule cannot be applied to `layer`. */
  check(layer: LayerContext, opts: RuleCheckOptions): void;
  /** The groups of terms for the given input blocks. */
  plan(blocks: readonly InputBlock[]): Group[];
}

/** Creates a term; `r` defaults to `z` (conservative). */
export function term(
  block: InputBlock,
  input: InputModifier,
  weight: WeightModifier,
  z: number,
  r: number = z,
): Term {
  return { block, input, weight, z, r };
}

/** Options every rule takes: its stabiliser. */
export interface StabiliserOptions {
  /** ε of the rule's normalisers (default 0: exact division with the zero guard). */
  epsilon?: number;
}

/** The ε of `opts`, checked to be finite and ≥ 0 (default 0). */
export function stabiliserOf(rule: string, opts: StabiliserOptions = {}): number {
  const epsilon = opts.epsilon ?? 0;
  if (!Number.isFinite(epsilon) || epsilon < 0) {
    throw new RuleParameterError(`${rule} rule`, `ε must be finite and ≥ 0, found ${epsilon}`);
  }
  return epsilon;
}

/**
 * A rule's name with its stabiliser: `base` when ε = 0, else `base(e=ε)`.
 *
 * @example
 * ```ts
 * import { stabilisedName } from "./rule.ts";
 * if (stabilisedName("zplus", 0.1) !== "zplus(e=0.1)") throw new Error();
 * ```
 */
export function stabilisedName(base: string, epsilon: number): string {
  return epsilon === 0 ? base : `${base}(e=${epsilon})`;
}

/**
 * A conservative rule of one group with one term per block, (input, weight)
 * with coefficient 1: z⁺ (x, w⁺), w² (1, w²) and flat (1, 1) are this rule
 * with other pieces.
 *
 * @example
 * ```ts
 * import { inputValue, positivePart } from "./modifiers.ts";
 * import { proportionalRule } from "./rule.ts";
 * const rule = proportionalRule("zplus", inputValue, positivePart, { epsilon: 0.1 });
 * if (rule.name !== "zplus(e=0.1)" || rule.epsilon !== 0.1) throw new Error();
 * ```
 */
export function proportionalRule(
  base: string,
  input: InputModifier,
  weight: WeightModifier,
  opts: StabiliserOptions = {},
  check: Rule["check"] = () => {},
): Rule {
  const epsilon = stabiliserOf(base, opts);
  return {
    name: stabilisedName(base, epsilon),
    conservative: true,
    epsilon,
    check,
    plan: sameForEveryBlock((b) => [{ share: 1, terms: [term(b, input, weight, 1)] }]),
  };
}

/** How errors name a layer: `deep (T=12) layer "in1"`. */
export function describeLayer(layer: LayerContext): string {
  return `${layer.cell} (T=${layer.T}) layer "${layer.node.name}"`;
}

function describeBlock(block: InputBlock): string {
  const range = block.domain === "pixels" ? ` in [${block.low}, ${block.high}]` : "";
  return `${block.domain}${range} from ${block.sources.join(", ")}`;
}

/** Throws {@link RuleApplicationError} for `rule` on `layer`. */
export function ruleError(layer: LayerContext, rule: string, problem: string): never {
  throw new RuleApplicationError(describeLayer(layer), rule, problem);
}

/**
 * Checks that every input block is non-negative, as the z⁺ and αβ rules need
 * (they split the weights, not the contributions). Real-valued inputs are
 * always rejected; pixels with a negative lower bound are rejected when
 * conservation is required (with negative inputs z⁺ may vanish or change sign).
 */
export function checkNonNegative(layer: LayerContext, rule: string, opts: RuleCheckOptions): void {
  for (const b of layer.blocks) {
    if (b.domain === "real") {
      ruleError(
        layer,
        rule,
        `it needs non-negative inputs, but the layer reads ${describeBlock(b)}`,
      );
    }
    if (b.domain === "pixels" && (b.low ?? -Infinity) < 0 && opts.requireConservation) {
      ruleError(
        layer,
        rule,
        `it conserves relevance only on non-negative inputs, but the layer reads ${
          describeBlock(b)
        }; use the z^β rule there or allow relevance loss`,
      );
    }
  }
}

/** Checks that every input block is bounded pixels with l ≤ 0 < h, as the z^β rule needs. */
export function checkBounded(layer: LayerContext, rule: string): void {
  for (const b of layer.blocks) {
    if (b.domain !== "pixels" || b.low === undefined || b.high === undefined) {
      ruleError(
        layer,
        rule,
        `it needs bounded pixel inputs, but the layer reads ${describeBlock(b)}`,
      );
    }
    if (!(b.low <= 0 && b.high > 0)) {
      ruleError(layer, rule, `it needs bounds l ≤ 0 < h, but the layer reads ${describeBlock(b)}`);
    }
  }
}

/** A rule whose groups are the same for every block: the terms of all blocks share each group. */
export function sameForEveryBlock(
  groups: (block: InputBlock) => Group[],
): (blocks: readonly InputBlock[]) => Group[] {
  return (blocks) => {
    const perBlock = blocks.map(groups);
    return perBlock[0].map((g, i) => ({
      share: g.share,
      terms: perBlock.flatMap((gs) => gs[i].terms),
      ...(g.bias ? { bias: g.bias } : {}),
    }));
  };
}
