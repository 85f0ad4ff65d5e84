/**
 * How stored rows were made. Evaluation and quality rows are derived from a
 * stored run by code, so each Parquet file of rows has a record beside it,
 * `<name>.made.json`: a fingerprint of the code that computed them, the commit,
 * whether the tree had uncommitted changes, the compute backend, and the SHA-256
 * of the rows file it describes. The rows file is written first and the record
 * after it, each atomically; a record whose hash is not the rows file's (a
 * process stopped between the two writes, a file replaced by hand) counts as no
 * record. Rows computed again with the same numbers give the same bytes, so
 * only the record changes where the code changed and the numbers did not.
 *
 * @module
 */
import { basename, dirname, join } from "node:path";
import { sha256Hex, writeFileAtomic } from "../data/mod.ts";

/** How a file of stored rows was made. */
export interface RowsMadeBy {
  /** Fingerprint of the code that computed the rows (`sha256:…`); null when it could not be taken. */
  code: string | null;
  /** Git commit of the working tree; null outside a checkout. */
  commit: string | null;
  /** Whether the tree had uncommitted source changes; null when unknown. */
  dirty: boolean | null;
  /** The compute backend, e.g. "wasm (tfjs-backend-wasm (SIMD) + OpenBLAS …)". */
  backend: string;
}

/**
 * The record beside the rows file `rowsPath`: its name with `.made.json` in place
 * of `.parquet`.
 *
 * @example
 * ```ts
 * import { madeByPath } from "./made_by.ts";
 * madeByPath("/runs/x/quality.parquet"); // "/runs/x/quality.made.json"
 * ```
 */
export function madeByPath(rowsPath: string): string {
  return join(dirname(rowsPath), `${basename(rowsPath, ".parquet")}.made.json`);
}

async function sha256(path: string): Promise<string> {
  return `sha256:${await sha256Hex(await Deno.readFile(path))}`;
}

/** Writes the record of how the rows file `rowsPath` (already written) was made, atomically. */
export async function writeMadeBy(rowsPath: string, madeBy: RowsMadeBy): Promise<void> {
  const record = {
    code: madeBy.code,
    commit: madeBy.commit,
    dirty: madeBy.dirty,
    backend: madeBy.backend,
    rows: await sha256(rowsPath),
  };
  await writeFileAtomic(madeByPath(rowsPath), JSON.stringify(record, null, 2) + "\n");
}

function parse(text: string): (RowsMadeBy & { rows: string }) | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) return null;
  const r = v as Record<string, unknown>;
  const isString = (x: unknown): x is string => typeof x === "string";
  if (!isString(r.rows)) return null;
  return {
    code: isString(r.code) ? r.code : null,
    commit: isString(r.commit) ? r.commit : null,
    dirty: typeof r.dirty === "boolean" ? r.dirty : null,
    backend: isString(r.backend) ? r.backend : "unknown",
    rows: r.rows,
  };
}

/**
 * How the rows file `rowsPath` was made: the record beside it, or null when there is
 * none (rows stored before records existed), it cannot be read, or it describes
 * other bytes than the file's.
 */
export async function readMadeBy(rowsPath: string): Promise<RowsMadeBy | null> {
  let text: string;
  try {
    text = await Deno.readTextFile(madeByPath(rowsPath));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
  const record = parse(text);
  if (record === null || record.rows !== await sha256(rowsPath)) return null;
  const { rows: _, ...madeBy } = record;
  return madeBy;
}
