/**
 * The data that describes a recurrent cell. A cell is described once, as a
 * per-step graph of small nodes (of the kinds in `nodes/`) plus an output graph evaluated after the last
 * step; the engine (`engine.ts`) runs it for training and inference, the
 * parameter count (`parameters.ts`) and relevance propagation walk the same
 * description.
 *
 * Names inside a step graph refer to, in order: the step input `x`, a state
 * (the value carried in from the previous step, zeros at t = 0), or a node
 * defined earlier in the same step. Names in the output graph refer to the
 * last step's nodes and to earlier output nodes.
 *
 * @module
 */
import type { ConcatNode } from "./nodes/concat.ts";
import type { ConvNode } from "./nodes/conv.ts";
import type { DenseNode } from "./nodes/dense.ts";
import type { DropoutNode } from "./nodes/dropout.ts";
import type { FlattenNode } from "./nodes/flatten.ts";
import type { GateNode } from "./nodes/gate.ts";
import type { GatedSumNode } from "./nodes/gated_sum.ts";
import type { InterpolateNode } from "./nodes/interpolate.ts";
import type { PoolNode } from "./nodes/pool.ts";
import type { SumNode } from "./nodes/sum.ts";
import type { TanhNode } from "./nodes/tanh.ts";

export type { Domain, Segment } from "./nodes/values.ts";
export type { Activation, NodeDescription } from "./nodes/kind.ts";
export type { BiasKind } from "./nodes/linear_layer.ts";
export type { DenseNode } from "./nodes/dense.ts";
export type { ConvNode } from "./nodes/conv.ts";
export type { PoolNode } from "./nodes/pool.ts";
export type { FlattenNode } from "./nodes/flatten.ts";
export type { ConcatNode } from "./nodes/concat.ts";
export type { DropoutNode } from "./nodes/dropout.ts";
export type { GatedSumNode } from "./nodes/gated_sum.ts";
export type { GateNode } from "./nodes/gate.ts";
export type { TanhNode } from "./nodes/tanh.ts";
export type { SumNode } from "./nodes/sum.ts";
export type { InterpolateNode } from "./nodes/interpolate.ts";

/**
 * A node of a kind registered from elsewhere (`registerNodeKind`): its kind,
 * its name and the fields its kind reads.
 */
export interface ExtensionNode {
  readonly op: string;
  readonly name: string;
  readonly [field: string]: unknown;
}

/**
 * Any node of a cell graph: one of the built-in kinds (see `nodes/`), or a node
 * of a registered kind.
 */
export type CellNode =
  | DenseNode
  | ConvNode
  | PoolNode
  | FlattenNode
  | ConcatNode
  | DropoutNode
  | GatedSumNode
  | GateNode
  | TanhNode
  | SumNode
  | InterpolateNode
  | ExtensionNode;

/** A recurrent state: zeros at t = 0, then the value of node `next` of the previous step. */
export interface StateSpec {
  name: string;
  next: string;
  /** Per-sample shape (without the batch axis). */
  shape: number[];
}

/** The cells of the thesis. */
export const THESIS_CELL_IDS = [
  "shallow",
  "deep",
  "deepv2",
  "convdeep",
  "deep-sd",
  "rlstm",
  "rlstm-sd",
  "convrlstm-sd",
  "conv+deep",
  "conv+rlstm-sd",
  "lenet5",
] as const;

/** Standard recurrent cells beside the thesis's own: the LSTM and the GRU. */
export const STANDARD_CELL_IDS = ["lstm", "gru"] as const;

/** Every cell id of the catalogue: the thesis cells, then the standard ones. */
export const CELL_IDS = [...THESIS_CELL_IDS, ...STANDARD_CELL_IDS] as const;

/** A cell id. */
export type CellId = typeof CELL_IDS[number];

/** A complete cell description for one sequence length. */
export interface CellSpec {
  /** Cell id: one of `CELL_IDS` for the catalogue's cells, any name for a cell of your own. */
  id: string;
  /** Display name as in the thesis. */
  label: string;
  /** Number of time steps. */
  T: number;
  /** Image height (28). */
  height: number;
  /** Image width (28, or 84 for MAJ sequences). */
  width: number;
  /** Columns per step, width / T. */
  columns: number;
  /** `flat`: x_t is the 28×c block flattened row-major; `image`: a 28×c×1 block. */
  input: "flat" | "image";
  /** Bounds of the pixel domain (the data are scaled to [−1, 1]). */
  pixelBounds: [number, number];
  /** Recurrent states. */
  states: StateSpec[];
  /** The per-step graph, in evaluation order. */
  step: CellNode[];
  /** The graph evaluated once after the last step, in evaluation order. */
  output: CellNode[];
  /** The output-graph node that holds the 10 logits. */
  logits: string;
  /** Where this description departs from or interprets the original; shown in docs. */
  notes: string[];
}
