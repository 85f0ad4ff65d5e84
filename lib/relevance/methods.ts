/**
 * The registry of explanation methods and the resolution of their options.
 *
 * | name | what |
 * | --- | --- |
 * | `sa` | sensitivity analysis, (∂f_y/∂x)² |
 * | `gb` | guided backprop, (guided ∂f_y/∂x)²; option `gbGates` |
 * | `taylor` | simple Taylor, x · ∂f_y/∂x |
 * | `dtd` | deep Taylor composite (z^β / z⁺ / mixed / w²) |
 * | `lrp` | LRP-αβ composite with options `alpha`, `beta` (α − β = 1) |
 * | `lrp-a1b0`, `lrp-a1.5b0.5`, `lrp-a2b1` | LRP-αβ presets |
 *
 * @module
 */
import type { ActivationHooks } from "../cells/engine.ts";
import { conservesAlphaBeta } from "./alphabeta.ts";
import {
  alphaBetaComposite,
  type Composite,
  CONV_PLUS_FIRST_LAYER,
  type ConvPlusFirstLayer,
  dtdComposite,
} from "./composite.ts";
import { ExplainInputError, RuleParameterError, UnknownMethodError } from "./errors.ts";
import { GUIDED_GATES, type GuidedGates, guidedHooks } from "./guided.ts";

/** Every method name. */
export const METHOD_NAMES = [
  "sa",
  "gb",
  "taylor",
  "dtd",
  "lrp",
  "lrp-a1b0",
  "lrp-a1.5b0.5",
  "lrp-a2b1",
] as const;

/** A method name. */
export type MethodName = typeof METHOD_NAMES[number];

/** What a method is. */
export interface MethodInfo {
  /** Its name. */
  name: MethodName;
  /** `gradient` methods differentiate `forward`; `relevance` methods propagate ReLU(f_y). */
  kind: "gradient" | "relevance";
  /** One line for help texts. */
  description: string;
  /** The fixed α, β of LRP presets. */
  alphaBeta?: [number, number];
}

/** The registry. */
export const METHODS: Readonly<Record<MethodName, MethodInfo>> = {
  "sa": { name: "sa", kind: "gradient", description: "sensitivity analysis (∂f_y/∂x)²" },
  "gb": { name: "gb", kind: "gradient", description: "guided backprop (guided ∂f_y/∂x)²" },
  "taylor": { name: "taylor", kind: "gradient", description: "simple Taylor x·∂f_y/∂x" },
  "dtd": { name: "dtd", kind: "relevance", description: "deep Taylor decomposition" },
  "lrp": { name: "lrp", kind: "relevance", description: "LRP-αβ with options alpha, beta" },
  "lrp-a1b0": { name: "lrp-a1b0", kind: "relevance", description: "LRP-α1β0", alphaBeta: [1, 0] },
  "lrp-a1.5b0.5": {
    name: "lrp-a1.5b0.5",
    kind: "relevance",
    description: "LRP-α1.5β0.5",
    alphaBeta: [1.5, 0.5],
  },
  "lrp-a2b1": { name: "lrp-a2b1", kind: "relevance", description: "LRP-α2β1", alphaBeta: [2, 1] },
};

/** Checks a method name; unknown names raise {@link UnknownMethodError} listing the valid ones. */
export function parseMethod(name: string): MethodInfo {
  if (!(METHOD_NAMES as readonly string[]).includes(name)) {
    throw new UnknownMethodError(name, METHOD_NAMES);
  }
  return METHODS[name as MethodName];
}

/** Options of a method (see `explain`). */
export interface MethodOptions {
  /** Method name, one of {@link METHOD_NAMES}. */
  method: string;
  /** `lrp` only: α (with α − β = 1). */
  alpha?: number;
  /** `lrp` only: β (with α − β = 1). */
  beta?: number;
  /**
   * LRP-αβ methods: apply αβ at the pixel layer instead of z^β (default false).
   * On pixels with a negative lower bound (the data lie in [−1, 1]) αβ does not
   * conserve relevance, so this also needs `requireConservation: false`.
   */
  alphaBetaAtPixels?: boolean;
  /** `dtd` and LRP-αβ methods: rule of the Conv⁺ first layer (default `conservative`). */
  convPlusFirstLayer?: ConvPlusFirstLayer;
  /** `gb` only: sigmoid gates get zero gradient (`zero`, default) or their gradient (`pass`). */
  gbGates?: GuidedGates;
  /**
   * Relevance methods: reject non-conservative rules (default true, except with
   * `convPlusFirstLayer: "original"`, whose rule is non-conservative by design).
   */
  requireConservation?: boolean;
  /** Relevance methods: a composite that replaces the method's own. */
  composite?: Composite;
}

