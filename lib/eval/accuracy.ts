/**
 * Classification accuracy per fold and over folds.
 *
 * Input rows need `<by...>, fold, sample, label, prediction`; per-sample
 * evaluation rows (one per method) are reduced to one row per sample first.
 *
 * {@link accuracyByFold} columns: `<by...>, fold, n_samples, n_correct, accuracy`.
 * {@link accuracySummary} columns: `<by...>, n_folds, n_samples, accuracy`
 * (pooled over all samples), `mean, sd, ci_lo, ci_hi` (over fold accuracies;
 * null sd and interval for one fold).
 *
 * @module
 */
import pl from "nodejs-polars";
import type { DataFrame } from "nodejs-polars";
import { tFactorTable } from "./aggregate.ts";
import { sortCanonical } from "./canonical_order.ts";
import { CI_LEVEL } from "./confidence.ts";
import { EvalGroupError, EvalShapeError } from "./errors.ts";
import { requireColumns } from "./schema.ts";

/** Default grouping of accuracy tables. */
export const ACCURACY_BY = ["dataset", "cell"] as const;

/**
 * The fraction of predictions equal to the labels.
 *
 * @example
 * ```ts
 * import { accuracy } from "./accuracy.ts";
 * if (accuracy([1, 2, 3, 4], [1, 2, 0, 4]) !== 0.75) throw new Error();
 * ```
 */
export function accuracy(labels: ArrayLike<number>, predictions: ArrayLike<number>): number {
  if (labels.length !== predictions.length || labels.length === 0) {
    throw new EvalShapeError(
      `accuracy: labels and predictions must have the same non-zero length, got ${labels.length} ` +
        `and ${predictions.length}`,
    );
  }
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === predictions[i]) correct++;
  return correct / labels.length;
}

/** Accuracy of every group and fold. */
export function accuracyByFold(
  df: DataFrame,
  options: { by?: readonly string[] } = {},
): DataFrame {
  const by = [...(options.by ?? ACCURACY_BY)];
  requireColumns(df, [...by, "fold", "sample", "label", "prediction"], "accuracyByFold");
  const samples = df.select(...by, "fold", "sample", "label", "prediction").unique();
  const conflict = samples.groupBy([...by, "fold", "sample"]).agg(pl.len().alias("n"))
    .filter(pl.col("n").gt(1));
  if (conflict.height) {
    const r = conflict.toRecords()[0];
    throw new EvalGroupError(
      `${conflict.height} samples have conflicting labels or predictions within a group, e.g. ` +
        [...by, "fold", "sample"].map((c) => `${c}=${r[c]}`).join(" ") +
        `; the rows mix runs: filter them or extend "by"`,
    );
  }
  const out = samples.groupBy([...by, "fold"]).agg(
    pl.len().cast(pl.Int64).alias("n_samples"),
    pl.col("label").eq(pl.col("prediction")).cast(pl.Int64).sum().alias("n_correct"),
  ).withColumns(
    pl.col("n_correct").cast(pl.Float64).div(pl.col("n_samples").cast(pl.Float64))
      .alias("accuracy"),
  );
  return sortCanonical(out.select(...by, "fold", "n_samples", "n_correct", "accuracy"), [
    ...by,
    "fold",
  ]);
}

/** Accuracy over folds: pooled accuracy, mean of fold accuracies, sd and t interval. */
export function accuracySummary(
  df: DataFrame,
  options: { by?: readonly string[]; level?: number } = {},
): DataFrame {
  const by = [...(options.by ?? ACCURACY_BY)];
  const folds = accuracyByFold(df, { by });
  let agg = folds.groupBy(by).agg(
    pl.len().cast(pl.Int64).alias("n_folds"),
    pl.col("n_samples").sum(),
    pl.col("n_correct").sum(),
    pl.col("accuracy").mean().alias("mean"),
    pl.col("accuracy").std().alias("sd"),
  );
  agg = agg.join(
    tFactorTable(agg.getColumn("n_folds").toArray() as number[], options.level ?? CI_LEVEL),
    { on: "n_folds", how: "left" },
  ).withColumns(
    pl.col("n_correct").cast(pl.Float64).div(pl.col("n_samples").cast(pl.Float64))
      .alias("accuracy"),
    pl.col("mean").sub(pl.col("t_factor").mul(pl.col("sd"))).alias("ci_lo"),
    pl.col("mean").add(pl.col("t_factor").mul(pl.col("sd"))).alias("ci_hi"),
  );
  return sortCanonical(
    agg.select(...by, "n_folds", "n_samples", "accuracy", "mean", "sd", "ci_lo", "ci_hi"),
    by,
  );
}
