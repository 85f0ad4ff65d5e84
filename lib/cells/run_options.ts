/**
 * How a model is run: the options every evaluation path shares.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import type { MaskSource } from "./dropout_masks.ts";

/** Replacement activations, e.g. guided ReLU for guided backprop. */
export interface ActivationHooks {
  relu?: (x: tf.Tensor) => tf.Tensor;
  sigmoid?: (x: tf.Tensor) => tf.Tensor;
  tanh?: (x: tf.Tensor) => tf.Tensor;
}

/** How to run a model. */
export interface RunOptions {
  /** Training mode applies dropout (default false). */
  training?: boolean;
  /** Seed of the dropout masks (training only; default 0). */
  seed?: number;
  /** Dropout masks to use in place of those drawn from `seed` (training only). */
  masks?: MaskSource;
  /** Activation replacements (default: the plain functions). */
  hooks?: ActivationHooks;
  /** Run state-free nodes once over all steps (default true). */
  hoist?: boolean;
}
