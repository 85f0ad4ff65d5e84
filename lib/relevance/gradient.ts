/**
 * Gradient-based explanations: the gradient of f_y (the target logit) w.r.t.
 * the input image, by automatic differentiation through the engine's
 * `forward`, optionally with replaced activations (guided backprop).
 * Sensitivity analysis is its square, simple Taylor its product with the
 * input, guided backprop the square of the guided gradient.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type ActivationHooks, forward } from "../cells/engine.ts";
import type { CellModel } from "../cells/model.ts";

/**
 * ∂f_y/∂x for images `x` [B, 28, W] and targets [B] (int32), shaped like `x`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { buildCell, createModel } from "../cells/mod.ts";
 * import { inputGradient } from "./gradient.ts";
 * const model = createModel(buildCell("deep", 4), { seed: 1 });
 * const g = inputGradient(model, tf.zeros([2, 28, 28]), tf.tensor1d([3, 5], "int32"));
 * g.shape; // [2, 28, 28]
 * ```
 */
export function inputGradient(
  model: CellModel,
  x: tf.Tensor,
  targets: tf.Tensor1D,
  hooks?: ActivationHooks,
): tf.Tensor {
  return tf.tidy(() => {
    const onehot = tf.oneHot(targets, 10);
    const f = (v: tf.Tensor) => tf.sum(tf.mul(forward(model, v, hooks ? { hooks } : {}), onehot));
    return tf.grad(f)(x);
  });
}
