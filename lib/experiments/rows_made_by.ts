/**
 * Whether stored evaluation and quality rows were made by the code now
 * running. Rows are derived from a stored run, so they are reused only when
 * the code that computed them is the code that would compute them again; a
 * change anywhere in that code (a rule, a kernel, a metric, the samples drawn)
 * makes the next build explain the fold again instead of reporting numbers the
 * current code no longer gives. The code is fingerprinted by its sources: every
 * module of `lib/` that the evaluation and quality passes import, directly or
 * not (Deno's own module graph, `deno info`), except the modules that only
 * draw (`lib/plot/`), with the npm packages the graph resolves to. The commit,
 * the tree's state and the backend are recorded beside it (`RowsMadeBy`) but
 * do not decide: a clean clone on another machine reuses what the same code made.
 *
 * @module
 */
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import pl from "nodejs-polars";
import type { DataFrame } from "nodejs-polars";
import { type BackendInfo, backendInfo } from "../backend/mod.ts";
import { sha256Hex } from "../data/mod.ts";
import { readMadeBy, type RowsMadeBy } from "../eval/mod.ts";
import { gitState } from "../train/mod.ts";

/** The modules that compute stored rows; their module graphs are fingerprinted. */
const ROW_MODULES = ["./evaluation.ts", "./quality.ts"];

/** Folders of `lib/` whose modules only draw and are left out of the fingerprint. */
const DRAWING_ONLY = ["plot/"];

const LIB_DIR = fileURLToPath(new URL("../", import.meta.url));
const CONFIG = fileURLToPath(new URL("../../deno.json", import.meta.url));

/** What {@link codeFingerprint} reads of `deno info --json`. */
export interface ModuleGraph {
  /** The modules, by specifier. */
  modules: readonly { specifier: string }[];
  /** The npm packages resolved, by id (`name@version`). */
  npmPackages?: Record<string, unknown>;
}

/**
 * The fingerprint of the code in `graphs`: SHA-256 over the path (relative to
 * `libDir`) and the bytes of every module under `libDir` outside the
 * drawing-only folders, in path order, and the ids of the npm packages.
 *
 * @example
 * ```ts
 * import { codeFingerprint } from "./rows_made_by.ts";
 * const graph = { modules: [{ specifier: "file:///lib/a.ts" }], npmPackages: { "x@1.0.0": {} } };
 * const read = (_path: string) => Promise.resolve(new TextEncoder().encode("export {};"));
 * const code = await codeFingerprint([graph], "/lib", read); // "sha256:…"
 * ```
 */
export async function codeFingerprint(
  graphs: readonly ModuleGraph[],
  libDir: string,
  read: (path: string) => Promise<Uint8Array>,
): Promise<string> {
  const files = new Set<string>();
  const npm = new Set<string>();
  for (const g of graphs) {
    for (const m of g.modules) {
      if (!m.specifier.startsWith("file:")) continue;
      const path = relative(libDir, fileURLToPath(m.specifier));
      if (path.startsWith("..") || DRAWING_ONLY.some((d) => path.startsWith(d))) continue;
      files.add(path);
    }
    for (const id of Object.keys(g.npmPackages ?? {})) npm.add(id);
  }
  const encoder = new TextEncoder();
  const parts: Uint8Array[] = [];
  for (const path of [...files].sort()) {
    parts.push(encoder.encode(`${path}\0`), await read(join(libDir, path)), encoder.encode("\0"));
  }
  for (const id of [...npm].sort()) parts.push(encoder.encode(`npm:${id}\0`));
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return `sha256:${await sha256Hex(all)}`;
}

async function moduleGraph(module: string): Promise<ModuleGraph> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "--config", CONFIG, new URL(module, import.meta.url).href],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  if (!out.success) {
    throw new Error(new TextDecoder().decode(out.stderr).trim() || `deno info exited ${out.code}`);
  }
  return JSON.parse(new TextDecoder().decode(out.stdout)) as ModuleGraph;
}

let cached: Promise<{ code: string | null; why: string | null }> | undefined;

/**
 * The fingerprint of the code that computes stored rows in this process
 * ({@link codeFingerprint} over the module graphs of the evaluation and quality
 * passes), taken once; `code` is null, with `why`, where it cannot be taken.
 */
