/**
 * How stored rows were made. Evaluation and quality rows are derived from a
 * stored run by code, so their file records that code (a fingerprint of its
 * sources), the commit, whether the tree had uncommitted changes and the compute
 * backend, in one more column, `made_by`, holding the same JSON on every row
 * (Parquet stores it once). The rows and the record travel in one file, written
 * atomically, so neither can be replaced without the other. Readers of the rows
 * leave the column out; {@link readMadeBy} reads it.
 *
 * @module
 */
import pl from "nodejs-polars";
import type { DataFrame } from "nodejs-polars";

/** How a file of stored rows was made. */
export interface RowsMadeBy {
  /** Fingerprint of the code that computed the rows (`sha256:…`); null when it could not be taken. */
  code: string | null;
  /** Git commit of the working tree; null outside a checkout. */
  commit: string | null;
  /** Whether the tree had uncommitted source changes; null when unknown. */
  dirty: boolean | null;
  /** The compute backend, e.g. "wasm (tfjs-backend-wasm (SIMD), OpenBLAS …)". */
  backend: string;
}

/** The column that holds {@link RowsMadeBy} as JSON. */
export const MADE_BY_COLUMN = "made_by";

/**
 * `rows` with the {@link MADE_BY_COLUMN} column set to `madeBy` on every row.
 *
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { MADE_BY_COLUMN, withMadeBy } from "./made_by.ts";
 * const df = withMadeBy(pl.DataFrame({ v: [1, 2] }), {
 *   code: "sha256:0", commit: null, dirty: null, backend: "cpu",
 * });
 * if (df.getColumn(MADE_BY_COLUMN).unique().length !== 1) throw new Error();
 * ```
 */
export function withMadeBy(rows: DataFrame, madeBy: RowsMadeBy): DataFrame {
  const json = JSON.stringify({
    code: madeBy.code,
    commit: madeBy.commit,
    dirty: madeBy.dirty,
    backend: madeBy.backend,
  });
  return rows.withColumn(pl.lit(json).alias(MADE_BY_COLUMN));
}

function parse(json: unknown): RowsMadeBy | null {
  if (typeof json !== "string") return null;
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    return null;
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) return null;
  const r = v as Record<string, unknown>;
  const orNull = <T>(x: unknown, ok: (x: unknown) => x is T): T | null => (ok(x) ? x : null);
  const isString = (x: unknown): x is string => typeof x === "string";
  const isBoolean = (x: unknown): x is boolean => typeof x === "boolean";
  return {
    code: orNull(r.code, isString),
    commit: orNull(r.commit, isString),
    dirty: orNull(r.dirty, isBoolean),
    backend: isString(r.backend) ? r.backend : "unknown",
  };
}

/**
 * How the rows of a stored frame were made: the record of its
 * {@link MADE_BY_COLUMN} column, or null when the frame has none (rows stored
 * before the record existed), holds different records, or one that cannot be read.
 *
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { madeByOf, withMadeBy } from "./made_by.ts";
 * const made = { code: "sha256:0", commit: "abc", dirty: false, backend: "cpu" };
 * madeByOf(withMadeBy(pl.DataFrame({ v: [1] }), made))?.code; // "sha256:0"
 * madeByOf(pl.DataFrame({ v: [1] })); // null
 * ```
 */
export function madeByOf(stored: DataFrame): RowsMadeBy | null {
  if (!stored.columns.includes(MADE_BY_COLUMN)) return null;
  const values = stored.getColumn(MADE_BY_COLUMN).unique().toArray();
  return values.length === 1 ? parse(values[0]) : null;
}

/** How the rows of the Parquet file at `path` were made ({@link madeByOf}). */
export function readMadeBy(path: string): RowsMadeBy | null {
  return madeByOf(pl.readParquet(path));
}
