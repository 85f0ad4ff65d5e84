/**
 * Aggregation of quality rows: per group and fold the mean over samples
 * (NaN values skipped and counted), then across folds the mean of the fold
 * means with a 95 % Student t interval.
 *
 * Output columns: `dataset, cell, method, measure, setting, order, step,
 * layer, n_folds, n_samples, n_nan, mean, sd, ci_lo, ci_hi` (sd and the
 * interval null with one fold).
 *
 * @module
 */
import pl from "nodejs-polars";
import type { DataFrame } from "nodejs-polars";
import { CI_LEVEL, tInterval } from "./confidence.ts";
import type { QualityMeasureKey } from "./quality_rows.ts";
import type { FoldRowKey } from "./schema.ts";

/** The columns a quality aggregate is grouped by. */
export const QUALITY_GROUP = [
  "dataset",
  "cell",
  "method",
  "measure",
  "setting",
  "order",
  "step",
  "layer",
] as const;

/** One aggregated quality value. */
export interface QualityAggregateRow
  extends Pick<FoldRowKey, "dataset" | "cell">, QualityMeasureKey {
  /** Folds with a mean. */
  n_folds: number;
  /** Rows over all folds. */
  n_samples: number;
  /** Rows whose value is NaN (skipped). */
  n_nan: number;
  /** Mean of the fold means. */
  mean: number;
  /** Sample sd of the fold means; null with one fold. */
  sd: number | null;
  /** Lower end of the t interval; null with one fold. */
  ci_lo: number | null;
  /** Upper end of the t interval; null with one fold. */
  ci_hi: number | null;
}

/**
 * Fold means and their t interval for every group of quality rows.
 *
 * @example
 * ```ts
 * import { aggregateQuality } from "./quality_aggregate.ts";
 * import { qualityFrame } from "./quality_rows.ts";
 * const row = { dataset: "d", cell: "deep", T: 12, profile: "p", seed: 0, method: "dtd",
 *   measure: "cosine", setting: "", order: "", step: -1, layer: "", sample: 0 };
 * const agg = aggregateQuality(qualityFrame([
 *   { ...row, fold: 0, value: 1 }, { ...row, fold: 1, value: 3 },
 * ]));
 * if (agg[0].mean !== 2 || agg[0].n_folds !== 2) throw new Error();
 * ```
 */
export function aggregateQuality(
  rows: DataFrame,
  level: number = CI_LEVEL,
): QualityAggregateRow[] {
  if (rows.height === 0) return [];
  const folds = rows
    .withColumns(pl.col("value").isNan().alias("nan"))
    .groupBy([...QUALITY_GROUP, "fold"])
    .agg(
      pl.col("value").filter(pl.col("nan").not()).mean().alias("fold_mean"),
      pl.len().alias("n"),
      pl.col("nan").sum().alias("n_nan"),
    )
    .sort([...QUALITY_GROUP, "fold"])
    .toRecords();
  const groups = new Map<
    string,
    { key: Record<string, unknown>; means: number[]; n: number; nan: number }
  >();
  for (const f of folds) {
    const id = QUALITY_GROUP.map((c) => String(f[c])).join("\u0000");
    let g = groups.get(id);
    if (!g) {
      g = { key: f, means: [], n: 0, nan: 0 };
      groups.set(id, g);
    }
    g.n += Number(f.n);
    g.nan += Number(f.n_nan);
    const m = f.fold_mean;
    if (m !== null && m !== undefined && !Number.isNaN(Number(m))) g.means.push(Number(m));
  }
  return [...groups.values()].map(({ key, means, n, nan }) => {
    const ci = tInterval(means, level);
    return {
      dataset: String(key.dataset),
      cell: String(key.cell),
      method: String(key.method),
      measure: String(key.measure),
      setting: String(key.setting),
      order: String(key.order),
      step: Number(key.step),
      layer: String(key.layer),
      n_folds: means.length,
      n_samples: n,
      n_nan: nan,
      mean: means.length ? ci.mean : NaN,
      sd: ci.sd,
      ci_lo: ci.lo,
      ci_hi: ci.hi,
    };
  });
}
