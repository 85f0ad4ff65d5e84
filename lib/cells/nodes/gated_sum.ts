/**
 * The gatedSum node kind: the LSTM memory update c = keep ⊙ prev + write ⊙ candidate.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { NodeKind } from "./kind.ts";
import { domainOf, sameShape, singleValue } from "./values.ts";

/** The LSTM memory update c = keep ⊙ prev + write ⊙ candidate. */
export interface GatedSumNode {
  readonly op: "gatedSum";
  readonly name: string;
  readonly keep: string;
  readonly prev: string;
  readonly write: string;
  readonly candidate: string;
}

/** The gatedSum kind: for relevance, a sum of two gated products (the gates get none). */
export const gatedSumKind: NodeKind<GatedSumNode> = {
  op: "gatedSum",
  inputs: (node) => [node.keep, node.prev, node.write, node.candidate],
  infer(node, operands, fail) {
    const [, prev] = operands;
    if (!operands.every((p) => sameShape(p.shape, prev.shape))) {
      fail("all operands must have the same shape");
    }
    const nonneg = operands.every((p) => domainOf(p) !== "real");
    return singleValue(node.name, prev.shape, nonneg ? "nonneg" : "real");
  },
  apply: (_node, [keep, prev, write, candidate]) =>
    tf.add(tf.mul(keep, prev), tf.mul(write, candidate)),
  applyWithZeros: (node, [keep, prev, write, candidate], context) =>
    prev === null || keep === null
      ? tf.mul(write!, candidate!)
      : gatedSumKind.apply(node, [keep, prev, write!, candidate!], context),
  relevance: (node) => ({
    flow: "products",
    terms: [{ gate: node.keep, value: node.prev }, { gate: node.write, value: node.candidate }],
  }),
};
