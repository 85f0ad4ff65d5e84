/**
 * The tanh node kind: an element-wise tanh (the LSTM cell output tanh(c), the
 * GRU candidate). For relevance it passes through (Arras et al. 2017).
 *
 * @module
 */
import type { NodeKind } from "./kind.ts";
import { singleValue } from "./values.ts";

/** An element-wise tanh of `input`. */
export interface TanhNode {
  readonly op: "tanh";
  readonly name: string;
  readonly input: string;
}

/** The tanh kind: for relevance, a pass-through (the value's relevance goes to its input). */
export const tanhKind: NodeKind<TanhNode> = {
  op: "tanh",
  inputs: (node) => [node.input],
  infer: (node, [input]) => singleValue(node.name, input.shape, "real"),
  apply: (_node, [x], context) => context.activate("tanh", x),
  relevance: (node) => ({ flow: "reshape", input: node.input }),
};
