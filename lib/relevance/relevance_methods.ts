/**
 * The relevance methods: deep Taylor, LRP-αβ (free α, β and its presets),
 * LRP-ε and LRP-γ, each a {@link Method} whose plan is a composite of rules.
 *
 * @module
 */
import { conservesAlphaBeta } from "./alphabeta.ts";
import {
  alphaBetaComposite,
  type Composite,
  CONV_PLUS_FIRST_LAYER,
  type ConvPlusFirstLayer,
  dtdComposite,
  uniformComposite,
} from "./composite.ts";
import { BIAS_TREATMENTS, type BiasTreatment, DEFAULT_EPSILON, lrpEpsilon } from "./epsilon.ts";
import { RuleParameterError } from "./errors.ts";
import { lrpGamma } from "./gamma.ts";
import type { Method, MethodPlan, OptionSpec } from "./method.ts";

/** Options every relevance method takes. */
export interface PropagationMethodOptions {
  /** Reject rules that do not conserve relevance (the default depends on the method). */
  requireConservation?: boolean;
  /** A composite that replaces the method's own. */
  composite?: Composite;
}

const propagationOptions = {
  requireConservation: {
    type: "boolean",
    description: "reject rules that do not conserve relevance",
  },
  composite: { type: "composite", description: "a composite replacing the method's own" },
} as const satisfies Record<string, OptionSpec>;

/** The plan of a relevance method: its composite (or the given one) and the settings. */
function relevancePlan(
  own: Composite,
  opts: PropagationMethodOptions,
  conservesByDefault: boolean,
  settings: Record<string, string | number | boolean>,
): MethodPlan {
  const composite = opts.composite ?? own;
  const requireConservation = opts.requireConservation ?? conservesByDefault;
  return {
    kind: "relevance",
    composite,
    requireConservation,
    settings: { ...settings, requireConservation, composite: composite.name },
  };
}

/** Options of the deep Taylor and LRP-αβ methods. */
export interface ThesisCompositeOptions extends PropagationMethodOptions {
  /** Rule of the Conv⁺ first layer (default `conservative`). */
  convPlusFirstLayer?: ConvPlusFirstLayer;
}

const convPlusOption = {
  type: "choice",
  values: CONV_PLUS_FIRST_LAYER,
  description: "rule of the Conv⁺ first layer",
} as const satisfies OptionSpec;

/** Deep Taylor decomposition (z^β / z⁺ / mixed / w²). */
export const deepTaylorMethod: Method<ThesisCompositeOptions> = {
  name: "dtd",
  kind: "relevance",
  description: "deep Taylor decomposition",
  options: { ...propagationOptions, convPlusFirstLayer: convPlusOption },
  build(opts) {
    const convPlus = opts.convPlusFirstLayer ?? "conservative";
    return relevancePlan(
      dtdComposite({ convPlusFirstLayer: convPlus }),
      opts,
      convPlus !== "original",
      { method: "dtd", convPlusFirstLayer: convPlus },
    );
  },
};

/** Options of the LRP-αβ methods. */
export interface AlphaBetaMethodOptions extends ThesisCompositeOptions {
  /** α (method `lrp` only). */
  alpha?: number;
  /** β (method `lrp` only). */
  beta?: number;
  /** Apply αβ at the pixel layer instead of z^β (default false). */
  alphaBetaAtPixels?: boolean;
}

const alphaBetaOptions = {
  ...propagationOptions,
  convPlusFirstLayer: convPlusOption,
  alphaBetaAtPixels: { type: "boolean", description: "αβ instead of z^β at the pixels" },
} as const satisfies Record<string, OptionSpec>;

function alphaBetaPlan(name: string, alpha: number, beta: number, opts: AlphaBetaMethodOptions) {
  const convPlus = opts.convPlusFirstLayer ?? "conservative";
  const atPixels = opts.alphaBetaAtPixels ?? false;
  const composite = alphaBetaComposite(alpha, beta, {
    alphaBetaAtPixels: atPixels,
    convPlusFirstLayer: convPlus,
  });
  return relevancePlan(composite, opts, convPlus !== "original", {
    method: name,
    alpha,
    beta,
    alphaBetaAtPixels: atPixels,
    convPlusFirstLayer: convPlus,
  });
}

