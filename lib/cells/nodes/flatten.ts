/**
 * The flatten node kind: everything but the batch axis in one axis.
 *
 * @module
 */
import type { NodeKind } from "./kind.ts";
import { domainOf, singleValue } from "./values.ts";

/** Flattens everything but the batch axis. */
export interface FlattenNode {
  readonly op: "flatten";
  readonly name: string;
  readonly input: string;
}

/** The flatten kind. */
export const flattenKind: NodeKind<FlattenNode> = {
  op: "flatten",
  inputs: (node) => [node.input],
  infer(node, [input], fail) {
    if (input.segments.length !== 1) fail("cannot flatten a concatenation of several domains");
    return singleValue(node.name, [input.shape.reduce((a, b) => a * b, 1)], domainOf(input));
  },
  apply: (_node, [x]) => x.reshape([x.shape[0], -1]),
  relevance: (node) => ({ flow: "reshape", input: node.input }),
};
