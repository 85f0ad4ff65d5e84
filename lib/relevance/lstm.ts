/**
 * Relevance through the R-LSTM memory (THESIS_SPEC §4, "R-LSTM family"):
 * for c = keep ⊙ prev + write ⊙ candidate, p = keep ⊙ prev / (c + ε) of the
 * relevance goes to the previous memory and (1 − p) to the candidate, passing
 * the write gate unchanged; for h = gate ⊙ value all relevance goes to the
 * value. Gates are treated as constants and receive none (Arras et al.).
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import { productsRelevance } from "./flows.ts";
import { LSTM_EPSILON } from "./stabilise.ts";

/** The relevance of the previous memory and of the candidate. */
export interface GatedSumRelevance {
  /** p ⊙ R, for the previous memory. */
  prev: tf.Tensor;
  /** (1 − p) ⊙ R, for the candidate. */
  candidate: tf.Tensor;
}

/**
 * Splits the relevance `R` of c = keep ⊙ prev + write ⊙ candidate.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { gatedSumRelevance } from "./lstm.ts";
 * const r = gatedSumRelevance(tf.tensor1d([0.5]), tf.tensor1d([2]), tf.tensor1d([4]), tf.tensor1d([8]));
 * // p = 0.5·2/4 = 0.25: prev 2, candidate 6
 * ```
 */
export function gatedSumRelevance(
  keep: tf.Tensor,
  prev: tf.Tensor,
  c: tf.Tensor,
  R: tf.Tensor,
  epsilon: number = LSTM_EPSILON,
): GatedSumRelevance {
  const [toPrev, toCandidate] = productsRelevance([[keep, prev]], c, R, epsilon);
  return { prev: toPrev, candidate: toCandidate };
}
