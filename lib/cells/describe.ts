/**
 * A cell of your own, described as data: the step graph, the states, the
 * output graph and the sequence length; the image geometry is filled in and
 * the description is analysed (so a mistake fails here, naming the node).
 * The catalogue builds its cells the same way. A described cell trains
 * (`trainModel`), runs every explanation method and is checked for
 * conservation like the catalogue's.
 *
 * @module
 */
import { CellSpecError } from "./errors.ts";
import { analyseCell } from "./graph.ts";
import type { CellNode, CellSpec, StateSpec } from "./spec.ts";

/** Image width for a sequence length: 84 (three MNIST digits, MAJ) for T = 12, else 28. */
export function widthForLength(T: number): number {
  return T === 12 ? 84 : 28;
}

/** What describes a cell; the rest of its {@link CellSpec} follows from it. */
export interface CellDescription {
  /** Its id (any name for a cell of your own). */
  id: string;
  /** Display name (default: the id). */
  label?: string;
  /** Number of time steps. */
  T: number;
  /** Image width (default 84 at T = 12, the MAJ sequences, else 28). */
  width?: number;
  /** `flat` (default): x_t is the 28×c block flattened row-major; `image`: a 28×c×1 block. */
  input?: "flat" | "image";
  /** Recurrent states (zeros at t = 0). */
  states: StateSpec[];
  /** The per-step graph, in evaluation order; it reads `x`, the states and earlier nodes. */
  step: CellNode[];
  /** The graph after the last step, in evaluation order. */
  output: CellNode[];
  /** The output node holding the 10 logits. */
  logits: string;
  /** Remarks shown in docs. */
  notes?: string[];
}

/**
 * The full description of a cell, checked by the analysis.
 *
 * @example
 * ```ts
 * import { describeCell } from "./describe.ts";
 * // An Elman network: h = tanh([x, h′]·W + b), logits h_T·W_out + b_out.
 * const elman = describeCell({
 *   id: "elman",
 *   T: 7,
 *   states: [{ name: "h_prev", next: "h", shape: [64] }],
 *   step: [
 *     { op: "concat", name: "xh", inputs: ["x", "h_prev"] },
 *     { op: "dense", name: "h", input: "xh", units: 64, activation: "tanh", bias: "free" },
 *   ],
 *   output: [{ op: "dense", name: "out", input: "h", units: 10, activation: "linear", bias: "free" }],
 *   logits: "out",
 * });
 * elman.columns; // 4
 * ```
 */
export function describeCell(d: CellDescription): CellSpec {
  const width = d.width ?? widthForLength(d.T);
  if (!Number.isInteger(d.T) || d.T < 1 || width % d.T !== 0) {
    throw new CellSpecError(`${d.id}: T = ${d.T} must be a positive divisor of the width ${width}`);
  }
  const spec: CellSpec = {
    id: d.id,
    label: d.label ?? d.id,
    T: d.T,
    height: 28,
    width,
    columns: width / d.T,
    input: d.input ?? "flat",
    pixelBounds: [-1, 1],
    states: d.states,
    step: d.step,
    output: d.output,
    logits: d.logits,
    notes: d.notes ?? [],
  };
  analyseCell(spec);
  return spec;
}
