/**
 * Paired comparison of cells against a baseline cell, matched by fold: per
 * group (default dataset and method) and cell, the fold-wise differences
 * d_f = mean_cell,f − mean_baseline,f, their mean, sd, Student t interval,
 * t statistic and p-values (two-sided; one-sided for "cell > baseline").
 *
 * Output columns: `<by...>, cell, baseline, metric, n_pairs, mean_cell,
 * mean_baseline, mean_diff, sd_diff, ci_lo, ci_hi, t_stat, p_two_sided,
 * p_greater`. With one pair, sd, interval, t and p are null.
 *
 * @module
 */
import pl from "nodejs-polars";
import type { DataFrame } from "nodejs-polars";
import { foldMeans, tFactorTable } from "./aggregate.ts";
import { sortCanonical } from "./canonical_order.ts";
import { CI_LEVEL } from "./confidence.ts";
import { EvalGroupError } from "./errors.ts";
import { cellLabel } from "./labels.ts";
import { checkMetric, type EvalMetric } from "./schema.ts";
import { studentTCdf } from "./student_t.ts";

/** Options of {@link pairedComparison}. */
export interface PairedOptions {
  /** Baseline cell id. */
  baseline: string;
  /** Metric compared; default "cosine". */
  metric?: EvalMetric;
  /** Grouping columns besides "cell"; default ["dataset", "method"]. */
  by?: readonly string[];
  /** Confidence level; default 0.95. */
  level?: number;
}

/**
 * Compares every cell with the baseline cell on the fold means of one metric.
 *
 * @example
 * ```ts
 * import { evalFrame, pairedComparison } from "./mod.ts";
 * try {
 *   pairedComparison(evalFrame([]), { baseline: "deep" });
 * } catch (e) {
 *   // no rows of the baseline: EvalGroupError
 * }
 * ```
 */
export function pairedComparison(df: DataFrame, options: PairedOptions): DataFrame {
  cellLabel(options.baseline);
  const metric = checkMetric(options.metric ?? "cosine");
  const by = [...(options.by ?? ["dataset", "method"])].filter((c) => c !== "cell");
  const level = options.level ?? CI_LEVEL;
  const fm = foldMeans(df, { by: [...by, "cell"], metrics: [metric] });
  const base = fm.filter(pl.col("cell").eq(pl.lit(options.baseline)))
    .select(...by, "fold", pl.col(metric).alias("__baseline"));
  if (base.height === 0) {
    const cells = fm.getColumn("cell").unique().toArray().sort();
    throw new EvalGroupError(
      `baseline cell "${options.baseline}" has no rows; cells present: ${
        cells.join(", ") || "none"
      }`,
    );
  }
  const pairKeys: string[] = [...by, "fold"];
  const pairs = fm.filter(pl.col("cell").neq(pl.lit(options.baseline)))
    .select(...by, "cell", "fold", pl.col(metric).alias("__cell"))
    .join(base, { on: pairKeys, how: "inner" })
    .filter(pl.col("__cell").isNotNull().and(pl.col("__baseline").isNotNull()))
    .withColumns(pl.col("__cell").sub(pl.col("__baseline")).alias("__diff"));
  let agg = pairs.groupBy([...by, "cell"]).agg(
    pl.len().cast(pl.Int64).alias("n_pairs"),
    pl.col("__cell").mean().alias("mean_cell"),
    pl.col("__baseline").mean().alias("mean_baseline"),
    pl.col("__diff").mean().alias("mean_diff"),
    pl.col("__diff").std().alias("sd_diff"),
  );
  const counts = agg.getColumn("n_pairs").toArray() as number[];
  agg = agg.join(tFactorTable(counts, level, "n_pairs"), { on: "n_pairs", how: "left" })
    .withColumns(
      pl.col("mean_diff").sub(pl.col("t_factor").mul(pl.col("sd_diff"))).alias("ci_lo"),
      pl.col("mean_diff").add(pl.col("t_factor").mul(pl.col("sd_diff"))).alias("ci_hi"),
      pl.lit(options.baseline).alias("baseline"),
      pl.lit(metric).alias("metric"),
    );
  const stats = agg.select("n_pairs", "mean_diff", "sd_diff").toRecords().map((r) => {
    const n = r.n_pairs as number;
    const sd = r.sd_diff as number | null;
    if (n < 2 || sd === null) return { t: null, p2: null, p1: null };
    const t = (r.mean_diff as number) / (sd / Math.sqrt(n));
    if (Number.isNaN(t)) return { t, p2: NaN, p1: NaN };
    const upper = 1 - studentTCdf(t, n - 1);
    return { t, p2: 2 * Math.min(upper, 1 - upper), p1: upper };
  });
  agg = agg.withColumns(
    pl.Series("t_stat", stats.map((s) => s.t), pl.Float64),
    pl.Series("p_two_sided", stats.map((s) => s.p2), pl.Float64),
    pl.Series("p_greater", stats.map((s) => s.p1), pl.Float64),
  );
  return sortCanonical(
    agg.select(
      ...by,
      "cell",
      "baseline",
      "metric",
      "n_pairs",
      "mean_cell",
      "mean_baseline",
      "mean_diff",
      "sd_diff",
      "ci_lo",
      "ci_hi",
      "t_stat",
      "p_two_sided",
      "p_greater",
    ),
    [...by, "cell"],
  );
}
