/**
 * The gate node kind: a multiplicative gate, gate ⊙ value (the LSTM output h = o ⊙ c).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { NodeKind } from "./kind.ts";
import { domainOf, sameShape, singleValue } from "./values.ts";

/** A multiplicative gate: gate ⊙ value (the LSTM output h = o ⊙ c). */
export interface GateNode {
  readonly op: "gate";
  readonly name: string;
  readonly gate: string;
  readonly value: string;
}

/** The gate kind: for relevance, one gated product (all relevance to the value). */
export const gateKind: NodeKind<GateNode> = {
  op: "gate",
  inputs: (node) => [node.gate, node.value],
  infer(node, [gate, value], fail) {
    if (!sameShape(gate.shape, value.shape)) fail("gate and value must have the same shape");
    return singleValue(node.name, value.shape, domainOf(value));
  },
  apply: (_node, [gate, value]) => tf.mul(gate, value),
  relevance: (node) => ({ flow: "products", terms: [{ gate: node.gate, value: node.value }] }),
};
