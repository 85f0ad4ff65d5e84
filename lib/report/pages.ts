/**
 * The HTML report: one page per executed notebook (nbconvert's fragment in a
 * self-contained page: no scripts, no remote assets, readable offline) and an
 * index that links the pages and the figures.
 *
 * @module
 */

/** What the index says about one notebook. */
export interface NotebookEntry {
  /** File name of the notebook, e.g. `01-sequence-classification.ipynb`. */
  notebook: string;
  /** File name of its page in the report folder. */
  page: string;
  /** Its first Markdown heading. */
  title: string;
  /** Execution time in seconds. */
  seconds: number;
}

/** A figure listed in `figures/MANIFEST.json`. */
export interface FigureEntry {
  name: string;
  files: string[];
  [key: string]: unknown;
}

/** Facts printed in the header of every page. */
export interface ReportContext {
  profile: string;
  commit: string;
  backend: string;
  date: string;
}

const STYLE = `
body { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; margin: 0; color: #1d1d1f;
  background: #fafafa; line-height: 1.5; }
header { background: #23395d; color: #fff; padding: 0.8em 2em; }
header a { color: #cfe0ff; }
main { max-width: 1100px; margin: 0 auto; padding: 1em 2em 4em; background: #fff; }
img, svg { max-width: 100%; height: auto; }
pre { background: #f4f4f6; padding: 0.6em; overflow-x: auto; font-size: 0.85em; }
table { border-collapse: collapse; margin: 0.5em 0; font-size: 0.9em; }
th, td { border: 1px solid #d0d0d8; padding: 0.25em 0.6em; text-align: right; }
th { background: #eef0f6; }
.jp-InputPrompt, .jp-OutputPrompt, .prompt { display: none; }
.jp-InputArea { border-left: 3px solid #8aa4d6; margin: 0.6em 0; }
.jp-OutputArea { margin: 0.3em 0 1em; }
.meta { color: #d8e2f5; font-size: 0.85em; }
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(240px, 1fr)); gap: 1em; }
.figures figure { margin: 0; border: 1px solid #ddd; padding: 0.5em; background: #fff; }
.figures figcaption { font-size: 0.85em; }
`;

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function header(ctx: ReportContext, title: string, home: boolean): string {
  const back = home ? "" : `<a href="index.html">← report index</a> · `;
  return `<header><div>${back}<strong>${escapeHtml(title)}</strong></div>` +
    `<div class="meta">profile ${escapeHtml(ctx.profile)} · backend ${escapeHtml(ctx.backend)} · ` +
    `commit ${escapeHtml(ctx.commit)} · ${escapeHtml(ctx.date)}</div></header>`;
}

function page(title: string, head: string, body: string, css: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${escapeHtml(title)}</title>
<style>${STYLE}${css}</style></head>
<body>${head}<main>${body}</main></body></html>
`;
}

/** Wraps nbconvert's HTML fragment of a notebook in a self-contained report page. */
export function notebookPage(
  entry: NotebookEntry,
  fragment: string,
  ctx: ReportContext,
  highlightCss: string,
): string {
  return page(entry.title, header(ctx, entry.title, false), fragment, highlightCss);
}

/** The report's index: the notebooks with their run times, then every figure. */
export function indexPage(
  notebooks: NotebookEntry[],
  figures: FigureEntry[],
  ctx: ReportContext,
  figuresHref: string,
): string {
  const rows = notebooks.map((n) =>
    `<tr><td style="text-align:left"><a href="${n.page}">${escapeHtml(n.title)}</a></td>` +
    `<td style="text-align:left">${escapeHtml(n.notebook)}</td><td>${
      n.seconds.toFixed(0)
    } s</td></tr>`
  ).join("\n");
  const figs = figures.filter((f) => f.files.some((x) => x.endsWith(".png"))).map((f) => {
    const png = f.files.find((x) => x.endsWith(".png"))!;
    const svg = f.files.find((x) => x.endsWith(".svg"));
    const link = `${figuresHref}/${svg ?? png}`;
    return `<figure><a href="${link}"><img src="${figuresHref}/${png}" alt="${
      escapeHtml(f.name)
    }"></a><figcaption>${escapeHtml(f.name)}</figcaption></figure>`;
  }).join("\n");
  const tables = figures.filter((f) => f.files.some((x) => x.endsWith(".md"))).map((f) =>
    `<li><a href="${figuresHref}/${f.files.find((x) => x.endsWith(".md"))}">${
      escapeHtml(f.name)
    }</a></li>`
  ).join("\n");
  const body =
    `<h1>Designing Recurrent Neural Networks for Explainability — reproduction report</h1>
<p>Each page is an executed notebook that reproduces one part of the thesis: its tables put the
thesis's numbers beside this run's, and each section ends with whether the thesis's claim holds here.
The last one measures explanation quality beyond the thesis (perturbation, localisation and
randomisation checks) on the same trained models.</p>
<h2>Notebooks</h2>
<table><tr><th style="text-align:left">Notebook</th><th style="text-align:left">File</th><th>Run time</th></tr>
${rows}
</table>
<h2>Tables</h2><ul>${tables}</ul>
<h2>Figures</h2>
<div class="figures">${figs}</div>`;
  return page("rnn-explain report", header(ctx, "rnn-explain report", true), body, "");
}

/** The first Markdown heading of a notebook, or its file name. */
export function notebookTitle(
  nb: { cells: { cell_type: string; source: string | string[] }[] },
  fallback: string,
): string {
  for (const cell of nb.cells) {
    if (cell.cell_type !== "markdown") continue;
    const text = Array.isArray(cell.source) ? cell.source.join("") : cell.source;
    const m = text.match(/^#+\s+(.+)$/m);
    if (m) return m[1].trim();
  }
  return fallback;
}
