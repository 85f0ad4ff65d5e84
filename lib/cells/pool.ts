/**
 * The pooling layer of the cells: (scaled) average pooling with TensorFlow's
 * padding conventions, written so that its tfjs gradient is exact.
 *
 * With SAME padding a border window averages only its valid cells (as
 * TensorFlow does). tfjs's `avgPool` computes that forward value, but its
 * gradient divides every window by the full k×k, which is not the adjoint of
 * the forward pass at the border. Here the forward pass is tfjs's and the
 * gradient is written out: the upstream gradient is rescaled by k²/count per
 * window before tfjs's pooling gradient, so forward values and gradients are
 * both right.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** The window of a pool: size, stride, padding and the scale applied to the average. */
export interface PoolWindow {
  /** Window size (square). */
  readonly size: number;
  /** Stride along both axes. */
  readonly stride: number;
  /** TensorFlow padding. */
  readonly padding: "same" | "valid";
  /** Factor applied to the average (2 in the original code). */
  readonly scale: number;
}

/** Output size and padding before the first window along one axis (TF conventions). */
export function poolWindows(
  n: number,
  node: PoolWindow,
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

function countsAlong(n: number, node: PoolWindow): number[] {
  const { out, before } = poolWindows(n, node);
  return Array.from({ length: out }, (_, i) => {
    const first = i * node.stride - before;
    return Math.min(first + node.size, n) - Math.max(first, 0);
  });
}

/** The number of valid input cells of every window, as a [1, outH, outW, 1] tensor. */
export function poolWindowCounts(node: PoolWindow, H: number, W: number): tf.Tensor4D {
  const rows = countsAlong(H, node);
  const cols = countsAlong(W, node);
  return tf.tensor4d(rows.flatMap((r) => cols.map((c) => r * c)), [1, rows.length, cols.length, 1]);
}

/** The per-window factor k²·scale/count as a [1, outH, outW, 1] tensor. */
function windowFactors(node: PoolWindow, H: number, W: number): tf.Tensor4D {
  const rows = countsAlong(H, node);
  const cols = countsAlong(W, node);
  const full = node.size * node.size * node.scale;
  return tf.tensor4d(
    rows.flatMap((r) => cols.map((c) => full / (r * c))),
    [1, rows.length, cols.length, 1],
  );
}

/**
 * The pool of `node` applied to `x` [B, H, W, C]: scale · (mean over the valid
 * cells of each window). Differentiable with the exact gradient.
 *
 * Forward: tfjs's `avgPool` with the node's padding already averages the valid
 * cells of a border window, so the value is `scale · avgPool(x)`. Gradient: the
 * adjoint sends g·scale/count(w) of every window w to each of its valid cells;
 * tfjs's `AvgPoolGrad` sends dy/k² to each valid cell, so it is applied to
 * dy = g·k²·scale/count(w). Two kernels each way, no padded copies.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { averagePool } from "./pool.ts";
 * const node = { size: 2, stride: 2, padding: "same", scale: 2 } as const;
 * averagePool(node, tf.ones([1, 1, 3, 1])).dataSync(); // [2, 2]
 * ```
 */
export function averagePool(node: PoolWindow, x: tf.Tensor): tf.Tensor4D {
  const body = (input: tf.Tensor, save: tf.GradSaveFunc) => {
    const v = input as tf.Tensor4D;
    save([v]);
    const pooled = tf.avgPool(v, node.size, node.stride, node.padding);
    return {
      value: node.scale === 1 ? pooled : tf.mul(pooled, node.scale),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) =>
        averagePoolAdjoint(node, dy as tf.Tensor, saved[0]),
    };
  };
  const pool = tf.customGrad(body as unknown as Parameters<typeof tf.customGrad>[0]);
  return pool(x) as tf.Tensor4D;
}

/**
 * The adjoint (transpose) of {@link averagePool} applied to `s` (shaped like the pool's
 * output): every window w sends s_w · scale / count(w) to each of its valid cells.
 * `input` is any tensor shaped like the pool's input; only its shape is read.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { averagePoolAdjoint } from "./pool.ts";
 * const node = { size: 2, stride: 2, padding: "same", scale: 2 } as const;
 * averagePoolAdjoint(node, tf.ones([1, 1, 2, 1]), tf.zeros([1, 1, 3, 1])).dataSync(); // [1, 1, 2]
 * ```
 */
export function averagePoolAdjoint(node: PoolWindow, s: tf.Tensor, input: tf.Tensor): tf.Tensor4D {
  const [, H, W] = input.shape as [number, number, number, number];
  return tf.tidy(() => {
    const scaled = tf.mul(s, windowFactors(node, H, W));
    return tf.engine().runKernel(tf.AvgPoolGrad, { dy: scaled, input }, {
      filterSize: node.size,
      strides: node.stride,
      pad: node.padding,
    }) as tf.Tensor4D;
  });
}
