/**
 * Shared fixtures of the relevance tests: the backend, seeded random images,
 * thesis-mode models whose logits are not trivially small, and sums.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend/mod.ts";
import {
  buildCell,
  type CellModel,
  type CellSpec,
  createModel,
  forward,
} from "../lib/cells/mod.ts";
import { Prng } from "../lib/data/prng.ts";

/** Initialises the project backend once (wasm here unless RNNX_BACKEND says otherwise). */
export async function setupBackend(): Promise<void> {
  await initBackend({ quiet: true });
}

/** B images of 28×W with pixels uniform in [low, high], from a seeded stream. */
export function randomImages(
  B: number,
  W: number,
  seed: number | string,
  low = -1,
  high = 1,
): Float32Array {
  const prng = new Prng(`images/${seed}`);
  const out = new Float32Array(B * 28 * W);
  for (let i = 0; i < out.length; i++) out[i] = low + (high - low) * prng.next();
  return out;
}

/** The logits of `model` on `x` as a Float32Array [B, 10]. */
export function logitsOf(model: CellModel, x: Float32Array): Float32Array {
  const spec = model.spec;
  return tf.tidy(() => {
    const xs = tf.tensor3d(x, [x.length / (28 * spec.width), 28, spec.width]);
    return forward(model, xs).dataSync() as Float32Array;
  });
}

/** The class with the largest logit per sample. */
export function argmaxRows(logits: Float32Array): Int32Array {
  const B = logits.length / 10;
  const out = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    let best = 0;
    for (let k = 1; k < 10; k++) if (logits[b * 10 + k] > logits[b * 10 + best]) best = k;
    out[b] = best;
  }
  return out;
}

/** Multiplies every weight tensor of `model` by `factor`. */
export function scaleWeights(model: CellModel, factor: number): void {
  for (const [name, v] of model.params) {
    if (name.endsWith(".weight")) v.assign(tf.tidy(() => tf.mul(v, factor)));
  }
}

/**
 * A model of `spec` with random weights (seeded) whose largest logit is
 * clearly positive on most of `x`: random initialisation with the thesis's
 * −0.01 biases leaves some cells (Conv⁺) with logits of about −0.01 only, so
 * the weights are scaled up by 1.5 until more than half of the samples have a
 * largest logit above 0.05.
 */
export function lively(
  spec: CellSpec,
  seed: number,
  x: Float32Array,
  biasMode: "thesis" | "code" = "thesis",
): CellModel {
  const model = createModel(spec, { seed, biasMode });
  for (let i = 0; i < 20; i++) {
    const logits = logitsOf(model, x);
    const B = logits.length / 10;
    let alive = 0;
    for (let b = 0; b < B; b++) {
      if (Math.max(...logits.subarray(b * 10, b * 10 + 10)) > 0.05) alive++;
    }
    if (alive * 2 > B) break;
    scaleWeights(model, 1.5);
  }
  return model;
}

/** The model of cell `id` at length `T` (see {@link lively}). */
export function livelyCell(id: string, T: number, seed: number, x: Float32Array): CellModel {
  return lively(buildCell(id, T), seed, x);
}

/** Per-sample sums of a [B, n] array. */
export function rowSums(values: Float32Array, B: number): number[] {
  const n = values.length / B;
  const out: number[] = [];
  for (let b = 0; b < B; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += values[b * n + i];
    out.push(s);
  }
  return out;
}

/** The largest absolute difference between two arrays of equal length. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** The largest absolute value of an array. */
export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}
