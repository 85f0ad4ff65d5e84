/**
 * The data that describes a recurrent cell. A cell is described once, as a
 * per-step graph of small nodes plus an output graph evaluated after the last
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

/**
 * The value domain of a tensor, which decides the relevance rule of the layer
 * that reads it: `pixels` are bounded in [low, high], `nonneg` are ReLU/sigmoid
 * outputs (≥ 0), `real` are unbounded.
 */
export type Domain = "pixels" | "nonneg" | "real";

/** A contiguous part of a tensor's last axis (features or channels) with one domain. */
export interface Segment {
  /** The node, state or input the part comes from. */
  from: string;
  /** Its size along the last axis. */
  size: number;
  /** Its value domain. */
  domain: Domain;
  /** Lower bound (pixels only). */
  low?: number;
  /** Upper bound (pixels only). */
  high?: number;
}

/** An element-wise activation. */
export type Activation = "relu" | "sigmoid" | "linear";

/**
 * How a layer's bias is parameterised: `negsoftplus` is the effective bias
 * −softplus(b) (kept ≤ 0, for deep Taylor), `free` is a plain trainable bias of
 * shape [1, N] (R-LSTM gates; the original code counts it as one parameter).
 */
export type BiasKind = "negsoftplus" | "free";

/** A fully connected layer: act(x·W + bias). */
export interface DenseNode {
  op: "dense";
  name: string;
  input: string;
  units: number;
  activation: Activation;
  bias: BiasKind;
}

/** A 2-D convolution with stride 1: act(conv(x, W) + bias). Input is NHWC. */
export interface ConvNode {
  op: "conv";
  name: string;
  input: string;
  kernel: [number, number];
  filters: number;
  padding: "same" | "valid";
  activation: Activation;
  bias: BiasKind;
}

/**
 * Average pooling multiplied by `scale`. The original code multiplies a 2×2
 * SAME average pool by 2 (not 4); at SAME borders the average is over the
 * valid cells only.
 */
export interface PoolNode {
  op: "pool";
  name: string;
  input: string;
  size: number;
  stride: number;
  padding: "same" | "valid";
  scale: number;
}

/** Flattens everything but the batch axis. */
export interface FlattenNode {
  op: "flatten";
  name: string;
  input: string;
}

/** Concatenates its inputs along the last axis (features or channels). */
export interface ConcatNode {
  op: "concat";
  name: string;
  inputs: string[];
}

/**
 * Inverted dropout (keep probability from the model options). `step` draws a
 * fresh mask at every step; `stationary` draws one mask per sequence and
 * reuses it at every step. Identity at evaluation.
 */
export interface DropoutNode {
  op: "dropout";
  name: string;
  input: string;
  mode: "step" | "stationary";
}

/** The LSTM memory update c = keep ⊙ prev + write ⊙ candidate. */
export interface GatedSumNode {
  op: "gatedSum";
  name: string;
  keep: string;
  prev: string;
  write: string;
  candidate: string;
}

/** A multiplicative gate: gate ⊙ value (the LSTM output h = o ⊙ c). */
export interface GateNode {
  op: "gate";
  name: string;
  gate: string;
  value: string;
}

/** Any node of a cell graph. */
export type CellNode =
  | DenseNode
  | ConvNode
  | PoolNode
  | FlattenNode
  | ConcatNode
  | DropoutNode
  | GatedSumNode
  | GateNode;

/** A recurrent state: zeros at t = 0, then the value of node `next` of the previous step. */
export interface StateSpec {
  name: string;
  next: string;
  /** Per-sample shape (without the batch axis). */
  shape: number[];
}

/** Every cell id of the thesis. */
export const CELL_IDS = [
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

/** A cell id. */
export type CellId = typeof CELL_IDS[number];

/** A complete cell description for one sequence length. */
export interface CellSpec {
  /** Cell id (see `CELL_IDS`). */
  id: CellId;
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

/** The names a node reads. */
export function nodeInputs(node: CellNode): string[] {
  switch (node.op) {
    case "concat":
      return node.inputs;
    case "gatedSum":
      return [node.keep, node.prev, node.write, node.candidate];
    case "gate":
      return [node.gate, node.value];
    default:
      return [node.input];
  }
}

/** Whether a node owns trainable parameters. */
export function hasParameters(node: CellNode): node is DenseNode | ConvNode {
  return node.op === "dense" || node.op === "conv";
}
