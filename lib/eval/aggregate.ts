/**
 * Aggregation of per-sample evaluation rows with Polars.
 *
 * 1. Fold means: per group and fold, the mean of each metric over samples,
 *    skipping the NaN of excluded samples; `n_samples` and `n_excluded` count
 *    every row, excluded ones included.
 * 2. Across folds: per group and metric, the mean of the fold means, their
 *    sample sd (k-1), the Student t interval mean ± t_{(1+level)/2, k-1}·sd/√k
 *    and `n_folds` (folds with a mean). A fold whose samples are all excluded
 *    has no mean and does not count in `n_folds`. With one fold, sd and the
 *    interval are null. A percentile bootstrap interval over the fold means
 *    is added on request (`boot_lo`, `boot_hi`).
 *
 * Output schema of {@link aggregateEval} (long, one row per group and metric):
 * `<by...>, metric, T, profile, n_folds, n_samples, n_excluded, mean, sd,
 * ci_lo, ci_hi[, boot_lo, boot_hi]`.
 *
 * @module
 */
import pl from "nodejs-polars";
import type { DataFrame } from "nodejs-polars";
import { sortCanonical } from "./canonical_order.ts";
import { BOOTSTRAP_RESAMPLES, bootstrapInterval, CI_LEVEL, tCritical } from "./confidence.ts";
import { EvalGroupError } from "./errors.ts";
import { checkMetric, EVAL_METRICS, type EvalMetric, requireColumns } from "./schema.ts";

/** Default grouping of aggregates. */
export const AGGREGATE_BY = ["dataset", "cell", "method"] as const;

/** Options of {@link foldMeans}. */
export interface FoldMeanOptions {
  /** Grouping columns; default {@link AGGREGATE_BY}. */
  by?: readonly string[];
  /** Metrics to average; default all of `EVAL_METRICS`. */
  metrics?: readonly EvalMetric[];
}

/** Options of {@link aggregateEval}. */
export interface AggregateOptions extends FoldMeanOptions {
  /** Confidence level; default 0.95. */
  level?: number;
  /** Adds a percentile bootstrap interval over the fold means. */
  bootstrap?: { seed: number | string; resamples?: number };
}

function describeGroups(df: DataFrame, by: readonly string[], limit = 5): string {
  return df.head(limit).toRecords().map((r) => by.map((c) => `${c}=${r[c]}`).join(" "))
    .join("; ");
}

/** The run-identity columns that must be constant within a group unless grouped by. */
function extrasFor(by: readonly string[]): string[] {
  return ["T", "profile"].filter((c) => !by.includes(c));
}

/**
 * Throws {@link EvalGroupError} when a group mixes sequence lengths or
 * profiles, or holds a (fold, sample) twice (e.g. two seeds, or a file read twice).
 */
export function checkGroups(df: DataFrame, by: readonly string[]): void {
  const extras = extrasFor(by);
  if (extras.length) {
    const mixed = df.groupBy([...by]).agg(
      ...extras.map((c) => pl.col(c).nUnique().alias(`n_${c}`)),
    ).filter(
      extras.map((c) => pl.col(`n_${c}`).gt(1)).reduce((a, b) => a.or(b)),
    );
    if (mixed.height) {
      throw new EvalGroupError(
        `groups mix ${extras.join(" or ")} values (${describeGroups(mixed, by)}); ` +
          `filter the rows or add ${extras.join(", ")} to "by"`,
      );
    }
  }
  const dup = df.groupBy([...by, "fold", "sample"]).agg(pl.len().alias("n"))
    .filter(pl.col("n").gt(1));
  if (dup.height) {
    throw new EvalGroupError(
      `${dup.height} (fold, sample) pairs occur more than once within a group ` +
        `(${describeGroups(dup, [...by, "fold", "sample"], 3)}); the rows hold several seeds ` +
        `or the same file twice: filter them or add "seed" to "by"`,
    );
  }
}

/**
 * Per group and fold: mean of each metric over non-excluded samples, plus
 * `n_samples` and `n_excluded`. Columns: `<by...>, fold, T, profile,
 * n_samples, n_excluded, <metrics...>`.
 */
