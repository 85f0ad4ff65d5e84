/**
 * Guided backpropagation's activations (thesis eq. 2.29): a ReLU passes the
 * gradient only where its output is > 0 AND the incoming gradient is > 0.
 * Sigmoid gates get zero gradient (thesis §3.4.2; `gates: "zero"`, the
 * default) or their ordinary gradient (`gates: "pass"`, the behaviour of the
 * original base.py, which overrides only ReLU).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { ActivationHooks } from "../cells/engine.ts";

/** How guided backprop treats sigmoid gates. */
export type GuidedGates = "zero" | "pass";

/** The valid {@link GuidedGates} values. */
export const GUIDED_GATES: readonly GuidedGates[] = ["zero", "pass"];

/** ReLU whose gradient is dy · 1[y > 0] · 1[dy > 0]. */
export const guidedRelu: (x: tf.Tensor) => tf.Tensor = tf.customGrad(
  (...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = args[0] as tf.Tensor;
    const save = args[1] as tf.GradSaveFunc;
    const y = tf.relu(x);
    save([y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const g = dy as tf.Tensor;
        return tf.mul(g, tf.mul(tf.step(saved[0]), tf.step(g)));
      },
    };
  },
) as (x: tf.Tensor) => tf.Tensor;

/** Sigmoid with zero gradient. */
export const blockedSigmoid: (x: tf.Tensor) => tf.Tensor = tf.customGrad((
  ...args: (tf.Tensor | tf.GradSaveFunc)[]
) => ({
  value: tf.sigmoid(args[0] as tf.Tensor),
  gradFunc: (dy: tf.Tensor | tf.Tensor[]) => tf.zerosLike(dy as tf.Tensor),
})) as (x: tf.Tensor) => tf.Tensor;

/**
 * The activation hooks of guided backpropagation, for `forward(model, x, { hooks })`.
 *
 * @example
 * ```ts
 * import { guidedHooks } from "./guided.ts";
 * const hooks = guidedHooks("zero");
 * if (!hooks.relu || !hooks.sigmoid) throw new Error();
 * ```
 */
export function guidedHooks(gates: GuidedGates = "zero"): ActivationHooks {
  if (!GUIDED_GATES.includes(gates)) {
    throw new RangeError(`unknown gbGates "${gates}"; valid: ${GUIDED_GATES.join(", ")}`);
  }
  return gates === "zero" ? { relu: guidedRelu, sigmoid: blockedSigmoid } : { relu: guidedRelu };
}
