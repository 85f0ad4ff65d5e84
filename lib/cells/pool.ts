/**
 * The pooling layer of the cells: (scaled) average pooling with TensorFlow's
 * padding conventions, written so that its tfjs gradient is exact.
 *
 * With SAME padding a border window averages only its valid cells (as
 * TensorFlow does). tfjs's `avgPool` computes that forward value, but its
 * gradient divides every window by the full k×k, which is not the adjoint of
 * the forward pass at the border. Here the input is zero-padded explicitly,
 * pooled with VALID windows (whose tfjs gradient is exact), and rescaled by
 * k²/count per window, so forward values and gradients are both right.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { PoolNode } from "./spec.ts";

/** Output size and padding before the first window along one axis (TF conventions). */
export function poolWindows(
  n: number,
  node: PoolNode,
): { out: number; before: number; after: number } {
  if (node.padding === "valid") {
    const out = Math.floor((n - node.size) / node.stride) + 1;
    return { out, before: 0, after: 0 };
  }
  const out = Math.ceil(n / node.stride);
  const total = Math.max((out - 1) * node.stride + node.size - n, 0);
  const before = Math.floor(total / 2);
  return { out, before, after: total - before };
}

function countsAlong(n: number, node: PoolNode): number[] {
  const { out, before } = poolWindows(n, node);
  return Array.from({ length: out }, (_, i) => {
    const first = i * node.stride - before;
    return Math.min(first + node.size, n) - Math.max(first, 0);
  });
}

/** The number of valid input cells of every window, as a [1, outH, outW, 1] tensor. */
export function poolWindowCounts(node: PoolNode, H: number, W: number): tf.Tensor4D {
  const rows = countsAlong(H, node);
  const cols = countsAlong(W, node);
  return tf.tensor4d(rows.flatMap((r) => cols.map((c) => r * c)), [1, rows.length, cols.length, 1]);
}

/**
 * The pool of `node` applied to `x` [B, H, W, C]: scale · (mean over the valid
 * cells of each window). Differentiable with the exact gradient.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { averagePool } from "./pool.ts";
 * const node = { op: "pool", name: "p", input: "c", size: 2, stride: 2, padding: "same", scale: 2 } as const;
 * averagePool(node, tf.ones([1, 1, 3, 1])).dataSync(); // [2, 2]
 * ```
 */
export function averagePool(node: PoolNode, x: tf.Tensor): tf.Tensor4D {
  return tf.tidy(() => {
    const [, H, W] = x.shape as [number, number, number, number];
    const rows = poolWindows(H, node);
    const cols = poolWindows(W, node);
    const padded = rows.before + rows.after + cols.before + cols.after === 0 ? x : tf.pad(
      x,
      [[0, 0], [rows.before, rows.after], [cols.before, cols.after], [0, 0]],
    );
    const pooled = tf.avgPool(padded as tf.Tensor4D, node.size, node.stride, "valid");
    const full = node.size * node.size;
    const factor = tf.div(tf.scalar(full * node.scale), poolWindowCounts(node, H, W));
    return tf.mul(pooled, factor) as tf.Tensor4D;
  });
}
