/**
 * The commit a checkout is at and which of its *sources* differ from it.
 * What the pipeline itself writes into tracked files does not count as a
 * change: the stored runs (`runs/`), the figures and the report, and the
 * outputs of a notebook executed in place (a notebook counts only when one
 * of its cells' sources differs from the commit's). So a report rebuilt on
 * a clean checkout says "clean", and one rebuilt after editing a cell or a
 * library file says which files.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The folders (relative to the repository root) that hold the pipeline's own outputs. */
export const OUTPUT_FOLDERS: readonly string[] = ["runs/", "figures/", "report/"];

/** A checkout's commit and changed source files. */
export interface SourceState {
  /** Full commit hash, or null without git or a commit. */
  commit: string | null;
  /** Tracked source files that differ from the commit (sorted), or null when unknown. */
  changed: string[] | null;
}

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

async function git(root: string, args: string[]): Promise<string | null> {
  try {
    const out = await new Deno.Command("git", {
      args: ["--no-optional-locks", ...args],
      cwd: root,
      stdout: "piped",
      stderr: "null",
    }).output();
    return out.success ? new TextDecoder().decode(out.stdout) : null;
  } catch {
    return null;
  }
}

/** The cells of a notebook as (type, source) pairs, or null when it is not a notebook's JSON. */
function cellSources(text: string | null): string[] | null {
  if (text === null) return null;
  try {
    const cells = JSON.parse(text).cells as { cell_type: string; source: string | string[] }[];
    return cells.map((c) =>
      `${c.cell_type}\u0000${Array.isArray(c.source) ? c.source.join("") : c.source}`
    );
  } catch {
    return null;
  }
}

async function sameNotebookSources(root: string, path: string): Promise<boolean> {
  let now: string | null;
  try {
    now = await Deno.readTextFile(join(root, path));
  } catch {
    return false;
  }
  const a = cellSources(now);
  const b = cellSources(await git(root, ["show", `HEAD:${path}`]));
  return a !== null && b !== null && a.length === b.length && a.every((s, i) => s === b[i]);
}

/**
 * The commit of the repository holding `where` (default: this checkout; any
 * folder inside a work tree names the whole tree) and the
 * tracked source files that differ from it, leaving out the pipeline's own
 * outputs ({@link OUTPUT_FOLDERS}, and notebooks whose cell sources are the
 * commit's).
 *
 * @example
 * ```ts ignore
 * const { commit, changed } = await sourceState();
 * console.log(commit, changed?.length === 0 ? "clean" : changed);
 * ```
 */
export async function sourceState(where: string = REPO_ROOT): Promise<SourceState> {
  // git status names paths from the top of the work tree, whatever folder it runs in
  const root = (await git(where, ["rev-parse", "--show-toplevel"]))?.trim() || where;
  const commit = (await git(root, ["rev-parse", "HEAD"]))?.trim() || null;
  const status = await git(root, ["status", "--porcelain", "-z", "--untracked-files=no"]);
  if (commit === null || status === null) return { commit, changed: null };
  const entries = status.split("\u0000").filter(Boolean);
  const paths: string[] = [];
  for (let i = 0; i < entries.length; i++) {
    const code = entries[i].slice(0, 2);
    paths.push(entries[i].slice(3));
    if (code.includes("R") || code.includes("C")) i++; // the source path of a rename follows
  }
  const changed: string[] = [];
  for (const path of paths) {
    if (OUTPUT_FOLDERS.some((f) => path.startsWith(f))) continue;
    if (path.endsWith(".ipynb") && await sameNotebookSources(root, path)) continue;
    changed.push(path);
  }
  return { commit, changed: changed.sort() };
}
