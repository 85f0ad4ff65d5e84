/**
 * The gradient methods: sensitivity analysis, guided backprop, simple Taylor
 * and gradient × input, each a {@link Method} whose plan is the input gradient
 * of f_y and how it becomes the attribution.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { GUIDED_GATES, type GuidedGates, guidedHooks } from "./guided.ts";
import type { Method } from "./method.ts";

/** A gradient method without options: `attribute` maps (g, x) to the attribution. */
function plainGradient(
  name: string,
  description: string,
  attribute: (g: tf.Tensor, x: tf.Tensor) => tf.Tensor,
): Method<Record<never, never>> {
  return {
    name,
    kind: "gradient",
    description,
    options: {},
    build: () => ({ kind: "gradient", attribute, settings: { method: name } }),
  };
}

/** Sensitivity analysis, (∂f_y/∂x)². */
export const sensitivityMethod: Method<Record<never, never>> = plainGradient(
  "sa",
  "sensitivity analysis (∂f_y/∂x)²",
  (g) => tf.square(g),
);

/** Simple Taylor, x · ∂f_y/∂x (the thesis's name; the first-order Taylor term at the root 0). */
export const simpleTaylorMethod: Method<Record<never, never>> = plainGradient(
  "taylor",
  "simple Taylor x·∂f_y/∂x",
  (g, x) => tf.mul(g, x),
);

/**
 * Gradient × input, ∂f_y/∂x ⊙ x (Shrikumar et al. 2016): the same numbers as simple Taylor,
 * under the name the attribution libraries use.
 */
export const gradientTimesInputMethod: Method<Record<never, never>> = plainGradient(
  "gradient-x-input",
  "gradient × input ∂f_y/∂x ⊙ x",
  (g, x) => tf.mul(g, x),
);

/** Options of guided backprop. */
export interface GuidedOptions {
  /** Sigmoid gates get zero gradient (`zero`, default) or their gradient (`pass`). */
  gbGates?: GuidedGates;
}

/** Guided backprop, (guided ∂f_y/∂x)². */
export const guidedBackpropMethod: Method<GuidedOptions> = {
  name: "gb",
  kind: "gradient",
  description: "guided backprop (guided ∂f_y/∂x)²",
  options: {
    gbGates: {
      type: "choice",
      values: GUIDED_GATES,
      description: "sigmoid gates: zero gradient or their gradient",
    },
  },
  build: ({ gbGates = "zero" }) => ({
    kind: "gradient",
    hooks: guidedHooks(gbGates),
    attribute: (g) => tf.square(g),
    settings: { method: "gb", gbGates },
  }),
};
