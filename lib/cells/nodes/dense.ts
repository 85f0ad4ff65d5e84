/**
 * The dense node kind: a fully connected layer act(x·W + bias).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { NodeKind } from "./kind.ts";
import {
  activationDomain,
  applyLayer,
  biasFromParameter,
  type LayerFields,
  layerParameters,
} from "./linear_layer.ts";
import { singleValue } from "./values.ts";

/** A fully connected layer: act(x·W + bias). */
export interface DenseNode extends LayerFields {
  readonly op: "dense";
  readonly units: number;
}

/** The dense kind. */
export const denseKind: NodeKind<DenseNode> = {
  op: "dense",
  inputs: (node) => [node.input],
  infer(node, [input], fail) {
    if (input.shape.length !== 1) fail(`expects a vector input, got shape [${input.shape}]`);
    return singleValue(node.name, [node.units], activationDomain(node.activation));
  },
  parameters: (node, [input]) => layerParameters(node, [input.shape[0], node.units], node.units),
  apply(node, [x], context) {
    const w = context.param(`${node.name}.weight`) as tf.Tensor2D;
    return applyLayer(
      node,
      context,
      (bias, activation) => tf.fused.matMul({ a: x as tf.Tensor2D, b: w, bias, activation }),
      () => tf.matMul(x as tf.Tensor2D, w),
    );
  },
  relevance: (node) => ({
    flow: "linear",
    input: node.input,
    weight: `${node.name}.weight`,
    map: { kind: "dense" },
    bias: (param) => biasFromParameter(node, param(`${node.name}.bias`)),
  }),
};
