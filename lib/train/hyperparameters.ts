/**
 * The optimisation settings of the thesis (THESIS_SPEC §3): Adam with
 * TensorFlow's defaults, batch size 50, dropout keep probability 0.8, and the
 * learning rate of each run.
 *
 * @module
 */

/** Mini-batch size of every run. */
export const BATCH_SIZE = 50;

/** Dropout keep probability in training. */
export const KEEP_PROB = 0.8;

/** Adam's settings (TensorFlow 1 defaults). */
export interface AdamConfig {
  /** Step size. */
  learningRate: number;
  /** Decay of the first-moment estimate. */
  beta1: number;
  /** Decay of the second-moment estimate. */
  beta2: number;
  /** Added to the root of the second moment. */
  epsilon: number;
}

/** β₁ 0.9, β₂ 0.999, ε 1e-8 (`tf.train.AdamOptimizer` defaults). */
export const ADAM_DEFAULTS: Omit<AdamConfig, "learningRate"> = {
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
};

/** The learning rate of every run except Shallow on MNIST at T = 7. */
export const DEFAULT_LEARNING_RATE = 0.0002;

/**
 * The learning rate the thesis's runs used: 0.0002, except Shallow on MNIST
 * with T = 7, which used 0.0001.
 *
 * @example
 * ```ts
 * import { learningRate } from "./hyperparameters.ts";
 * if (learningRate("shallow", "mnist", 7) !== 0.0001) throw new Error();
 * if (learningRate("deep", "mnist-maj", 12) !== 0.0002) throw new Error();
 * ```
 */
export function learningRate(cell: string, dataset: string, T: number): number {
  if (cell === "shallow" && dataset === "mnist" && T === 7) return 0.0001;
  return DEFAULT_LEARNING_RATE;
}