export function rowsCode(): Promise<{ code: string | null; why: string | null }> {
  cached ??= (async () => {
    try {
      const graphs = await Promise.all(ROW_MODULES.map(moduleGraph));
      return { code: await codeFingerprint(graphs, LIB_DIR, Deno.readFile), why: null };
    } catch (e) {
      return { code: null, why: e instanceof Error ? e.message : String(e) };
    }
  })();
  return cached;
}

/**
 * The backend in one line, as rows record it: its name and detail (which names the
 * native libraries the wasm kernels run on).
 *
 * @example
 * ```ts
 * import { backendLine } from "./rows_made_by.ts";
 * backendLine({ name: "cpu", detail: "tfjs-backend-cpu (JavaScript)", tfjsVersion: "4.22.0", kernelFixes: [] });
 * // "cpu (tfjs-backend-cpu (JavaScript))"
 * ```
 */
export function backendLine(b: BackendInfo): string {
  return `${b.name} (${b.detail})`;
}

/** How rows computed now are made: the code's fingerprint, the commit and tree, the backend. */
export async function currentRowsMadeBy(): Promise<RowsMadeBy> {
  const [{ code }, git] = await Promise.all([rowsCode(), gitState()]);
  return { code, commit: git.commit, dirty: git.dirty, backend: backendLine(backendInfo()) };
}

/**
 * Why rows made as `stored` says cannot stand for what the code now running
 * (`current`) computes, or null when they can be reused; the phrase completes
 * "the stored rows were …". `why` says why the running code has no fingerprint.
 *
 * @example
 * ```ts
 * import { staleRowsReason } from "./rows_made_by.ts";
 * const now = { code: "sha256:a", commit: "c2", dirty: false, backend: "wasm" };
 * staleRowsReason({ ...now, commit: "c1", backend: "cpu" }, now); // null: the same code
 * staleRowsReason({ ...now, code: "sha256:b" }, now); // "made by other code (commit c2)"
 * staleRowsReason(null, now); // "made by code they do not record"
 * ```
 */
export function staleRowsReason(
  stored: RowsMadeBy | null,
  current: RowsMadeBy,
  why: string | null = null,
): string | null {
  if (current.code === null) {
    return `not checked: the running code could not be fingerprinted${why ? ` (${why})` : ""}`;
  }
  if (stored === null || stored.code === null) return "made by code they do not record";
  if (stored.code !== current.code) {
    return `made by other code (commit ${stored.commit?.slice(0, 7) ?? "unknown"}${
      stored.dirty ? ", uncommitted changes" : ""
    })`;
  }
  return null;
}

async function readStoredFrame(path: string): Promise<DataFrame | null> {
  try {
    if (!(await Deno.stat(path)).isFile) return null;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
  return pl.readParquet(path);
}

/** What {@link storedRows} found. */
export interface StoredRows {
  /** The stored rows when they can be reused, else null. */
  rows: DataFrame | null;
  /** Why rows stored for the same samples and methods cannot be reused. */
  stale?: string;
  /** How rows computed now are made, for the file that replaces them. */
  madeBy: RowsMadeBy;
}

/**
 * The rows stored at `file` when they can stand for what the running code
 * computes: there is a file (and not `force`), its rows (`rowsOf`, which checks
 * the schema and names the file) are for the samples and methods asked
 * (`fits`), and the code that made them is the running code.
 */
export async function storedRows(
  file: string,
  force: boolean,
  rowsOf: (stored: DataFrame, file: string) => DataFrame,
  fits: (rows: DataFrame) => boolean,
): Promise<StoredRows> {
  const [madeBy, { why }] = await Promise.all([currentRowsMadeBy(), rowsCode()]);
  const stored = force ? null : await readStoredFrame(file);
  if (stored === null) return { rows: null, madeBy };
  const rows = rowsOf(stored, file);
  if (!fits(rows)) return { rows: null, madeBy };
  const stale = staleRowsReason(await readMadeBy(file), madeBy, why);
  return stale === null ? { rows, madeBy } : { rows: null, stale, madeBy };
}
