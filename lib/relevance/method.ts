/**
 * What an explanation method is: a small object with a name, its typed
 * options and how it builds its explanation from them — a composite of rules
 * for relevance propagation, or a gradient pass (activation hooks and how the
 * input gradient becomes the attribution). Methods live in an open registry
 * (`methods.ts`); `explain` looks a method up by name and never names one.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import type { ActivationHooks } from "../cells/engine.ts";
import type { Composite } from "./composite.ts";
import { ExplainInputError } from "./errors.ts";

/** The type of one method option. */
export type OptionSpec =
  | { readonly type: "number"; readonly description: string }
  | { readonly type: "boolean"; readonly description: string }
  | { readonly type: "choice"; readonly values: readonly string[]; readonly description: string }
  | { readonly type: "composite"; readonly description: string };

/** The settings of an explanation, recorded with its results (plain JSON). */
export type MethodSettings = Record<string, string | number | boolean>;

/** How a method explains, once its options are known. */
export type MethodPlan =
  | {
    /** Relevance propagation of ReLU(f_y) with a composite. */
    readonly kind: "relevance";
    /** The rule of every linear layer. */
    readonly composite: Composite;
    /** Reject rules that do not conserve relevance. */
    readonly requireConservation: boolean;
    /** The settings to record. */
    readonly settings: MethodSettings;
  }
  | {
    /** A gradient of f_y with respect to the input. */
    readonly kind: "gradient";
    /** Activation replacements of the gradient pass (guided backprop). */
    readonly hooks?: ActivationHooks;
    /** The attribution from the input gradient `g` and the input `x` (same shapes). */
    attribute(g: tf.Tensor, x: tf.Tensor): tf.Tensor;
    /** The settings to record. */
    readonly settings: MethodSettings;
  };

/**
 * An explanation method with options `O`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import type { Method } from "./method.ts";
 * const absGradient: Method<{ scale?: number }> = {
 *   name: "abs-gradient",
 *   kind: "gradient",
 *   description: "scale · |∂f_y/∂x|",
 *   options: { scale: { type: "number", description: "factor (default 1)" } },
 *   build: ({ scale = 1 }) => ({
 *     kind: "gradient",
 *     attribute: (g) => tf.mul(tf.abs(g), scale),
 *     settings: { method: "abs-gradient", scale },
 *   }),
 * };
 * ```
 */
export interface Method<O extends object = Record<string, unknown>> {
  /** Its name, as `explain({ method })` and the command line take it. */
  readonly name: string;
  /** What the plan it builds is. */
  readonly kind: "relevance" | "gradient";
  /** One line for help texts. */
  readonly description: string;
  /** Every option it takes, with its type. */
  readonly options: { readonly [K in keyof O]-?: OptionSpec };
  /** Builds the plan from options already checked against `options`. */
  build(options: O): MethodPlan;
}

function describe(spec: OptionSpec): string {
  return spec.type === "choice" ? `one of ${spec.values.join(", ")}` : `a ${spec.type}`;
}

function fits(spec: OptionSpec, value: unknown): boolean {
  switch (spec.type) {
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "boolean":
      return typeof value === "boolean";
    case "choice":
      return typeof value === "string" && spec.values.includes(value);
    case "composite":
      return typeof value === "object" && value !== null && "ruleFor" in value;
  }
}

/**
 * Checks `given` (the options without `method`) against the method's option types:
 * an option the method does not take, or a value of the wrong type, raises
 * `ExplainInputError` naming the option and the method. Undefined values count as absent.
 */
export function checkOptions(method: Method, given: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(given)) {
    if (value === undefined) continue;
    const spec = (method.options as Record<string, OptionSpec>)[key];
    if (!spec) {
      const valid = Object.keys(method.options);
      throw new ExplainInputError(
        `option ${key} does not apply to method "${method.name}"; its options: ${
          valid.length ? valid.join(", ") : "none"
        }`,
      );
    }
    if (!fits(spec, value)) {
      throw new ExplainInputError(
        `option ${key} of method "${method.name}" must be ${describe(spec)}, found ${
          JSON.stringify(value)
        }`,
      );
    }
  }
}
