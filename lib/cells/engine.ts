/**
 * The one engine that runs every cell description: it unrolls the step graph
 * over time, runs the output graph after the last step, applies dropout in
 * training, and can record every intermediate value for relevance
 * propagation.
 *
 * Nodes that do not depend on the recurrent state (the input stack, the whole
 * conv stack of the non-literal conv cells) are run once over all T·B step
 * inputs ("hoisted") instead of once per step; `hoist: false` turns this off
 * (the results are identical, see the tests).
 *
 * `forward` with hoisting (the default) runs a faster program of the same
 * graph: a dense layer over a concatenation becomes one product per
 * concatenated input (the products of state-free inputs are hoisted too, and
 * products of the zero initial state are left out at step 0); layers that read
 * the same concatenation (the four R-LSTM gate layers) share their products,
 * and adjacent layers with one activation are activated, and dropped out,
 * together. `traceForward` and `hoist: false` run node by node. Dropout masks
 * are drawn per node and step from the seed, so every path draws the same
 * masks (see `dropout_masks.ts`).
 *
 * The pieces, one file each: `nodes/` (every node kind: validation, inference,
 * parameters, forward pass, relevance flow; looked up in `nodes/registry.ts`),
 * `step_inputs.ts` (images split into step inputs), `dropout_masks.ts` (the masks),
 * `run_context.ts` (what a node's forward pass may use), `step_program.ts` (the
 * reference program, one item per node), `fast_program.ts` with `dense_groups.ts`,
 * `conv_groups.ts` and `concat_terms.ts` (the compiler pass that gives the fast
 * program), and `unroll.ts` (the one
 * unroller that runs either program, recording the trace for `traceForward`).
 * The run options and the trace are in `run_options.ts` and `trace.ts`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { compileFast } from "./fast_program.ts";
import type { CellModel } from "./model.ts";
import type { RunOptions } from "./run_options.ts";
import type { CellSpec } from "./spec.ts";
import { referenceProgram, type StepProgram } from "./step_program.ts";
import type { Trace } from "./trace.ts";
import { unroll } from "./unroll.ts";

export type { ActivationHooks, RunOptions } from "./run_options.ts";
export { disposeTrace, type Trace } from "./trace.ts";
export { stepInputShape, toSteps } from "./step_inputs.ts";

/** The three programs of a cell: fast, reference with hoisting, reference step by step. */
interface Programs {
  fast: StepProgram;
  hoisted: StepProgram;
  stepwise: StepProgram;
}

const compiled = new WeakMap<CellSpec, Programs>();

function programs(model: CellModel): Programs {
  const { spec, graph } = model;
  let p = compiled.get(spec);
  if (!p) {
    const hoisted = referenceProgram(spec, graph, true);
    p = {
      fast: compileFast(hoisted, spec, graph),
      hoisted,
      stepwise: referenceProgram(spec, graph, false),
    };
    compiled.set(spec, p);
  }
  return p;
}

function checkInput(model: CellModel, x: tf.Tensor): void {
  const { spec } = model;
  const perSample = x.shape.slice(1).reduce((a, b) => a * b, 1);
  if (perSample !== spec.height * spec.width) {
    throw new Error(
      `${spec.id} (T=${spec.T}) expects ${spec.height}×${spec.width} images, got shape [${x.shape}]`,
    );
  }
}

/**
 * The 10 logits of a batch of images [B, 28, W]. Differentiable: use inside
 * `tf.variableGrads` / `tf.grad` for training and gradient methods.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { buildCell, createModel, forward } from "./mod.ts";
 * const model = createModel(buildCell("deep", 4), { seed: 3 });
 * const logits = forward(model, tf.zeros([2, 28, 28]));
 * logits.shape; // [2, 10]
 * ```
 */
export function forward(model: CellModel, x: tf.Tensor, opts: RunOptions = {}): tf.Tensor2D {
  checkInput(model, x);
  const { fast, stepwise } = programs(model);
  const program = opts.hoist === false ? stepwise : fast;
  return tf.tidy(() => unroll(model, x, opts, program, false).logits);
}

/**
 * Runs a batch in evaluation mode (no dropout) and keeps every intermediate
 * value, for relevance propagation. Release it with `disposeTrace`.
 */
export function traceForward(
  model: CellModel,
  x: tf.Tensor,
  opts: Omit<RunOptions, "training"> = {},
): Trace {
  checkInput(model, x);
  const { hoisted, stepwise } = programs(model);
  const program = opts.hoist === false ? stepwise : hoisted;
  return tf.tidy(() => unroll(model, x, { ...opts, training: false }, program, true));
}
