/**
 * Saving of figures and tables with provenance.
 *
 * `save` writes `<dir>/<name>.svg` and `<dir>/<name>.png` (charts also
 * `<name>.vl.json`; with `data`, the numbers behind the figure as
 * `<name>.csv`), `saveTable` writes `<name>.md` and `<name>.csv`; every
 * file is written atomically. Each call merges an entry into
 * `<dir>/MANIFEST.json` (under a lock file, then atomically):
 * `{ [name]: { kind, files, profile, seed, commit, backend, date, runs, ...extra } }`.
 *
 * The folder is, in order of precedence: the `dir` option, the environment
 * variable `RNNX_FIGURES_DIR`, `<repo>/figures`.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeFileAtomic } from "../data/mod.ts";
import { type TableLike, toCsv, toMarkdown } from "../eval/mod.ts";
import { FigureSaveError } from "./errors.ts";
import type { Figure } from "./figure.ts";

/** Environment variable that overrides the figures folder. */
export const FIGURES_DIR_ENV = "RNNX_FIGURES_DIR";

/** Name of the manifest file. */
export const MANIFEST_NAME = "MANIFEST.json";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** Where a figure came from; keys beyond the named ones are stored as they are. */
export interface Provenance {
  /** Run profile. */
  profile: string;
  /** Seed of the runs. */
  seed: number;
  /** Compute backend of the runs (e.g. "wasm"). */
  backend: string;
  /** Run ids or paths the figure was made from. */
  runs: readonly string[];
  /** Further facts (dataset, T, methods...). */
  [key: string]: unknown;
}

/** One manifest entry. */
export interface ManifestEntry {
  /** What was saved. */
  kind: "heatmap" | "chart" | "table";
  /** File names, relative to the figures folder. */
  files: string[];
  /** Run profile. */
  profile: string;
  /** Seed. */
  seed: number;
  /** `git rev-parse HEAD` of the repository, or "unknown". */
  commit: string;
  /** Compute backend. */
  backend: string;
  /** ISO 8601 time of saving. */
  date: string;
  /** Runs read. */
  runs: string[];
  /** Further facts from the provenance. */
  [key: string]: unknown;
}

/** The manifest: name → entry. */
export type Manifest = Record<string, ManifestEntry>;

/** Options of {@link save} and {@link saveTable}. */
export interface SaveOptions {
  /** Where the figure came from. */
  provenance: Provenance;
  /** Figures folder (overrides the environment and the default). */
  dir?: string;
}

/** What was written. */
export interface SavedFigure {
  /** Absolute paths of the written files. */
  paths: string[];
  /** The manifest entry. */
  entry: ManifestEntry;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** The figures folder for the given option (see the module documentation). */
export function figuresDir(dir?: string): string {
  if (dir) return dir;
  let env: string | undefined;
  try {
    env = Deno.env.get(FIGURES_DIR_ENV);
  } catch {
    env = undefined;
  }
  return env || join(REPO_ROOT, "figures");
}

/** The current commit of the repository, or "unknown" (no git, no commit, no permission). */
export async function gitCommit(cwd: string = REPO_ROOT): Promise<string> {
  try {
    const out = await new Deno.Command("git", {
      args: ["rev-parse", "HEAD"],
      cwd,
      stdout: "piped",
      stderr: "null",
    }).output();
    const text = new TextDecoder().decode(out.stdout).trim();
    return out.success && /^[0-9a-f]{40}$/.test(text) ? text : "unknown";
  } catch {
    return "unknown";
  }
}

function checkName(name: string): void {
  if (!NAME.test(name)) {
    throw new FigureSaveError(
      `figure name "${name}" must match ${NAME} (letters, digits, ".", "_", "-"; no folders)`,
    );
  }
}

function checkProvenance(p: Provenance): void {
  const bad: string[] = [];
  if (typeof p?.profile !== "string" || !p.profile) bad.push("profile (non-empty string)");
  if (typeof p?.seed !== "number" || !Number.isFinite(p.seed)) bad.push("seed (number)");
  if (typeof p?.backend !== "string" || !p.backend) bad.push("backend (non-empty string)");
  if (!Array.isArray(p?.runs)) bad.push("runs (array of run ids or paths)");
  if (bad.length) throw new FigureSaveError(`provenance needs ${bad.join(", ")}`);
}

/** Reads the manifest of a folder ({} when there is none). */
export async function readManifest(dir?: string): Promise<Manifest> {
  const path = join(figuresDir(dir), MANIFEST_NAME);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return {};
    throw error;
  }
  try {
    const parsed = JSON.parse(text);
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      throw new Error("not a JSON object");
    }
    return parsed as Manifest;
  } catch (error) {
    throw new FigureSaveError(
      `${path} is not a valid manifest (${(error as Error).message}); fix or remove it`,
    );
  }
}

