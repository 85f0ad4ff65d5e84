/**
 * Per-sample predictions as Parquet (written with nodejs-polars, zstd):
 * columns `sample` (int32, position in the evaluated set: the official test
 * set for Experiment-1 runs, the 70,000 stacked MAJ samples for
 * cross-validation runs), `label`, `prediction` (int32) and `correct` (bool).
 *
 * The logits are not stored: they are a function of the stored weights and
 * the sample (`forward` recomputes them, as every explanation does), and at
 * 10 float32 per sample they were nine tenths of the file. Files written
 * before, with columns `logit_0` … `logit_9`, still read; those columns are
 * ignored.
 *
 * @module
 */
import pl from "nodejs-polars";
import type { Predictions } from "./evaluate.ts";
import { writeParquetAtomic } from "./parquet_file.ts";

/** Predictions as stored: everything of {@link Predictions} but the logits. */
export type StoredPredictions = Omit<Predictions, "logits">;

/** The columns of a predictions file, in order. */
export const PREDICTION_COLUMNS: readonly string[] = ["sample", "label", "prediction", "correct"];

/**
 * The predictions as a polars DataFrame with the columns described above.
 *
 * @example
 * ```ts
 * import { predictionsFrame } from "./predictions.ts";
 * const df = predictionsFrame({
 *   sample: Int32Array.of(4, 9), label: Int32Array.of(1, 2), prediction: Int32Array.of(1, 7),
 *   accuracy: 0.5, loss: 0.3,
 * });
 * console.log(df.columns); // ["sample", "label", "prediction", "correct"]
 * ```
 */
export function predictionsFrame(p: StoredPredictions): pl.DataFrame {
  const correct = Array.from(p.prediction, (c, i) => c === p.label[i]);
  return pl.DataFrame([
    pl.Series("sample", Int32Array.from(p.sample)),
    pl.Series("label", Int32Array.from(p.label)),
    pl.Series("prediction", Int32Array.from(p.prediction)),
    pl.Series("correct", correct),
  ]);
}

/** Writes predictions (without logits) to a Parquet file, atomically. */
export async function writePredictions(path: string, p: StoredPredictions): Promise<void> {
  await writeParquetAtomic(path, predictionsFrame(p));
}

/** Reads a predictions file as a polars DataFrame with the stored columns. */
export function readPredictionsFrame(path: string): pl.DataFrame {
  return pl.readParquet(path, { columns: [...PREDICTION_COLUMNS] });
}

/**
 * Reads a predictions file back into typed arrays; `accuracy` is recomputed,
 * `loss` is taken from `loss` (it is not stored per sample). A file without
 * the stored columns is an error that names the file and the missing columns.
 */
export function readPredictions(path: string, loss = NaN): StoredPredictions {
  const df = pl.readParquet(path);
  const missing = PREDICTION_COLUMNS.filter((c) => !df.columns.includes(c));
  if (missing.length > 0) {
    throw new Error(`${path}: missing column(s) ${missing.join(", ")}; found ${df.columns}`);
  }
  const ints = (name: string) => Int32Array.from(df.getColumn(name).toArray() as number[]);
  const sample = ints("sample");
  const label = ints("label");
  const prediction = ints("prediction");
  const n = df.height;
  let correct = 0;
  for (let i = 0; i < n; i++) if (prediction[i] === label[i]) correct++;
  return { sample, label, prediction, accuracy: n ? correct / n : NaN, loss };
}
