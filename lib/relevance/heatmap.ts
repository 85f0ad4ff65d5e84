/**
 * Between per-step relevance and 28×W heatmaps: the inverse of the engine's
 * `toSteps`. Step t covers columns [t·c, (t+1)·c); inside a step the 28×c
 * block is read row-major (index = row·c + col), for flat and image steps
 * alike.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { toSteps } from "../cells/engine.ts";
import type { CellSpec } from "../cells/spec.ts";

/**
 * Per-step values [T, B, ...step shape] as images [B, 28, W].
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { buildCell, toSteps } from "../cells/mod.ts";
 * import { stepsToImages } from "./heatmap.ts";
 * const spec = buildCell("deep", 7);
 * const x = tf.randomUniform([2, 28, 28]);
 * const back = stepsToImages(spec, toSteps(spec, x)); // equals x
 * ```
 */
export function stepsToImages(spec: CellSpec, steps: tf.Tensor): tf.Tensor3D {
  return tf.tidy(() => {
    const B = steps.shape[1]!;
    return steps.reshape([spec.T, B, spec.height, spec.columns])
      .transpose([1, 2, 0, 3])
      .reshape([B, spec.height, spec.width]) as tf.Tensor3D;
  });
}

/** Per-step values [T, B, ...step shape] as [B, T, 28·c]. */
export function stepsBatchMajor(spec: CellSpec, steps: tf.Tensor): tf.Tensor3D {
  return tf.tidy(() => {
    const B = steps.shape[1]!;
    return steps.reshape([spec.T, B, spec.height * spec.columns]).transpose([
      1,
      0,
      2,
    ]) as tf.Tensor3D;
  });
}

/** Images [B, 28, W] as per-step values [B, T, 28·c]. */
export function imagesToStepsBatchMajor(spec: CellSpec, images: tf.Tensor): tf.Tensor3D {
  return tf.tidy(() => stepsBatchMajor(spec, toSteps(spec, images)));
}