async function withLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const lock = join(dir, `.${MANIFEST_NAME}.lock`);
  const start = Date.now();
  while (true) {
    try {
      (await Deno.open(lock, { createNew: true, write: true })).close();
      break;
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
      const age = await Deno.stat(lock).then((s) => Date.now() - (s.mtime?.getTime() ?? 0))
        .catch(() => 0);
      if (age > 30_000) {
        await Deno.remove(lock).catch(() => {});
        continue;
      }
      if (Date.now() - start > 60_000) {
        throw new FigureSaveError(`could not lock ${lock} within 60 s; remove it if stale`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  try {
    return await fn();
  } finally {
    await Deno.remove(lock).catch(() => {});
  }
}

async function record(
  dir: string,
  name: string,
  kind: ManifestEntry["kind"],
  files: string[],
  provenance: Provenance,
): Promise<ManifestEntry> {
  const { profile, seed, backend, runs, ...extra } = provenance;
  const entry: ManifestEntry = {
    ...extra,
    kind,
    files,
    profile,
    seed,
    commit: await gitCommit(),
    backend,
    date: new Date().toISOString(),
    runs: [...runs],
  };
  await withLock(dir, async () => {
    const manifest = await readManifest(dir);
    manifest[name] = entry;
    const sorted = Object.fromEntries(
      Object.keys(manifest).sort().map((k) => [k, manifest[k]]),
    );
    await writeFileAtomic(join(dir, MANIFEST_NAME), JSON.stringify(sorted, null, 2) + "\n");
  });
  return entry;
}

async function writeAll(
  dir: string,
  files: [string, Uint8Array | string][],
): Promise<string[]> {
  await Deno.mkdir(dir, { recursive: true });
  const paths: string[] = [];
  for (const [file, data] of files) {
    const path = join(dir, file);
    await writeFileAtomic(path, data);
    paths.push(path);
  }
  return paths;
}

/**
 * Saves a figure as SVG and PNG (charts also their Vega-Lite spec) and
 * records it in the manifest.
 *
 * @example
 * ```ts
 * import { heatmapGrid } from "./heatmap_grid.ts";
 * import { save } from "./save.ts";
 * const dir = await Deno.makeTempDir();
 * const fig = heatmapGrid({ rows: [{ label: "x", cells: [{ relevance: new Float32Array(784), width: 28 }] }] });
 * await save(fig, "example", { dir, provenance: { profile: "ci", seed: 1, backend: "wasm", runs: [] } });
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function save(
  figure: Figure,
  name: string,
  options: SaveOptions & { data?: TableLike },
): Promise<SavedFigure> {
  checkName(name);
  checkProvenance(options.provenance);
  const dir = figuresDir(options.dir);
  const files: [string, Uint8Array | string][] = [
    [`${name}.svg`, figure.svg],
    [`${name}.png`, figure.png],
  ];
  if (figure.kind === "chart") {
    files.push([`${name}.vl.json`, JSON.stringify(figure.spec, null, 2) + "\n"]);
  }
  if (options.data) files.push([`${name}.csv`, toCsv(options.data)]);
  const paths = await writeAll(dir, files);
  const entry = await record(dir, name, figure.kind, files.map(([f]) => f), options.provenance);
  return { paths, entry };
}

/** Saves a table as Markdown and CSV and records it in the manifest. */
export async function saveTable(
  table: TableLike,
  name: string,
  options: SaveOptions & { digits?: number },
): Promise<SavedFigure> {
  checkName(name);
  checkProvenance(options.provenance);
  const dir = figuresDir(options.dir);
  const files: [string, string][] = [
    [`${name}.md`, toMarkdown(table, { digits: options.digits })],
    [`${name}.csv`, toCsv(table)],
  ];
  const paths = await writeAll(dir, files);
  const entry = await record(dir, name, "table", files.map(([f]) => f), options.provenance);
  return { paths, entry };
}
