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
import { writeFileAtomic } from "../data/mod.ts";
import { TRAINING_ENV, type TrainingMode } from "../experiments/mod.ts";
import { saveTable } from "../plot/mod.ts";
import { parseProfileName, PROFILES } from "../train/mod.ts";
import { galleryBody, galleryPage, tableEntries, tablesBody, tablesPage } from "./catalog.ts";
import { accuracyRecords, accuracyRows, frontBody, frontPage } from "./front.ts";
import {
  type FigureEntry,
  notebookBody,
  type NotebookEntry,
  notebookPage,
  notebookTitle,
  PAGES,
  type ReportContext,
  STYLE,
} from "./pages.ts";
import { chromiumPath, printDocument, printPdf } from "./pdf.ts";
import { profileInWords } from "./profile_words.ts";
import { collectProvenance } from "./provenance.ts";
import { notebookOutcomes } from "./verdicts.ts";

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
  /** Train the models the notebooks need and do not find (`missing`) or read stored runs only (`never`). */
  training: TrainingMode;
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
  /** The notebooks executed (or read) this time. */
  notebooks: NotebookEntry[];
  /** The front page, when the pages were written. */
  index?: string;
  /** The PDF, when Chromium was found. */
  pdf?: string;
}

/** What a notebook entry is built from: the executed notebook and its run time. */
async function readEntry(file: string, name: string, seconds: number): Promise<NotebookEntry> {
  const nb = JSON.parse(await Deno.readTextFile(file));
  return {
    notebook: name,
    page: name.replace(/\.ipynb$/, ".html"),
    title: notebookTitle(nb, name),
    seconds,
    outcomes: notebookOutcomes(nb),
  };
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Saves the combined accuracy table (every model of every accuracy table) beside the others. */
async function saveAccuracyTable(figures: FigureEntry[], dir: string, profile: string) {
  const rows = accuracyRows(figures);
  if (rows.length === 0) return;
  const sources = figures.filter((f) => Array.isArray(f.accuracy));
  await saveTable(accuracyRecords(rows), "table-accuracy", {
    dir,
    digits: 2,
    provenance: {
      profile,
      seed: typeof sources[0].seed === "number" ? sources[0].seed : 0,
      backend: typeof sources[0].backend === "string" ? sources[0].backend : "n/a",
      runs: [...new Set(sources.flatMap((f) => (f.runs as string[] | undefined) ?? []))],
      caption: "Test accuracy (%) of every model: the thesis's, this run's, the gap (this run − " +
        "thesis, percentage points), the Table 3.2 minimum, and the epochs trained (the " +
        "thesis: 100).",
      thesisCaption: null,
    },
  });
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
    [TRAINING_ENV]: opts.training,
    RNNX_FIGURES_DIR: paths.figures,
  };
  const timingsFile = `${paths.report}/timings.json`;
  let previous: { notebook: string; seconds: number }[] = [];
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
      log(
        `running ${name} (profile ${opts.profile}${
          opts.training === "never" ? ", stored runs only" : ""
        }) ...`,
      );
      const t0 = performance.now();
      const inPlace = paths.executed === paths.notebooks;
      out = await executeNotebook(`${paths.notebooks}/${name}`, {
        outputDir: inPlace ? undefined : paths.executed,
        env,
      });
      seconds = (performance.now() - t0) / 1000;
      log(`  done in ${seconds.toFixed(0)} s`);
    }
    entries.push(await readEntry(out, name, seconds));
  }
  if (!opts.html) return { notebooks: entries };

  await Deno.mkdir(paths.report, { recursive: true });
  // Every executed notebook gets a page, not only those run this time.
  const all: NotebookEntry[] = [];
  for (const name of await listNotebooks(paths.notebooks, [])) {
    const ran = entries.find((e) => e.notebook === name);
    if (ran) all.push(ran);
    else if (await exists(`${paths.executed}/${name}`)) {
      const seconds = previous.find((p) => p.notebook === name)?.seconds ?? 0;
      all.push(await readEntry(`${paths.executed}/${name}`, name, seconds));
    }
  }
  await saveAccuracyTable(await readManifest(paths.figures), paths.figures, opts.profile);
  const figures = await readManifest(paths.figures);
  const backends = [
    ...new Set(figures.map((f) => f.backend).filter((b): b is string => typeof b === "string")),
  ];
  const ctx: ReportContext = {
    profile: opts.profile,
    provenance: await collectProvenance(paths.notebooks, backends),
    notebooks: all,
  };
  const figuresHref = relative(paths.report, paths.figures);
  await writeFileAtomic(`${paths.report}/${PAGES.css}`, STYLE + (await highlightCss()));
  const fragments = new Map<string, string>();
  for (const e of all) {
    const fragment = await notebookToHtmlFragment(`${paths.executed}/${e.notebook}`);
    fragments.set(e.notebook, fragment);
    await writeFileAtomic(`${paths.report}/${e.page}`, notebookPage(e, fragment, ctx));
  }
  const markdown = new Map<string, string>();
  for (const t of tableEntries(figures)) {
    const md = t.files.find((f) => f.endsWith(".md"))!;
    markdown.set(t.name, await Deno.readTextFile(`${paths.figures}/${md}`));
  }
  const front = {
    ctx,
    profileWords: profileInWords(PROFILES[parseProfileName(opts.profile)]),
    figures,
    figuresHref,
  };
  const index = `${paths.report}/${PAGES.front}`;
  await writeFileAtomic(index, frontPage(front));
  await writeFileAtomic(
    `${paths.report}/${PAGES.tables}`,
    tablesPage(ctx, figures, markdown, figuresHref),
  );
  await writeFileAtomic(`${paths.report}/${PAGES.gallery}`, galleryPage(ctx, figures, figuresHref));
  await writeFileAtomic(
    timingsFile,
    JSON.stringify(
      {
        profile: opts.profile,
        training: opts.training,
        notebooks: all.map(({ notebook, page, title, seconds }) => ({
          notebook,
          page,
          title,
          seconds,
        })),
      },
      null,
      2,
    ) + "\n",
  );
  if (!(await exists(chromiumPath()))) {
    log(`no PDF: Chromium not found at ${chromiumPath()} (set CHROMIUM_PATH)`);
    return { notebooks: entries, index };
  }
  const print = `${paths.report}/${PAGES.print}`;
  const pdf = `${paths.report}/${PAGES.pdf}`;
  await writeFileAtomic(
    print,
    printDocument("rnn-explain reproduction report", [
      frontBody(front),
      ...all.map((e) => notebookBody(fragments.get(e.notebook)!)),
      tablesBody(figures, markdown, figuresHref),
      galleryBody(figures, figuresHref),
    ]),
  );
  try {
    await printPdf(print, pdf);
  } finally {
    await Deno.remove(print).catch(() => {});
  }
  return { notebooks: entries, index, pdf };
}
