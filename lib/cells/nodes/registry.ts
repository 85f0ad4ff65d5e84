/**
 * The node-kind registry: every kind a cell description may use, by `op`. The
 * built-in kinds are registered here; a kind defined elsewhere (outside `lib`
 * too) joins with {@link registerNodeKind} and is then analysed, initialised,
 * run on every evaluation path and explained like the built-in ones.
 *
 * @module
 */
import { CellSpecError } from "../errors.ts";
import { concatKind } from "./concat.ts";
import { convKind } from "./conv.ts";
import { denseKind } from "./dense.ts";
import { dropoutKind } from "./dropout.ts";
import { flattenKind } from "./flatten.ts";
import { gateKind } from "./gate.ts";
import { gatedSumKind } from "./gated_sum.ts";
import { interpolateKind } from "./interpolate.ts";
import type { NodeDescription, NodeKind } from "./kind.ts";
import { poolKind } from "./pool.ts";
import { sumKind } from "./sum.ts";
import { tanhKind } from "./tanh.ts";

const kinds = new Map<string, NodeKind>();

/**
 * Makes a node kind available to cell descriptions. Registering an `op` twice
 * is an error (a kind is defined once).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { nodeKind, registerNodeKind } from "./registry.ts";
 * import { singleValue } from "./values.ts";
 * registerNodeKind<{ op: "negate"; name: string; input: string }>({
 *   op: "negate",
 *   inputs: (n) => [n.input],
 *   infer: (n, [x]) => singleValue(n.name, x.shape, "real"),
 *   apply: (_n, [x]) => tf.neg(x),
 *   relevance: (n) => ({ flow: "reshape", input: n.input }),
 * });
 * nodeKind("negate").op; // "negate"
 * ```
 */
export function registerNodeKind<N extends NodeDescription>(kind: NodeKind<N>): void {
  if (kinds.has(kind.op)) {
    throw new CellSpecError(`node kind "${kind.op}" is already registered`);
  }
  kinds.set(kind.op, kind as unknown as NodeKind);
}

/** The kind of nodes with this `op`; an unknown op lists the registered ones. */
export function nodeKind(op: string): NodeKind {
  const kind = kinds.get(op);
  if (!kind) {
    throw new CellSpecError(
      `unknown node kind "${op}"; registered kinds: ${[...kinds.keys()].join(", ")}`,
    );
  }
  return kind;
}

/** The kind of a node. */
export function kindOf(node: NodeDescription): NodeKind {
  return nodeKind(node.op);
}

for (
  const kind of [
    denseKind,
    convKind,
    poolKind,
    flattenKind,
    concatKind,
    dropoutKind,
    gatedSumKind,
    gateKind,
    tanhKind,
    sumKind,
    interpolateKind,
  ] as NodeKind<never>[]
) {
  registerNodeKind(kind);
}
