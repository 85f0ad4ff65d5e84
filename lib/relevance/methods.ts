/**
 * The open registry of explanation methods. Built in:
 *
 * | name | what |
 * | --- | --- |
 * | `sa` | sensitivity analysis, (∂f_y/∂x)² |
 * | `gb` | guided backprop, (guided ∂f_y/∂x)²; option `gbGates` |
 * | `taylor` | simple Taylor, x · ∂f_y/∂x |
 * | `gradient-x-input` | gradient × input, ∂f_y/∂x ⊙ x |
 * | `dtd` | deep Taylor composite (z^β / z⁺ / mixed / w²) |
 * | `lrp` | LRP-αβ composite with options `alpha`, `beta` (α − β = 1) |
 * | `lrp-a1b0`, `lrp-a1.5b0.5`, `lrp-a2b1` | LRP-αβ presets |
 * | `lrp-epsilon` | LRP-ε at every layer; options `epsilon`, `bias` (LSTM, GRU) |
 * | `lrp-gamma` | LRP-γ at every layer; options `gamma`, `epsilon` |
 *
 * A method defined elsewhere joins with {@link registerMethod}; `explain` and
 * the command line then accept it by name.
 *
 * @module
 */
import type { Composite } from "./composite.ts";
import { ExplainInputError, UnknownMethodError } from "./errors.ts";
import {
  gradientTimesInputMethod,
  guidedBackpropMethod,
  sensitivityMethod,
  simpleTaylorMethod,
} from "./gradient_methods.ts";
import { checkOptions, type Method, type MethodPlan } from "./method.ts";
import {
  alphaBetaMethod,
  alphaBetaPreset,
  deepTaylorMethod,
  epsilonMethod,
  gammaMethod,
} from "./relevance_methods.ts";

const methods = new Map<string, Method>();

/**
 * Makes a method available by its name. Registering a name twice is an error.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { parseMethod, registerMethod } from "./methods.ts";
 * registerMethod({
 *   name: "abs-gradient",
 *   kind: "gradient",
 *   description: "|∂f_y/∂x|",
 *   options: {},
 *   build: () => ({ kind: "gradient", attribute: (g) => tf.abs(g), settings: { method: "abs-gradient" } }),
 * });
 * parseMethod("abs-gradient").kind; // "gradient"
 * ```
 */
export function registerMethod<O extends object>(method: Method<O>): void {
  if (methods.has(method.name)) {
    throw new ExplainInputError(`method "${method.name}" is already registered`);
  }
  methods.set(method.name, method as unknown as Method);
}

/** The names of every registered method, in registration order. */
export function methodNames(): string[] {
  return [...methods.keys()];
}

/** The method of this name; unknown names raise {@link UnknownMethodError} listing the valid ones. */
export function parseMethod(name: string): Method {
  const method = methods.get(name);
  if (!method) throw new UnknownMethodError(name, methodNames());
  return method;
}

/**
 * What `explain` takes to choose a method: its name and its options (each method checks
 * the options it takes, see `Method.options`). The options of the built-in methods are
 * listed for convenience.
 */
export interface MethodOptions {
  /** Method name (see {@link methodNames}). */
  method: string;
  /** `lrp`: α (with α − β = 1). */
  alpha?: number;
  /** `lrp`: β (with α − β = 1). */
  beta?: number;
  /** LRP-αβ methods: apply αβ at the pixel layer instead of z^β (default false). */
  alphaBetaAtPixels?: boolean;
  /** `dtd` and LRP-αβ methods: rule of the Conv⁺ first layer (default `conservative`). */
  convPlusFirstLayer?: "conservative" | "original";
  /** `gb`: sigmoid gates get zero gradient (`zero`, default) or their gradient (`pass`). */
  gbGates?: "zero" | "pass";
  /** `lrp-epsilon`, `lrp-gamma`: the stabiliser ε. */
  epsilon?: number;
  /** `lrp-epsilon`: the bias's share, `absorb` (default) or `redistribute`. */
  bias?: "absorb" | "redistribute";
  /** `lrp-gamma`: γ. */
  gamma?: number;
  /** Relevance methods: reject non-conservative rules (default depends on the method). */
  requireConservation?: boolean;
  /** Relevance methods: a composite that replaces the method's own. */
  composite?: Composite;
  /** Options of methods registered elsewhere. */
  [option: string]: unknown;
}

/** A method with its options checked and its plan built. */
export interface ResolvedMethod {
  /** The method. */
  method: Method;
  /** Its plan. */
  plan: MethodPlan;
}

/**
 * Looks the method up once and builds its plan from the options (each checked against
 * the method's option types).
 *
 * @example
 * ```ts
 * import { resolveMethod } from "./methods.ts";
 * const m = resolveMethod({ method: "lrp", alpha: 3, beta: 2 });
 * if (m.plan.settings.alpha !== 3 || m.plan.kind !== "relevance") throw new Error();
 * ```
 */
export function resolveMethod(opts: MethodOptions): ResolvedMethod {
  const { method: name, ...options } = opts;
  const method = parseMethod(name);
  checkOptions(method, options);
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  return { method, plan: method.build(given) };
}

for (
  const method of [
    sensitivityMethod,
    guidedBackpropMethod,
    simpleTaylorMethod,
    gradientTimesInputMethod,
    deepTaylorMethod,
    alphaBetaMethod,
    alphaBetaPreset(1, 0),
    alphaBetaPreset(1.5, 0.5),
    alphaBetaPreset(2, 1),
    epsilonMethod,
    gammaMethod,
  ] as Method<never>[]
) {
  registerMethod(method);
}
