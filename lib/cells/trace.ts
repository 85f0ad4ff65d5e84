/**
 * A trace: every value of one evaluation, kept for relevance propagation.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";

/**
 * Every value of one evaluation: per step the step input `x`, the states as
 * they enter the step and every step node; then every output node.
 */
export type Trace = {
  steps: Record<string, tf.Tensor>[];
  output: Record<string, tf.Tensor>;
  logits: tf.Tensor2D;
};

/** Releases every tensor of a trace. */
export function disposeTrace(trace: Trace): void {
  const all = new Set<tf.Tensor>([trace.logits, ...Object.values(trace.output)]);
  for (const s of trace.steps) for (const v of Object.values(s)) all.add(v);
  for (const v of all) v.dispose();
}