export function foldMeans(df: DataFrame, options: FoldMeanOptions = {}): DataFrame {
  const by = [...(options.by ?? AGGREGATE_BY)];
  const metrics = (options.metrics ?? EVAL_METRICS).map(checkMetric);
  const extras = extrasFor(by);
  requireColumns(df, [...by, ...extras, "fold", "sample", "excluded", ...metrics], "foldMeans");
  checkGroups(df, by);
  const out = df.groupBy([...by, "fold"]).agg(
    ...extras.map((c) => pl.col(c).first()),
    pl.len().cast(pl.Int64).alias("n_samples"),
    pl.col("excluded").cast(pl.Int64).sum().alias("n_excluded"),
    ...metrics.map((m) => pl.col(m).fillNan(null).mean().alias(m)),
  );
  return sortCanonical(
    out.select(...by, "fold", ...extras, "n_samples", "n_excluded", ...metrics),
    [
      ...by,
      "fold",
    ],
  );
}

/** A table of t-interval factors t_{(1+level)/2, k-1}/√k for the given fold counts. */
export function tFactorTable(
  counts: readonly number[],
  level: number,
  name = "n_folds",
): DataFrame {
  const unique = [...new Set(counts)].sort((a, b) => a - b);
  return pl.DataFrame([
    pl.Series(name, unique, pl.Int64),
    pl.Series(
      "t_factor",
      unique.map((k) => {
        const t = tCritical(k, level);
        return t === null ? null : t / Math.sqrt(k);
      }),
      pl.Float64,
    ),
  ]);
}

/**
 * Aggregates per-sample rows into per-(group, metric) statistics over folds;
 * see the module documentation for the schema.
 *
 * @example
 * ```ts
 * import { aggregateEval, evalFrame } from "./mod.ts";
 * const agg = aggregateEval(evalFrame([]));
 * if (agg.height !== 0) throw new Error();
 * ```
 */
export function aggregateEval(df: DataFrame, options: AggregateOptions = {}): DataFrame {
  const by = [...(options.by ?? AGGREGATE_BY)];
  const level = options.level ?? CI_LEVEL;
  const extras = extrasFor(by);
  const metrics = (options.metrics ?? EVAL_METRICS).map(checkMetric);
  const fm = foldMeans(df, { by, metrics });
  const long = fm.unpivot([...by, "fold", ...extras, "n_samples", "n_excluded"], metrics, {
    variableName: "metric",
    valueName: "value",
  });
  let agg = long.groupBy([...by, "metric"]).agg(
    ...extras.map((c) => pl.col(c).first()),
    pl.col("value").count().cast(pl.Int64).alias("n_folds"),
    pl.col("n_samples").sum(),
    pl.col("n_excluded").sum(),
    pl.col("value").mean().alias("mean"),
    pl.col("value").std().alias("sd"),
    pl.col("value").dropNulls().alias("values"),
  );
  if (agg.height) {
    agg = agg.join(tFactorTable(agg.getColumn("n_folds").toArray() as number[], level), {
      on: "n_folds",
      how: "left",
    }).withColumns(
      pl.col("mean").sub(pl.col("t_factor").mul(pl.col("sd"))).alias("ci_lo"),
      pl.col("mean").add(pl.col("t_factor").mul(pl.col("sd"))).alias("ci_hi"),
    );
  } else {
    agg = agg.withColumns(
      pl.lit(null).cast(pl.Float64).alias("ci_lo"),
      pl.lit(null).cast(pl.Float64).alias("ci_hi"),
    );
  }
  const columns = [...by, "metric", ...extras, "n_folds", "n_samples", "n_excluded", "mean", "sd"];
  columns.push("ci_lo", "ci_hi");
  if (options.bootstrap) {
    const { seed, resamples = BOOTSTRAP_RESAMPLES } = options.bootstrap;
    const records = agg.select(...by, "metric", "values").toRecords();
    const bounds = records.map((r) => {
      const key = [...by, "metric"].map((c) => `${c}=${r[c]}`).join("|");
      return bootstrapInterval(r.values as unknown as number[], {
        seed: `${seed}|${key}`,
        resamples,
        level,
      });
    });
    agg = agg.withColumns(
      pl.Series("boot_lo", bounds.map((b) => b.lo), pl.Float64),
      pl.Series("boot_hi", bounds.map((b) => b.hi), pl.Float64),
    );
    columns.push("boot_lo", "boot_hi");
  }
  return sortCanonical(agg.select(...columns), [...by, "metric"]);
}
