/**
 * Parquet storage of per-sample evaluation rows.
 *
 * One file holds one fold of one run for one method set:
 * `<dir>/<dataset>/<cell>/T<T>/<profile>/seed<seed>/fold<fold>.<methods>.parquet`,
 * where `<methods>` joins the method ids in `METHOD_IDS` order with "_".
 * A file is written whole and atomically (temporary file, then rename):
 * re-evaluating a fold replaces its file, and readers never see half a file.
 *
 * @module
 */
import pl from "nodejs-polars";
import type { DataFrame } from "nodejs-polars";
import { join } from "node:path";
import { writeParquetAtomic } from "../train/mod.ts";
import { EvalGroupError, EvalSchemaError } from "./errors.ts";
import { METHOD_IDS } from "./labels.ts";
import { type RowsMadeBy, writeMadeBy } from "./made_by.ts";
import { EVAL_COLUMNS, EVAL_DTYPES, validateEvalFrame } from "./schema.ts";

/** What identifies one stored fold file. */
export interface EvalFileKey {
  /** Dataset id. */
  dataset: string;
  /** Cell id. */
  cell: string;
  /** Sequence length. */
  T: number;
  /** Run profile. */
  profile: string;
  /** Run seed. */
  seed: number;
  /** Fold. */
  fold: number;
  /** Method ids in the file. */
  methods: readonly string[];
}

const SAFE = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

function safePart(name: string, value: string): string {
  if (!SAFE.test(value)) {
    throw new EvalSchemaError(
      `${name} "${value}" cannot be part of a file name (letters, digits, ".", "_", "+", "-")`,
    );
  }
  return value;
}

/** The path of the file for `key` under `dir`. */
export function evalFilePath(dir: string, key: EvalFileKey): string {
  const methods = [...new Set(key.methods)].sort((a, b) =>
    (METHOD_IDS as readonly string[]).indexOf(a) - (METHOD_IDS as readonly string[]).indexOf(b)
  );
  if (methods.length === 0) {
    throw new EvalSchemaError("an evaluation file needs at least one method");
  }
  return join(
    dir,
    safePart("dataset", key.dataset),
    safePart("cell", key.cell),
    `T${key.T}`,
    safePart("profile", key.profile),
    `seed${key.seed}`,
    `fold${key.fold}.${methods.map((m) => safePart("method", m)).join("_")}.parquet`,
  );
}

function single(df: DataFrame, column: string): string | number {
  const values = df.getColumn(column).unique().toArray();
  if (values.length !== 1) {
    throw new EvalGroupError(
      `a fold file holds one ${column}; the rows have ${values.length}: ${values.join(", ")}`,
    );
  }
  return values[0] as string | number;
}

/**
 * Writes the rows of one fold (one dataset, cell, T, profile, seed and fold;
 * any set of methods) to its Parquet file, atomically, and the record of how they
 * were made beside it when `madeBy` is given (`made_by.ts`). Returns the path.
 */
export async function writeEvalFold(
  dir: string,
  rows: DataFrame,
  madeBy?: RowsMadeBy,
): Promise<string> {
  const df = validateEvalFrame(rows);
  if (df.height === 0) throw new EvalGroupError("writeEvalFold: no rows to write");
  const key: EvalFileKey = {
    dataset: String(single(df, "dataset")),
    cell: String(single(df, "cell")),
    T: Number(single(df, "T")),
    profile: String(single(df, "profile")),
    seed: Number(single(df, "seed")),
    fold: Number(single(df, "fold")),
    methods: df.getColumn("method").unique().toArray() as string[],
  };
  const path = evalFilePath(dir, key);
  await writeParquetAtomic(path, df);
  if (madeBy) await writeMadeBy(path, madeBy);
  return path;
}

async function parquetFilesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) out.push(...await parquetFilesUnder(path));
    else if (entry.isFile && entry.name.endsWith(".parquet") && !entry.name.startsWith(".")) {
      out.push(path);
    }
  }
  return out.sort();
}

/**
 * The evaluation rows of the frame read from `file`: {@link validateEvalFrame},
 * with the file named in any error.
 */
export function storedEvalRows(stored: DataFrame, file: string): DataFrame {
  try {
    return validateEvalFrame(stored);
  } catch (error) {
    if (error instanceof Error) error.message = `${file}: ${error.message}`;
    throw error;
  }
}

/** An empty DataFrame with the evaluation schema. */
export function emptyEvalFrame(): DataFrame {
  return pl.DataFrame(EVAL_COLUMNS.map((c) => pl.Series(c, [], EVAL_DTYPES[c])));
}

/**
 * Reads evaluation rows from Parquet files and folders (searched
 * recursively) into one validated DataFrame.
 */
export async function readEvalRows(paths: string | readonly string[]): Promise<DataFrame> {
  const files: string[] = [];
  for (const p of typeof paths === "string" ? [paths] : paths) {
    const info = await Deno.stat(p);
    if (info.isDirectory) files.push(...await parquetFilesUnder(p));
    else files.push(p);
  }
  if (files.length === 0) return emptyEvalFrame();
  const frames = files.map((f) => storedEvalRows(pl.readParquet(f), f));
  return frames.length === 1 ? frames[0] : pl.concat(frames, { how: "vertical" });
}
