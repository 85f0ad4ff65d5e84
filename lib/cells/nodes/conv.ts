/**
 * The conv node kind: a 2-D convolution with stride 1, act(conv(x, W) + bias), NHWC.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { ApplyContext, NodeKind } from "./kind.ts";
import {
  activationDomain,
  applyLayer,
  biasFromParameter,
  type LayerFields,
  layerParameters,
} from "./linear_layer.ts";
import { singleValue } from "./values.ts";

/** A 2-D convolution with stride 1: act(conv(x, W) + bias). Input is NHWC. */
export interface ConvNode extends LayerFields {
  readonly op: "conv";
  readonly kernel: [number, number];
  readonly filters: number;
  readonly padding: "same" | "valid";
}

function outputSize(size: number, k: number, padding: "same" | "valid"): number {
  return padding === "same" ? size : size - k + 1;
}

/**
 * act(conv(x, filter) + bias) of a conv node with the given filter (one fused kernel
 * where no hook replaces the activation); the fast path's conv groups pass a part of it.
 */
export function convolve(
  node: ConvNode,
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  context: ApplyContext,
): tf.Tensor {
  const pad = node.padding;
  return applyLayer(
    node,
    context,
    (bias, activation) => tf.fused.conv2d({ x, filter, strides: 1, pad, bias, activation }),
    () => tf.conv2d(x, filter, 1, pad),
  );
}

/** The conv kind. */
export const convKind: NodeKind<ConvNode> = {
  op: "conv",
  inputs: (node) => [node.input],
  infer(node, [input], fail) {
    if (input.shape.length !== 3) fail(`expects an H×W×C input, got shape [${input.shape}]`);
    const [h, w] = input.shape;
    const shape = [
      outputSize(h, node.kernel[0], node.padding),
      outputSize(w, node.kernel[1], node.padding),
      node.filters,
    ];
    if (shape[0] <= 0 || shape[1] <= 0) fail(`kernel larger than its ${h}×${w} input`);
    return singleValue(node.name, shape, activationDomain(node.activation));
  },
  parameters: (node, [input]) =>
    layerParameters(node, [...node.kernel, input.shape[2], node.filters], node.filters),
  apply: (node, [x], context) =>
    convolve(node, x as tf.Tensor4D, context.param(`${node.name}.weight`) as tf.Tensor4D, context),
  relevance: (node) => ({
    flow: "linear",
    input: node.input,
    weight: `${node.name}.weight`,
    map: { kind: "conv", padding: node.padding },
    bias: (param) => biasFromParameter(node, param(`${node.name}.bias`)),
  }),
};