/** A method with its options resolved. */
export interface ResolvedMethod {
  /** The method. */
  info: MethodInfo;
  /** The settings, as recorded with results (plain JSON). */
  settings: Record<string, string | number | boolean>;
  /** Relevance methods: the composite. */
  composite?: Composite;
  /** Relevance methods: whether rules must conserve relevance. */
  requireConservation?: boolean;
  /** Gradient methods: activation replacements (`gb`). */
  hooks?: ActivationHooks;
}

function only(opts: MethodOptions, key: keyof MethodOptions, ok: boolean, where: string): void {
  if (opts[key] !== undefined && !ok) {
    throw new ExplainInputError(
      `option ${key} applies only to ${where}, not to method "${opts.method}"`,
    );
  }
}

/**
 * Resolves a method and its options, validating them.
 *
 * @example
 * ```ts
 * import { resolveMethod } from "./methods.ts";
 * const m = resolveMethod({ method: "lrp", alpha: 3, beta: 2 });
 * if (m.settings.alpha !== 3 || !m.composite) throw new Error();
 * ```
 */
export function resolveMethod(opts: MethodOptions): ResolvedMethod {
  const info = parseMethod(opts.method);
  const lrp = info.name === "lrp" || info.alphaBeta !== undefined;
  only(opts, "alpha", info.name === "lrp", "method lrp");
  only(opts, "beta", info.name === "lrp", "method lrp");
  only(opts, "alphaBetaAtPixels", lrp, "the LRP-αβ methods");
  only(opts, "convPlusFirstLayer", info.kind === "relevance", "dtd and the LRP-αβ methods");
  only(opts, "requireConservation", info.kind === "relevance", "dtd and the LRP-αβ methods");
  only(opts, "composite", info.kind === "relevance", "dtd and the LRP-αβ methods");
  only(opts, "gbGates", info.name === "gb", "method gb");
  const settings: Record<string, string | number | boolean> = { method: info.name };
  if (info.kind === "gradient") {
    if (info.name !== "gb") return { info, settings };
    const gates = opts.gbGates ?? "zero";
    if (!GUIDED_GATES.includes(gates)) {
      throw new ExplainInputError(`unknown gbGates "${gates}"; valid: ${GUIDED_GATES.join(", ")}`);
    }
    settings.gbGates = gates;
    return { info, settings, hooks: guidedHooks(gates) };
  }
  const convPlus = opts.convPlusFirstLayer ?? "conservative";
  if (!CONV_PLUS_FIRST_LAYER.includes(convPlus)) {
    throw new ExplainInputError(
      `unknown convPlusFirstLayer "${convPlus}"; valid: ${CONV_PLUS_FIRST_LAYER.join(", ")}`,
    );
  }
  const requireConservation = opts.requireConservation ?? convPlus !== "original";
  let composite: Composite;
  if (info.name === "dtd") {
    composite = dtdComposite({ convPlusFirstLayer: convPlus });
  } else {
    let alpha: number;
    let beta: number;
    if (info.alphaBeta) {
      [alpha, beta] = info.alphaBeta;
    } else {
      if (opts.alpha === undefined || opts.beta === undefined) {
        throw new RuleParameterError(
          'method "lrp"',
          `needs options alpha and beta with α − β = 1, found alpha=${opts.alpha}, beta=${opts.beta}`,
        );
      }
      alpha = opts.alpha;
      beta = opts.beta;
      if (!conservesAlphaBeta(alpha, beta)) {
        throw new RuleParameterError(
          'method "lrp"',
          `needs α − β = 1, found α=${alpha}, β=${beta} (α − β = ${alpha - beta})`,
        );
      }
    }
    const atPixels = opts.alphaBetaAtPixels ?? false;
    composite = alphaBetaComposite(alpha, beta, {
      alphaBetaAtPixels: atPixels,
      convPlusFirstLayer: convPlus,
    });
    Object.assign(settings, { alpha, beta, alphaBetaAtPixels: atPixels });
  }
  if (opts.composite) composite = opts.composite;
  Object.assign(settings, {
    convPlusFirstLayer: convPlus,
    requireConservation,
    composite: composite.name,
  });
  return { info, settings, composite, requireConservation };
}
