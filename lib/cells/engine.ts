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
 * The pieces, one file each: `step_inputs.ts` (images split into step inputs),
 * `dropout_masks.ts` (the masks), `hoisting.ts` (running state-free nodes over all
 * steps at once), `evaluator.ts` (applying one node), `step_program.ts` (planning the
 * fast path), `fast_evaluation.ts` (running it) and `reference_evaluation.ts` (node by
 * node, with the recording behind `traceForward`).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { evaluateFast } from "./fast_evaluation.ts";
import type { CellModel } from "./model.ts";
import { evaluate } from "./reference_evaluation.ts";

export { stepInputShape, toSteps } from "./step_inputs.ts";

/** Replacement activations, e.g. guided ReLU for guided backprop. */
export interface ActivationHooks {
  relu?: (x: tf.Tensor) => tf.Tensor;
  sigmoid?: (x: tf.Tensor) => tf.Tensor;
}

/** How to run a model. */
export interface RunOptions {
  /** Training mode applies dropout (default false). */
  training?: boolean;
  /** Seed of the dropout masks (training only; default 0). */
  seed?: number;
  /** Activation replacements (default: the plain functions). */
  hooks?: ActivationHooks;
  /** Run state-free nodes once over all steps (default true). */
  hoist?: boolean;
}

/**
 * Every value of one evaluation: per step the step input `x`, the states as
 * they enter the step and every step node; then every output node.
 */
export interface Trace {
  steps: Record<string, tf.Tensor>[];
  output: Record<string, tf.Tensor>;
  logits: tf.Tensor2D;
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
  if (opts.hoist === false) return tf.tidy(() => evaluate(model, x, opts, false).logits);
  return tf.tidy(() => evaluateFast(model, x, opts));
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
  return tf.tidy(() => evaluate(model, x, { ...opts, training: false }, true));
}

/** Releases every tensor of a trace. */
export function disposeTrace(trace: Trace): void {
  const all = new Set<tf.Tensor>([trace.logits, ...Object.values(trace.output)]);
  for (const s of trace.steps) for (const v of Object.values(s)) all.add(v);
  for (const v of all) v.dispose();
}
