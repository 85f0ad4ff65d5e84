/**
 * The concat node kind: its inputs side by side along the last axis.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { NodeKind } from "./kind.ts";
import { sameShape } from "./values.ts";

/** Concatenates its inputs along the last axis (features or channels). */
export interface ConcatNode {
  readonly op: "concat";
  readonly name: string;
  readonly inputs: string[];
}

/** The concat kind: the segments of its inputs, in order. */
export const concatKind: NodeKind<ConcatNode> = {
  op: "concat",
  inputs: (node) => node.inputs,
  infer(node, parts, fail) {
    const rank = parts[0].shape.length;
    for (const p of parts) {
      if (
        p.shape.length !== rank || !sameShape(p.shape.slice(0, -1), parts[0].shape.slice(0, -1))
      ) {
        fail(`inputs ${node.inputs.join(", ")} differ in shape except the last axis`);
      }
    }
    return {
      shape: [...parts[0].shape.slice(0, -1), parts.reduce((a, p) => a + p.shape[rank - 1], 0)],
      segments: parts.flatMap((p) => p.segments),
    };
  },
  apply: (_node, inputs) => tf.concat(inputs, -1),
  relevance: (node) => ({ flow: "split", inputs: node.inputs }),
};
