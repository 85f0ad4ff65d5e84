/**
 * The interpolate node kind: (1 − gate) ⊙ from + gate ⊙ to, the GRU state update
 * h = (1 − z) ⊙ n + z ⊙ h′ (PyTorch's convention: z keeps the previous state h′).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { NodeKind } from "./kind.ts";
import { domainOf, sameShape, singleValue } from "./values.ts";

/** (1 − gate) ⊙ from + gate ⊙ to, with `gate` in [0, 1]. */
export interface InterpolateNode {
  readonly op: "interpolate";
  readonly name: string;
  readonly gate: string;
  readonly from: string;
  readonly to: string;
}

/**
 * The interpolate kind: for relevance, a sum of two gated products (gate 1 − z and z),
 * split in proportion to the terms; the gate gets none.
 */
export const interpolateKind: NodeKind<InterpolateNode> = {
  op: "interpolate",
  inputs: (node) => [node.gate, node.from, node.to],
  infer(node, [gate, from, to], fail) {
    if (!sameShape(gate.shape, from.shape) || !sameShape(from.shape, to.shape)) {
      fail("gate, from and to must have the same shape");
    }
    const nonneg = domainOf(from) !== "real" && domainOf(to) !== "real";
    return singleValue(node.name, from.shape, nonneg ? "nonneg" : "real");
  },
  apply: (_node, [gate, from, to]) => tf.add(from, tf.mul(gate, tf.sub(to, from))),
  applyWithZeros(node, [gate, from, to], context) {
    if (to === null) return tf.mul(tf.sub(1, gate!), from!);
    if (from === null) return tf.mul(gate!, to);
    return interpolateKind.apply(node, [gate!, from, to], context);
  },
  relevance: (node) => ({
    flow: "products",
    terms: [
      { gate: node.gate, complement: true, value: node.from },
      { gate: node.gate, value: node.to },
    ],
  }),
};
