/**
 * The tidy schema of per-sample evaluation rows: one row per
 * (dataset, cell, T, fold, profile, seed, sample, method).
 *
 * | column | type | meaning |
 * | --- | --- | --- |
 * | dataset | str | dataset id, e.g. "mnist-maj" |
 * | cell | str | cell id (see `CELL_IDS`) |
 * | T | i32 | sequence length |
 * | fold | i32 | cross-validation fold (0-based; 0 for a single split) |
 * | profile | str | run profile the model was trained under |
 * | seed | i64 | seed of the run |
 * | sample | i32 | sample id (index in the fold's test set) |
 * | label | i32 | true class |
 * | prediction | i32 | predicted class |
 * | method | str | explanation-method id (see `METHOD_IDS`) |
 * | v1, v2, v3 | f64 | positive-relevance share of blocks 1..3 |
 * | cosine | f64 | cos(m, v); NaN when excluded |
 * | percentage | f64 | Σ m_k v_k; NaN when excluded |
 * | percentage_capped | f64 | Σ m_k min(v_k, 0.8); NaN when excluded |
 * | excluded | bool | true when the heatmap has no positive relevance |
 *
 * @module
 */
import pl from "nodejs-polars";
import type { DataFrame, DataType } from "nodejs-polars";
import { EvalSchemaError, UnknownIdError } from "./errors.ts";
import { CELL_IDS, isCellId, isMethodId, METHOD_IDS } from "./labels.ts";

/** The run and fold a stored row comes from: the first columns of evaluation and quality rows. */
export interface FoldRowKey {
  /** Dataset id. */
  dataset: string;
  /** Cell id. */
  cell: string;
  /** Sequence length. */
  T: number;
  /** Cross-validation fold. */
  fold: number;
  /** Run profile. */
  profile: string;
  /** Run seed. */
  seed: number;
}

/** The columns of {@link FoldRowKey}, first in every evaluation and quality file. */
export const FOLD_KEY_COLUMNS = ["dataset", "cell", "T", "fold", "profile", "seed"] as const;

/** The Polars types of {@link FOLD_KEY_COLUMNS}. */
export const FOLD_KEY_DTYPES: Readonly<Record<keyof FoldRowKey, DataType>> = {
  dataset: pl.String,
  cell: pl.String,
  T: pl.Int32,
  fold: pl.Int32,
  profile: pl.String,
  seed: pl.Int64,
};

/** One per-sample evaluation row (field names equal the column names). */
export interface EvalRow extends FoldRowKey {
  /** Sample id. */
  sample: number;
  /** True class. */
  label: number;
  /** Predicted class. */
  prediction: number;
  /** Explanation-method id. */
  method: string;
  /** Share of block 1. */
  v1: number;
  /** Share of block 2. */
  v2: number;
  /** Share of block 3. */
  v3: number;
  /** cos(m, v). */
  cosine: number;
  /** Σ m_k v_k. */
  percentage: number;
  /** Σ m_k min(v_k, τ). */
  percentage_capped: number;
  /** No positive relevance. */
  excluded: boolean;
}

/** The column names of the schema, in order. */
export const EVAL_COLUMNS = [
  ...FOLD_KEY_COLUMNS,
  "sample",
  "label",
  "prediction",
  "method",
  "v1",
  "v2",
  "v3",
  "cosine",
  "percentage",
  "percentage_capped",
  "excluded",
] as const;

/** A column of the evaluation schema. */
export type EvalColumn = typeof EVAL_COLUMNS[number];

/** The Polars type of every column. */
export const EVAL_DTYPES: Readonly<Record<EvalColumn, DataType>> = {
  ...FOLD_KEY_DTYPES,
  sample: pl.Int32,
  label: pl.Int32,
  prediction: pl.Int32,
  method: pl.String,
  v1: pl.Float64,
  v2: pl.Float64,
  v3: pl.Float64,
  cosine: pl.Float64,
  percentage: pl.Float64,
  percentage_capped: pl.Float64,
  excluded: pl.Bool,
};

/** The metric columns that aggregates summarise. */
export const EVAL_METRICS = ["cosine", "percentage", "percentage_capped"] as const;

/** A metric column. */
export type EvalMetric = typeof EVAL_METRICS[number];

/** Throws {@link UnknownIdError} unless `metric` is one of {@link EVAL_METRICS}. */
export function checkMetric(metric: string): EvalMetric {
  if (!(EVAL_METRICS as readonly string[]).includes(metric)) {
    throw new UnknownIdError("metric", metric, EVAL_METRICS);
  }
  return metric as EvalMetric;
}

/**
 * Builds a DataFrame of the evaluation schema from rows, checking cell and
 * method ids.
 *
 * @example
 * ```ts
 * import { evalFrame } from "./schema.ts";
 * const df = evalFrame([]);
 * if (df.height !== 0 || df.width !== 17) throw new Error();
 * ```
 */
export function evalFrame(rows: readonly EvalRow[]): DataFrame {
  for (const row of rows) checkRowIds(row.cell, row.method);
  const series = EVAL_COLUMNS.map((name) =>
    pl.Series(name, rows.map((r) => r[name]), EVAL_DTYPES[name])
  );
  return pl.DataFrame(series);
}

function checkRowIds(cell: string, method: string): void {
  if (!isCellId(cell)) throw new UnknownIdError("cell", cell, CELL_IDS);
  if (!isMethodId(method)) throw new UnknownIdError("method", method, METHOD_IDS);
}

/**
 * Checks that `df` has every column of the schema with its type, and known
 * cell and method ids; returns the columns in schema order.
 */
export function validateEvalFrame(df: DataFrame): DataFrame {
  const missing = EVAL_COLUMNS.filter((c) => !df.columns.includes(c));
  if (missing.length) {
    throw new EvalSchemaError(
      `evaluation rows lack the columns ${missing.join(", ")}; expected ${
        EVAL_COLUMNS.join(", ")
      }` +
        `, found ${df.columns.join(", ")}`,
    );
  }
  for (const name of EVAL_COLUMNS) {
    const found = String(df.getColumn(name).dtype);
    const expected = String(EVAL_DTYPES[name]);
    if (found !== expected) {
      throw new EvalSchemaError(`column "${name}" must be ${expected}, found ${found}`);
    }
  }
  for (const cell of df.getColumn("cell").unique().toArray() as string[]) {
    if (!isCellId(cell)) throw new UnknownIdError("cell", cell, CELL_IDS);
  }
  for (const method of df.getColumn("method").unique().toArray() as string[]) {
    if (!isMethodId(method)) throw new UnknownIdError("method", method, METHOD_IDS);
  }
  return df.select(...EVAL_COLUMNS);
}

/** Throws {@link EvalSchemaError} unless `df` has all of `columns`. */
export function requireColumns(df: DataFrame, columns: readonly string[], what: string): void {
  const missing = columns.filter((c) => !df.columns.includes(c));
  if (missing.length) {
    throw new EvalSchemaError(
      `${what} needs the columns ${columns.join(", ")}; missing ${missing.join(", ")} ` +
        `(found ${df.columns.join(", ")})`,
    );
  }
}
