/**
 * The dropout node kind: inverted dropout in training, the identity in evaluation.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { NodeKind } from "./kind.ts";

/**
 * Inverted dropout (keep probability from the model options). `step` draws a
 * fresh mask at every step; `stationary` draws one mask per sequence and
 * reuses it at every step. Identity at evaluation.
 */
export interface DropoutNode {
  readonly op: "dropout";
  readonly name: string;
  readonly input: string;
  readonly mode: "step" | "stationary";
}

/** The dropout kind: the value and segments of its input. */
export const dropoutKind: NodeKind<DropoutNode> = {
  op: "dropout",
  inputs: (node) => [node.input],
  infer: (_node, [input]) => ({ shape: input.shape, segments: input.segments }),
  apply(node, [x], context) {
    const mask = context.dropoutMask(node, x.shape.slice(1).reduce((a, b) => a * b, 1));
    return mask ? tf.mul(x, tf.tensor(mask, x.shape, "float32")) : x;
  },
  relevance: (node) => ({ flow: "reshape", input: node.input }),
};
