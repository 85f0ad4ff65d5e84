/**
 * The tidy schema of explanation-quality rows, and their Parquet files.
 *
 * | column | type | meaning |
 * | --- | --- | --- |
 * | dataset | str | dataset id ("" when unknown) |
 * | cell | str | cell id |
 * | T | i32 | sequence length |
 * | fold | i32 | cross-validation fold (0 for a single split) |
 * | profile | str | run profile ("" when unknown) |
 * | seed | i64 | run seed |
 * | method | str | explanation method or baseline (`uniform`, `random`, `intensity`) |
 * | measure | str | see {@link QUALITY_ROW_MEASURES} |
 * | setting | str | removal units (`steps12`, `patches7`) or randomisation mode; "" otherwise |
 * | order | str | removal order `morf`, `lerf`, `random`; "" otherwise |
 * | step | i32 | removed units (curves) or randomisation stage (0 = output layer); −1 otherwise |
 * | layer | str | randomisation: the layer added at this stage; "" otherwise |
 * | sample | i32 | sample id; −1 for a value over the batch (curve points) |
 * | value | f64 | the measure; NaN when undefined (e.g. no positive relevance) |
 *
 * @module
 */
import pl from "nodejs-polars";
import type { DataFrame, DataType } from "nodejs-polars";
import { writeParquetAtomic } from "../train/mod.ts";
import { EvalSchemaError } from "./errors.ts";
import { type RowsMadeBy, writeMadeBy } from "./made_by.ts";
import { FOLD_KEY_COLUMNS, FOLD_KEY_DTYPES, type FoldRowKey } from "./schema.ts";

/** What a quality value measures: the method and the measure with its setting. */
export interface QualityMeasureKey {
  /** Method or baseline id. */
  method: string;
  /** Measure id. */
  measure: string;
  /** Removal units or randomisation mode. */
  setting: string;
  /** Removal order. */
  order: string;
  /** Removed units or randomisation stage; −1 when not applicable. */
  step: number;
  /** Randomised layer. */
  layer: string;
}

/** One quality row (field names equal the column names). */
export interface QualityRow extends FoldRowKey, QualityMeasureKey {
  /** Sample id; −1 for batch values. */
  sample: number;
  /** Value. */
  value: number;
}

/**
 * Every measure a row can hold: per-sample AOPC (by order) and MoRF–LeRF
 * gap; batch curves of the true-class logit and accuracy; per-sample
 * relevance mass accuracy, rank accuracy, pointing game and the thesis's
 * cosine; per-sample Spearman and SSIM to the original heatmap.
 */
export const QUALITY_ROW_MEASURES = [
  "aopc",
  "morf_lerf_gap",
  "logit",
  "accuracy",
  "mass_accuracy",
  "rank_accuracy",
  "pointing_game",
  "cosine",
  "spearman",
  "ssim",
] as const;

/** The column names, in order. */
export const QUALITY_COLUMNS = [
  ...FOLD_KEY_COLUMNS,
  "method",
  "measure",
  "setting",
  "order",
  "step",
  "layer",
  "sample",
  "value",
] as const;

const DTYPES: Readonly<Record<typeof QUALITY_COLUMNS[number], DataType>> = {
  ...FOLD_KEY_DTYPES,
  method: pl.String,
  measure: pl.String,
  setting: pl.String,
  order: pl.String,
  step: pl.Int32,
  layer: pl.String,
  sample: pl.Int32,
  value: pl.Float64,
};

/**
 * A DataFrame of quality rows.
 *
 * @example
 * ```ts
 * import { qualityFrame } from "./quality_rows.ts";
 * if (qualityFrame([]).width !== 14) throw new Error();
 * ```
 */
export function qualityFrame(rows: readonly QualityRow[]): DataFrame {
  return pl.DataFrame(
    QUALITY_COLUMNS.map((c) => pl.Series(c, rows.map((r) => r[c]), DTYPES[c])),
  );
}

/**
 * `df` as quality rows: its quality columns in order (others left out), or an error
 * naming `file` and the column that is missing or mistyped.
 */
export function validateQualityFrame(df: DataFrame, file: string): DataFrame {
  for (const c of QUALITY_COLUMNS) {
    if (!df.columns.includes(c)) {
      throw new EvalSchemaError(
        `${file}: quality rows lack the column "${c}"; expected ${QUALITY_COLUMNS.join(", ")}`,
      );
    }
    if (String(df.getColumn(c).dtype) !== String(DTYPES[c])) {
      throw new EvalSchemaError(
        `${file}: column "${c}" must be ${DTYPES[c]}, found ${df.getColumn(c).dtype}`,
      );
    }
  }
  return df.select(...QUALITY_COLUMNS);
}

/**
 * Writes quality rows to a Parquet file, atomically, and the record of how they were
 * made beside it when `madeBy` is given (`made_by.ts`).
 */
export async function writeQualityRows(
  path: string,
  rows: DataFrame,
  madeBy?: RowsMadeBy,
): Promise<void> {
  const df = validateQualityFrame(rows, path);
  await writeParquetAtomic(path, df);
  if (madeBy) await writeMadeBy(path, madeBy);
}

/** Reads quality rows from a Parquet file, checking the schema. */
export function readQualityRows(path: string): DataFrame {
  return validateQualityFrame(pl.readParquet(path), path);
}
