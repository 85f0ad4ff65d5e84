/**
 * Step programs: what the unroller (`unroll.ts`) runs at every time step. A
 * program lists the step nodes run once over all steps stacked along the batch
 * axis (the state-free ones, "hoisted") and the items run at every step. The
 * reference program is the trivial one, one item per node applied by its kind;
 * the fast program (`fast_program.ts`) is a compiler pass over it.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import type { CellGraph } from "./graph.ts";
import { kindOf } from "./nodes/registry.ts";
import type { RunContext } from "./run_context.ts";
import type { CellNode, CellSpec } from "./spec.ts";

/** What a program item may use when it is prepared for one evaluation. */
export interface ProgramEnvironment {
  /** The evaluation. */
  context: RunContext;
  /** Number of steps. */
  T: number;
  /** Samples per step. */
  B: number;
  /** The value of a hoisted node (or `x`) over all steps stacked, t-major, or undefined. */
  hoisted(name: string): tf.Tensor | undefined;
  /** Whether a name is a recurrent state (zeros at step 0). */
  isState(name: string): boolean;
}

/** The values of one step: read by name, defined by name. */
export interface StepValues {
  get(name: string): tf.Tensor;
  set(name: string, value: tf.Tensor): void;
}

/** One item of a step program. */
export interface ProgramItem {
  /** The step node this item applies, for items of one node (the reference items). */
  readonly node?: CellNode;
  /** Prepares the item for one evaluation; the result runs it at step t. */
  prepare(env: ProgramEnvironment): (t: number, values: StepValues) => void;
}

/** A step program. */
export interface StepProgram {
  /** Step nodes run once over all steps stacked along the batch axis, in order. */
  hoisted: CellNode[];
  /** The items run at every step, in order. */
  step: ProgramItem[];
}

/** The trivial item of a node: its kind's forward pass on its input values. */
export function nodeItem(node: CellNode): ProgramItem {
  const kind = kindOf(node);
  const inputs = kind.inputs(node);
  return {
    node,
    prepare: (env) => (t, values) =>
      values.set(node.name, kind.apply(node, inputs.map(values.get), env.context.at(`${t}`))),
  };
}

/**
 * The reference program: every step node applied by its kind, one item per node; with
 * `hoist` the state-free nodes run once over all steps instead.
 *
 * @example
 * ```ts
 * import { analyseCell, buildCell } from "./mod.ts";
 * import { referenceProgram } from "./step_program.ts";
 * const spec = buildCell("deep", 4);
 * const program = referenceProgram(spec, analyseCell(spec), true);
 * program.hoisted.map((n) => n.name); // ["in1"]
 * ```
 */
export function referenceProgram(spec: CellSpec, graph: CellGraph, hoist: boolean): StepProgram {
  const hoisted = hoist ? spec.step.filter((n) => graph.stateFree.has(n.name)) : [];
  const step = spec.step.filter((n) => !hoisted.includes(n)).map(nodeItem);
  return { hoisted, step };
}
