/**
 * The pool node kind: (scaled) average pooling with TensorFlow's padding
 * conventions (the arithmetic is in `../pool.ts`).
 *
 * @module
 */
import { averagePool, averagePoolAdjoint, type PoolWindow } from "../pool.ts";
import type { NodeKind } from "./kind.ts";
import { domainOf, singleValue } from "./values.ts";

/**
 * Average pooling multiplied by `scale`. The original code multiplies a 2×2
 * SAME average pool by 2 (not 4); at SAME borders the average is over the
 * valid cells only.
 */
export interface PoolNode extends PoolWindow {
  readonly op: "pool";
  readonly name: string;
  readonly input: string;
}

/** The pool kind: a fixed non-negative linear operator for relevance. */
export const poolKind: NodeKind<PoolNode> = {
  op: "pool",
  inputs: (node) => [node.input],
  infer(node, [input], fail) {
    if (input.shape.length !== 3) fail(`expects an H×W×C input, got shape [${input.shape}]`);
    const out = (n: number) =>
      node.padding === "same"
        ? Math.ceil(n / node.stride)
        : Math.floor((n - node.size) / node.stride) + 1;
    return singleValue(
      node.name,
      [out(input.shape[0]), out(input.shape[1]), input.shape[2]],
      domainOf(input),
    );
  },
  apply: (node, [x]) => averagePool(node, x),
  relevance: (node) => ({
    flow: "operator",
    input: node.input,
    adjoint: (s, input) => averagePoolAdjoint(node, s, input),
  }),
};
