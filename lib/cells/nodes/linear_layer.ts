/**
 * What dense and conv layers share: the bias parameterisation, the declared
 * parameters, the effective bias and the activation of the pre-activation.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Activation, ApplyContext, NodeDescription, ParameterDeclaration } from "./kind.ts";
import type { Domain } from "./values.ts";

/**
 * How a layer's bias is parameterised: `negsoftplus` is the effective bias
 * −softplus(b) (kept ≤ 0, for deep Taylor), `free` is a plain trainable bias of
 * shape [1, N] (R-LSTM gates; the original code counts it as one parameter).
 */
export type BiasKind = "negsoftplus" | "free";

/** The fields of a layer with weights, a bias and an activation. */
export interface LayerFields extends NodeDescription {
  readonly input: string;
  readonly activation: Activation;
  readonly bias: BiasKind;
}

/** The domain of a layer's output: unbounded when linear or tanh, else non-negative (ReLU, sigmoid). */
export function activationDomain(activation: Activation): Domain {
  return activation === "linear" || activation === "tanh" ? "real" : "nonneg";
}

/** The weight of shape `weightShape` and the bias of a layer with `out` outputs. */
export function layerParameters(
  node: LayerFields,
  weightShape: number[],
  out: number,
): ParameterDeclaration[] {
  return [
    { role: "weight", shape: weightShape, init: "truncatedNormal" },
    node.bias === "free"
      ? { role: "bias", shape: [1, out], init: "zero" }
      : { role: "bias", shape: [out], init: "softplusBias" },
  ];
}

/** The effective bias of a layer from its raw bias parameter (null when absent). */
export function biasFromParameter(node: LayerFields, raw: tf.Tensor | undefined): tf.Tensor | null {
  if (!raw) return null;
  return node.bias === "free" ? raw : tf.neg(tf.softplus(raw));
}

/** The effective bias added to the layer's pre-activation, or null when it is zero (absent). */
export function effectiveBias(node: LayerFields, context: ApplyContext): tf.Tensor | null {
  return context.memo(
    `${node.name}.bias`,
    () => biasFromParameter(node, context.optionalParam(`${node.name}.bias`)),
  );
}

/**
 * act(linear(input) + bias): with `fused` when no hook replaces the activation and it is
 * ReLU or linear (one fused kernel), else `plain` then the bias and the activation.
 */
export function applyLayer(
  node: LayerFields,
  context: ApplyContext,
  fused: (bias: tf.Tensor | undefined, activation: "relu" | "linear") => tf.Tensor,
  plain: () => tf.Tensor,
): tf.Tensor {
  const bias = effectiveBias(node, context) ?? undefined;
  const fusable = node.activation === "relu" || node.activation === "linear";
  if (!context.hooked && fusable) {
    return fused(bias, node.activation === "relu" ? "relu" : "linear");
  }
  const pre = plain();
  return context.activate(node.activation, bias ? tf.add(pre, bias) : pre);
}
