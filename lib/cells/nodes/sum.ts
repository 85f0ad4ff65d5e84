/**
 * The sum node kind: the element-wise sum of values of one shape (the GRU
 * candidate's pre-activation W_in·x + b_in + r ⊙ (W_hn·h + b_hn)).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { NodeKind } from "./kind.ts";
import { sameShape, singleValue } from "./values.ts";

/** The element-wise sum of `terms` (all of one shape). */
export interface SumNode {
  readonly op: "sum";
  readonly name: string;
  readonly terms: string[];
}

/** The sum kind: for relevance, a sum of ungated terms, split in proportion to the terms. */
export const sumKind: NodeKind<SumNode> = {
  op: "sum",
  inputs: (node) => node.terms,
  infer(node, terms, fail) {
    if (terms.length === 0) fail("needs at least one term");
    if (!terms.every((t) => sameShape(t.shape, terms[0].shape))) {
      fail("all terms must have the same shape");
    }
    const nonneg = terms.every((t) => t.segments.every((s) => s.domain !== "real"));
    return singleValue(node.name, terms[0].shape, nonneg ? "nonneg" : "real");
  },
  apply: (_node, terms) => (terms.length === 1 ? tf.clone(terms[0]) : tf.addN(terms)),
  relevance: (node) => ({ flow: "products", terms: node.terms.map((value) => ({ value })) }),
};
