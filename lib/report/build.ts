/**
 * Builds the report: executes the notebooks headlessly, then writes one HTML
 * page per notebook and an index.
 *
 * @module
 */
import {
  ensureDenoKernel,
  executeNotebook,
  highlightCss,
  nbconvertVersion,
  notebookToHtmlFragment,
} from "./jupyter.ts";
import {
  type FigureEntry,
  indexPage,
  type NotebookEntry,
  notebookPage,
  notebookTitle,
  type ReportContext,
} from "./pages.ts";

/** Where the report's inputs and outputs live. */
export interface ReportPaths {
  /** Folder of the source notebooks. */
  notebooks: string;
  /** Folder the executed notebooks are written to (the same folder for in-place runs). */
  executed: string;
  /** Figures folder (holds MANIFEST.json). */
  figures: string;
  /** Report folder. */
  report: string;
}

/** Options of `buildReport`. */
export interface ReportOptions {
  profile: string;
  /** Notebook name prefixes to run (e.g. `["02"]`); all when empty. */
  only: string[];
  /** Skip the HTML pages. */
  html: boolean;
  /** Execute the notebooks (false: rebuild the pages from the executed notebooks as they are). */
  execute: boolean;
  paths: ReportPaths;
  /** Called with progress lines. */
  log: (line: string) => void;
}

/** The outcome of a report build. */
export interface ReportResult {
  notebooks: NotebookEntry[];
  index?: string;
}

async function gitCommit(cwd: string): Promise<string> {
  try {
    const out = await new Deno.Command("git", {
      args: ["rev-parse", "--short", "HEAD"],
      cwd,
      stdout: "piped",
      stderr: "null",
    }).output();
    return out.code === 0 ? new TextDecoder().decode(out.stdout).trim() : "unknown";
  } catch {
    return "unknown";
  }
}

async function readManifest(figures: string): Promise<FigureEntry[]> {
  try {
    const json = JSON.parse(await Deno.readTextFile(`${figures}/MANIFEST.json`));
    const entries = (json.figures ?? json) as Record<string, FigureEntry>;
    return Object.entries(entries).map(([name, e]) => ({ ...e, name }))
      .sort((a, b) => a.name.localeCompare(b.name, "en", { numeric: true }));
  } catch {
    return [];
  }
}

function relative(from: string, to: string): string {
  const a = from.split("/").filter(Boolean);
  const b = to.split("/").filter(Boolean);
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return [...a.slice(i).map(() => ".."), ...b.slice(i)].join("/") || ".";
}

/** Lists the notebooks to run, in name order, filtered by prefixes. */
export async function listNotebooks(folder: string, only: string[]): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(folder)) {
    if (e.isFile && e.name.endsWith(".ipynb")) names.push(e.name);
  }
  names.sort();
  const chosen = only.length === 0 ? names : names.filter((n) => only.some((p) => n.startsWith(p)));
  if (chosen.length === 0) {
    throw new Error(`no notebook matches --only ${only.join(",")}; notebooks: ${names.join(", ")}`);
  }
  return chosen;
}

/**
 * Executes the notebooks (stopping at the first failing cell) and writes the
 * HTML report. Returns per-notebook timings.
 */
export async function buildReport(opts: ReportOptions): Promise<ReportResult> {
  const { paths, log } = opts;
  log(`nbconvert ${await nbconvertVersion()}`);
  const kernel = await ensureDenoKernel();
  if (kernel === "installed") log("installed the Deno Jupyter kernel (deno jupyter --install)");
  const names = await listNotebooks(paths.notebooks, opts.only);
  await Deno.mkdir(paths.executed, { recursive: true });
  await Deno.mkdir(paths.figures, { recursive: true });
  const env: Record<string, string> = {
    RNNX_PROFILE: opts.profile,
    RNNX_FIGURES_DIR: paths.figures,
  };
  const timingsFile = `${paths.report}/timings.json`;
  let previous: NotebookEntry[] = [];
  try {
    previous = JSON.parse(await Deno.readTextFile(timingsFile)).notebooks ?? [];
  } catch {
    previous = [];
  }
  const entries: NotebookEntry[] = [];
  for (const name of names) {
    let out = `${paths.executed}/${name}`;
    let seconds = previous.find((p) => p.notebook === name)?.seconds ?? 0;
    if (opts.execute) {
      log(`running ${name} (profile ${opts.profile}) ...`);
      const t0 = performance.now();
      const inPlace = paths.executed === paths.notebooks;
      out = await executeNotebook(`${paths.notebooks}/${name}`, {
        outputDir: inPlace ? undefined : paths.executed,
        env,
      });
      seconds = (performance.now() - t0) / 1000;
      log(`  done in ${seconds.toFixed(0)} s`);
    }
    const nb = JSON.parse(await Deno.readTextFile(out));
    entries.push({
      notebook: name,
      page: name.replace(/\.ipynb$/, ".html"),
      title: notebookTitle(nb, name),
      seconds,
    });
  }
  if (!opts.html) return { notebooks: entries };

  await Deno.mkdir(paths.report, { recursive: true });
  const figures = await readManifest(paths.figures);
  const backends = new Set(figures.map((f) => f.backend).filter((b) => typeof b === "string"));
  const ctx: ReportContext = {
    profile: opts.profile,
    commit: await gitCommit(paths.notebooks),
    backend: backends.size > 0 ? [...backends].join(", ") : "n/a",
    date: new Date().toISOString().slice(0, 10),
  };
  const css = await highlightCss();
  for (const e of entries) {
    const fragment = await notebookToHtmlFragment(`${paths.executed}/${e.notebook}`);
    await Deno.writeTextFile(`${paths.report}/${e.page}`, notebookPage(e, fragment, ctx, css));
  }
  // Keep timings of notebooks not re-run this time, so the index always lists every page.
  const merged = [
    ...previous.filter((p) => !entries.some((e) => e.notebook === p.notebook)),
    ...entries,
  ].sort((a, b) => a.notebook.localeCompare(b.notebook));
  await Deno.writeTextFile(
    timingsFile,
    JSON.stringify({ profile: opts.profile, notebooks: merged }, null, 2) + "\n",
  );
  const index = `${paths.report}/index.html`;
  await Deno.writeTextFile(
    index,
    indexPage(merged, figures, ctx, relative(paths.report, paths.figures)),
  );
  return { notebooks: entries, index };
}
