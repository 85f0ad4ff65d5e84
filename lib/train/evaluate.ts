/**
 * Evaluating a model on samples of a source (no dropout): per-sample logits,
 * predicted classes, accuracy and the mean loss over the 11 padded logits.
 *
 * @module
 */
import { tf } from "../backend/mod.ts";
import { type CellModel, forward } from "../cells/mod.ts";
import { makeBatch, type SequenceSource } from "../data/mod.ts";
import { crossEntropy11, NUM_CLASSES } from "./loss.ts";

/** Per-sample results of an evaluation, in the order of the evaluated indices. */
export interface Predictions {
  /** Position of each sample in the evaluated source. */
  sample: Int32Array;
  /** True label. */
  label: Int32Array;
  /** Predicted class (argmax of the 10 logits). */
  prediction: Int32Array;
  /** `[n, 10]` logits, row-major. */
  logits: Float32Array;
  /** Fraction of correct predictions. */
  accuracy: number;
  /** Mean cross-entropy over the 11 padded logits. */
  loss: number;
}

/** Options of {@link evaluateModel}. */
export interface EvaluateOptions {
  /** The samples to evaluate (default all). */
  indices?: ArrayLike<number>;
  /** Samples per forward pass (default 250). */
  batchSize?: number;
  /** Called after every batch with the number of samples done and the total. */
  onProgress?: (done: number, total: number) => void | Promise<void>;
}

/**
 * Runs the model in evaluation mode over samples of `source`.
 *
 * @example
 * ```ts ignore
 * import { evaluateModel } from "./evaluate.ts";
 * const result = await evaluateModel(model, task.test, { indices: [0, 1, 2] });
 * console.log(result.accuracy, result.prediction);
 * ```
 */
export async function evaluateModel(
  model: CellModel,
  source: SequenceSource,
  opts: EvaluateOptions = {},
): Promise<Predictions> {
  const indices = Int32Array.from(
    opts.indices ?? Int32Array.from({ length: source.n }, (_, i) => i),
  );
  const n = indices.length;
  const batchSize = opts.batchSize ?? 250;
  const stride = 28 * source.width;
  const buffer = new Float32Array(Math.min(batchSize, Math.max(n, 1)) * stride);
  const label = new Int32Array(n);
  const prediction = new Int32Array(n);
  const logits = new Float32Array(n * NUM_CLASSES);
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < n; start += batchSize) {
    const ids = indices.subarray(start, Math.min(n, start + batchSize));
    const size = ids.length;
    const batch = makeBatch(source, ids, buffer.subarray(0, size * stride));
    label.set(batch.labels, start);
    const [z, loss] = tf.tidy(() => {
      const x = tf.tensor3d(batch.x, [size, 28, source.width]);
      const out = forward(model, x);
      return [out, crossEntropy11(out, tf.tensor1d(batch.labels, "int32"))] as const;
    });
    const values = z.dataSync() as Float32Array;
    lossSum += loss.dataSync()[0] * size;
    tf.dispose([z, loss]);
    logits.set(values, start * NUM_CLASSES);
    for (let i = 0; i < size; i++) {
      let best = 0;
      const row = i * NUM_CLASSES;
      for (let c = 1; c < NUM_CLASSES; c++) if (values[row + c] > values[row + best]) best = c;
      prediction[start + i] = best;
      if (best === batch.labels[i]) correct++;
    }
    await opts.onProgress?.(start + size, n);
  }
  return {
    sample: indices,
    label,
    prediction,
    logits,
    accuracy: n === 0 ? NaN : correct / n,
    loss: n === 0 ? NaN : lossSum / n,
  };
}
