/**
 * Relevance through (scaled) average pooling by proportional redistribution
 * (`rel_prop` of the original code, THESIS_SPEC §4): s = R / (a + ε),
 * c = the adjoint of the pool applied to s, R_in = x ⊙ c. The pool is linear
 * and bias-free, so this conserves relevance up to ε.
 *
 * The adjoint is built here rather than taken from tfjs's `AvgPoolGrad`:
 * with SAME padding tfjs's forward pool divides a border window by its
 * number of valid cells (as TensorFlow does), but its gradient divides every
 * window by the full k×k, so it is not the adjoint of the forward pass at the
 * border (a 7-wide map pooled to 4 loses relevance in its last column). The
 * pool is written as scale · sumPool(x) / count, with sumPool a stride-s
 * convolution with a ones filter applied per channel; its exact adjoint is
 * the transposed convolution.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { PoolNode } from "../cells/spec.ts";
import { averagePool, averagePoolAdjoint, poolWindowCounts, poolWindows } from "../cells/pool.ts";
import { operatorRelevance } from "./flows.ts";
import { POOL_EPSILON } from "./stabilise.ts";

/** The pool of a node, as the engine computes it. */
export function applyPool(node: PoolNode, x: tf.Tensor): tf.Tensor {
  return averagePool(node, x);
}

/** [B, H, W, C] → [B·C, H, W, 1], so that one ones-filter convolution pools every channel. */
function channelsToBatch(x: tf.Tensor): tf.Tensor4D {
  const [B, H, W, C] = x.shape as [number, number, number, number];
  return tf.transpose(x, [0, 3, 1, 2]).reshape([B * C, H, W, 1]);
}

function batchToChannels(x: tf.Tensor, B: number, C: number): tf.Tensor4D {
  const [, H, W] = x.shape as [number, number, number, number];
  return tf.transpose(x.reshape([B, C, H, W]), [0, 2, 3, 1]);
}

/** Repeats every value of [B, h, w, C] over a k×k block: [B, h·k, w·k, C] (concat and reshape only). */
function repeatWindows(s: tf.Tensor4D, k: number): tf.Tensor4D {
  const [B, h, w, C] = s.shape;
  const cols = tf.concat(new Array(k).fill(s.reshape([B, h, w, 1, C])), 3).reshape([
    B,
    h,
    1,
    w * k,
    C,
  ]);
  return tf.concat(new Array(k).fill(cols), 2).reshape([B, h * k, w * k, C]);
}

/**
 * The pool as a linear map: `forward` equals {@link applyPool}; `adjoint` is
 * its exact transpose. Non-overlapping windows (size = stride, the thesis's
 * 2×2 pools) are transposed by repeating each value over its window and
 * cropping the padding; other pools by a transposed
 * convolution with a ones filter.
 */
export function poolOperator(node: PoolNode, inputShape: readonly number[]): {
  forward(x: tf.Tensor): tf.Tensor;
  adjoint(s: tf.Tensor): tf.Tensor;
} {
  const [, H, W, C] = inputShape as [number, number, number, number];
  const k = node.size;
  const sumPool = (v: tf.Tensor4D, filter: tf.Tensor4D) =>
    tf.conv2d(v, filter, node.stride, node.padding);
  return {
    forward: (x) =>
      tf.tidy(() => {
        const filter = tf.ones([k, k, 1, 1]) as tf.Tensor4D;
        const B = x.shape[0];
        const summed = batchToChannels(sumPool(channelsToBatch(x), filter), B, C);
        return tf.div(tf.mul(summed, node.scale), poolWindowCounts(node, H, W));
      }),
    adjoint: (s) =>
      tf.tidy(() => {
        const B = s.shape[0];
        const scaled = tf.div(tf.mul(s, node.scale), poolWindowCounts(node, H, W)) as tf.Tensor4D;
        if (node.size === node.stride && k > 1) {
          const repeated = repeatWindows(scaled, k);
          const top = poolWindows(H, node).before;
          const left = poolWindows(W, node).before;
          return tf.slice(repeated, [0, top, left, 0], [B, H, W, C]);
        }
        const filter = tf.ones([k, k, 1, 1]) as tf.Tensor4D;
        const back = tf.conv2dTranspose(
          channelsToBatch(scaled),
          filter,
          [B * C, H, W, 1],
          node.stride,
          node.padding,
        );
        return batchToChannels(back, B, C);
      }),
  };
}

/**
 * Redistributes the relevance `R` of the pool output `a = pool(x)` onto `x`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { poolRelevance } from "./pool.ts";
 * const node = { op: "pool", name: "p", input: "c", size: 2, stride: 2, padding: "same", scale: 2 } as const;
 * const x = tf.tensor4d([1, 3], [1, 1, 2, 1]);
 * const r = poolRelevance(node, x, tf.tensor4d([4], [1, 1, 1, 1]), tf.tensor4d([2], [1, 1, 1, 1]));
 * // r ≈ [0.5, 1.5]
 * ```
 */
export function poolRelevance(
  node: PoolNode,
  x: tf.Tensor,
  a: tf.Tensor,
  R: tf.Tensor,
  epsilon: number = POOL_EPSILON,
): tf.Tensor {
  // The engine's pool adjoint (one scaling and tfjs's pooling gradient) equals
  // poolOperator(node, x.shape).adjoint(s) and needs no padded copies.
  return operatorRelevance((s, input) => averagePoolAdjoint(node, s, input), x, a, R, epsilon);
}
