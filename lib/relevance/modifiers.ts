/**
 * The small pieces rules are built from: input modifiers (the layer input
 * itself, its lower or upper bound, ones) and weight modifiers (the weights,
 * their positive or negative part, their square). A rule only chooses among
 * them; the mechanism in `linear.ts` does the rest.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { InputBlock } from "./input_block.ts";

/** Maps a block of the layer input to the tensor a rule term uses in its place. */
export interface InputModifier {
  /** Short name, also the cache key. */
  readonly name: string;
  /** The modified input for `block` (same shape as `x`, the block's slice of the input). */
  apply(x: tf.Tensor, block: InputBlock): tf.Tensor;
  /**
   * For inputs that are one constant everywhere (bounds, ones): that constant.
   * The mechanism then computes the term once for all samples.
   */
  constant?(block: InputBlock): number;
}

/** Maps the weights (rows or input channels of one block) to the weights a rule term uses. */
export interface WeightModifier {
  /** Short name, also the cache key. */
  readonly name: string;
  /** The modified weights. */
  apply(w: tf.Tensor): tf.Tensor;
}

function bound(block: InputBlock, which: "low" | "high"): number {
  const v = block[which];
  if (v === undefined) {
    throw new RangeError(
      `input block from ${block.sources.join(", ")} (${block.domain}) has no ${which} bound`,
    );
  }
  return v;
}

/** The input as it is (x_j). */
export const inputValue: InputModifier = { name: "x", apply: (x) => x };

/** The block's lower bound l at every position (the z^β root point for w ≥ 0). */
export const lowBound: InputModifier = {
  name: "low",
  apply: (x, block) => tf.fill(x.shape, bound(block, "low")),
  constant: (block) => bound(block, "low"),
};

/** The block's upper bound h at every position (the z^β root point for w ≤ 0). */
export const highBound: InputModifier = {
  name: "high",
  apply: (x, block) => tf.fill(x.shape, bound(block, "high")),
  constant: (block) => bound(block, "high"),
};

/** Ones at every position (w² rule: the relevance does not depend on the input). */
export const ones: InputModifier = {
  name: "ones",
  apply: (x) => tf.onesLike(x),
  constant: () => 1,
};

/** The weights as they are (w). */
export const weightValue: WeightModifier = { name: "w", apply: (w) => w };

/** The positive part w⁺ = max(0, w). */
export const positivePart: WeightModifier = { name: "w+", apply: (w) => tf.relu(w) };

/** The negative part w⁻ = min(0, w). */
export const negativePart: WeightModifier = { name: "w-", apply: (w) => tf.minimum(w, 0) };

/** The squared weights w². */
export const squared: WeightModifier = { name: "w2", apply: (w) => tf.square(w) };

/** The positive part of the input, x⁺ = max(0, x) (LRP-γ on real inputs). */
export const positiveInput: InputModifier = { name: "x+", apply: (x) => tf.relu(x) };

/** The negative part of the input, x⁻ = min(0, x) (LRP-γ on real inputs). */
export const negativeInput: InputModifier = { name: "x-", apply: (x) => tf.minimum(x, 0) };

/** Ones in place of the weights (the flat rule). */
export const unitWeights: WeightModifier = { name: "1", apply: (w) => tf.onesLike(w) };