/** LRP-αβ with free α and β (α − β = 1). */
export const alphaBetaMethod: Method<AlphaBetaMethodOptions> = {
  name: "lrp",
  kind: "relevance",
  description: "LRP-αβ with options alpha, beta",
  options: {
    ...alphaBetaOptions,
    alpha: { type: "number", description: "α (α − β = 1)" },
    beta: { type: "number", description: "β (α − β = 1)" },
  },
  build(opts) {
    const { alpha, beta } = opts;
    if (alpha === undefined || beta === undefined) {
      throw new RuleParameterError(
        'method "lrp"',
        `needs options alpha and beta with α − β = 1, found alpha=${alpha}, beta=${beta}`,
      );
    }
    if (!conservesAlphaBeta(alpha, beta)) {
      throw new RuleParameterError(
        'method "lrp"',
        `needs α − β = 1, found α=${alpha}, β=${beta} (α − β = ${alpha - beta})`,
      );
    }
    return alphaBetaPlan("lrp", alpha, beta, opts);
  },
};

/**
 * An LRP-αβ preset with fixed α and β, named `lrp-a<α>b<β>`.
 *
 * @example
 * ```ts
 * import { alphaBetaPreset } from "./relevance_methods.ts";
 * if (alphaBetaPreset(3, 2).name !== "lrp-a3b2") throw new Error();
 * ```
 */
export function alphaBetaPreset(
  alpha: number,
  beta: number,
): Method<Omit<AlphaBetaMethodOptions, "alpha" | "beta">> {
  const name = `lrp-a${alpha}b${beta}`;
  return {
    name,
    kind: "relevance",
    description: `LRP-α${alpha}β${beta}`,
    options: alphaBetaOptions,
    build: (opts) => alphaBetaPlan(name, alpha, beta, opts),
  };
}

/** Options of LRP-ε. */
export interface EpsilonMethodOptions extends PropagationMethodOptions {
  /** The stabiliser ε (default 0.001). */
  epsilon?: number;
  /** The bias's share: `absorb` (default, as published) or `redistribute`. */
  bias?: BiasTreatment;
}

/**
 * LRP-ε at every layer, for the standard LSTM and GRU after Arras et al. (2017, 2019).
 * With the bias absorbed it does not conserve relevance: `explain` reports the absorbed part.
 */
export const epsilonMethod: Method<EpsilonMethodOptions> = {
  name: "lrp-epsilon",
  kind: "relevance",
  description: "LRP-ε at every layer; options epsilon, bias (absorb, redistribute)",
  options: {
    ...propagationOptions,
    epsilon: { type: "number", description: `the stabiliser ε (default ${DEFAULT_EPSILON})` },
    bias: { type: "choice", values: BIAS_TREATMENTS, description: "the bias's share" },
  },
  build(opts) {
    const bias = opts.bias ?? "absorb";
    const rule = lrpEpsilon({ epsilon: opts.epsilon, bias });
    return relevancePlan(uniformComposite(rule), opts, bias === "redistribute", {
      method: "lrp-epsilon",
      epsilon: rule.epsilon,
      bias,
    });
  },
};

/** Options of LRP-γ. */
export interface GammaMethodOptions extends PropagationMethodOptions {
  /** γ (default 0.25). */
  gamma?: number;
  /** The stabiliser ε (default 0). */
  epsilon?: number;
}

/** LRP-γ at every layer (the bias's share redistributed). */
export const gammaMethod: Method<GammaMethodOptions> = {
  name: "lrp-gamma",
  kind: "relevance",
  description: "LRP-γ at every layer; options gamma, epsilon",
  options: {
    ...propagationOptions,
    gamma: { type: "number", description: "γ (default 0.25)" },
    epsilon: { type: "number", description: "the stabiliser ε (default 0)" },
  },
  build(opts) {
    const rule = lrpGamma({ gamma: opts.gamma, epsilon: opts.epsilon });
    return relevancePlan(uniformComposite(rule), opts, true, {
      method: "lrp-gamma",
      gamma: opts.gamma ?? 0.25,
      epsilon: rule.epsilon,
    });
  },
};
