/**
 * Step inputs: images split column-wise into the inputs of the T steps of a cell.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { CellSpec } from "./spec.ts";

/** Per-sample shape of one step input. */
export function stepInputShape(spec: CellSpec): number[] {
  return spec.input === "flat" ? [spec.height * spec.columns] : [spec.height, spec.columns, 1];
}

/**
 * Splits images [B, H, W] (or [B, H·W]) column-wise into steps: returns
 * [T, B, ...stepShape], where a flat step is the H×c block read row-major.
 */
export function toSteps(spec: CellSpec, x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const B = x.shape[0];
    const blocks = x.reshape([B, spec.height, spec.T, spec.columns]).transpose([2, 0, 1, 3]);
    return blocks.reshape([spec.T, B, ...stepInputShape(spec)]);
  });
}
