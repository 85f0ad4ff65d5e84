/**
 * Per-sample predictions as Parquet (written with nodejs-polars): columns
 * `sample` (int32, position in the evaluated set: the official test set for
 * Experiment-1 runs, the 70,000 stacked MAJ samples for cross-validation
 * runs), `label`, `prediction` (int32), `correct` (bool) and `logit_0` …
 * `logit_9` (float32).
 *
 * @module
 */
import pl from "nodejs-polars";
import type { Predictions } from "./evaluate.ts";
import { NUM_CLASSES } from "./loss.ts";

/** Column names of the logits. */
export const LOGIT_COLUMNS: readonly string[] = Array.from(
  { length: NUM_CLASSES },
  (_, c) => `logit_${c}`,
);

/** The predictions as a polars DataFrame with the columns described above. */
export function predictionsFrame(p: Predictions): pl.DataFrame {
  const n = p.sample.length;
  const correct = Array.from({ length: n }, (_, i) => p.prediction[i] === p.label[i]);
  const logits = LOGIT_COLUMNS.map((name, c) => {
    const col = new Float32Array(n);
    for (let i = 0; i < n; i++) col[i] = p.logits[i * NUM_CLASSES + c];
    return pl.Series(name, col);
  });
  return pl.DataFrame([
    pl.Series("sample", Int32Array.from(p.sample)),
    pl.Series("label", Int32Array.from(p.label)),
    pl.Series("prediction", Int32Array.from(p.prediction)),
    pl.Series("correct", correct),
    ...logits,
  ]);
}

/** Writes predictions to a Parquet file. */
export function writePredictions(path: string, p: Predictions): void {
  predictionsFrame(p).writeParquet(path);
}

/** Reads a predictions file as a polars DataFrame. */
export function readPredictionsFrame(path: string): pl.DataFrame {
  return pl.readParquet(path);
}

/**
 * Reads a predictions file back into typed arrays; `accuracy` is recomputed,
 * `loss` is taken from `loss` (it is not stored per sample).
 */
export function readPredictions(path: string, loss = NaN): Predictions {
  const df = pl.readParquet(path);
  const missing = ["sample", "label", "prediction", ...LOGIT_COLUMNS].filter((c) =>
    !df.columns.includes(c)
  );
  if (missing.length > 0) {
    throw new Error(`${path}: missing column(s) ${missing.join(", ")}; found ${df.columns}`);
  }
  const n = df.height;
  const ints = (name: string) => Int32Array.from(df.getColumn(name).toArray() as number[]);
  const sample = ints("sample");
  const label = ints("label");
  const prediction = ints("prediction");
  const logits = new Float32Array(n * NUM_CLASSES);
  LOGIT_COLUMNS.forEach((name, c) => {
    const col = df.getColumn(name).toArray() as number[];
    for (let i = 0; i < n; i++) logits[i * NUM_CLASSES + c] = col[i];
  });
  let correct = 0;
  for (let i = 0; i < n; i++) if (prediction[i] === label[i]) correct++;
  return { sample, label, prediction, logits, accuracy: n ? correct / n : NaN, loss };
}
