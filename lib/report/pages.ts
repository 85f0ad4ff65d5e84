/**
 * The HTML report's page shell and its notebook pages. Every page is
 * readable offline (no scripts, no remote assets) and shares one header
 * (navigation and provenance) and one style sheet beside it,
 * {@link PAGES}`.css` ({@link STYLE} and the code highlighting), with print
 * rules for the PDF. A notebook page is nbconvert's fragment with a table of
 * contents and previous/next links.
 *
 * @module
 */
import type { ClaimOutcome } from "../experiments/mod.ts";
import { stripTags } from "./html.ts";
import { escapeHtml } from "../train/mod.ts";
import type { Provenance } from "./provenance.ts";

/** What the report knows about one notebook. */
export interface NotebookEntry {
  /** File name of the notebook, e.g. `01-sequence-classification.ipynb`. */
  notebook: string;
  /** File name of its page in the report folder. */
  page: string;
  /** Its first Markdown heading. */
  title: string;
  /** Execution time in seconds. */
  seconds: number;
  /** The verdicts it displays. */
  outcomes: ClaimOutcome[];
}

/** A figure or table listed in `figures/MANIFEST.json`. */
export interface FigureEntry {
  /** Its name, e.g. `fig-3.12`. */
  name: string;
  /** Its files, relative to the figures folder. */
  files: string[];
  /** Further provenance (kind, caption, thesisCaption, accuracy…). */
  [key: string]: unknown;
}

/** Facts every page shows. */
export interface ReportContext {
  /** Profile name. */
  profile: string;
  /** Commit, tree, date, backend, machine. */
  provenance: Provenance;
  /** Every notebook page, in order (for the navigation). */
  notebooks: NotebookEntry[];
}

/** The file names of the report's own pages. */
export const PAGES = {
  front: "index.html",
  tables: "tables.html",
  gallery: "figures.html",
  print: "print.html",
  pdf: "report.pdf",
  css: "report.css",
} as const;

/** The report's style sheet (screen and print). */
export const STYLE = `
body { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; margin: 0; color: #1d1d1f;
  background: #fafafa; line-height: 1.5; }
header { background: #23395d; color: #fff; padding: 0.6em 2em; }
header a { color: #cfe0ff; }
header nav a { margin-right: 0.9em; }
main { max-width: 1100px; margin: 0 auto; padding: 1em 2em 4em; background: #fff;
  box-sizing: border-box; }
main.wide { max-width: 1240px; }
img, svg { max-width: 100%; height: auto; }
pre { background: #f4f4f6; padding: 0.6em; overflow-x: auto; font-size: 0.85em;
  white-space: pre-wrap; word-break: break-word; }
table { border-collapse: collapse; margin: 0.5em 0; font-size: 0.88em; }
th, td { border: 1px solid #d0d0d8; padding: 0.2em 0.5em; text-align: left; vertical-align: top; }
th { background: #eef0f6; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.scroll { overflow-x: auto; max-width: 100%; }
.jp-InputPrompt, .jp-OutputPrompt, .prompt { display: none; }
.jp-InputArea { border-left: 3px solid #8aa4d6; margin: 0.6em 0; }
.jp-OutputArea { margin: 0.3em 0 1em; overflow-x: auto; }
.jp-RenderedHTMLCommon table, .rendered_html table { display: block; overflow-x: auto;
  max-width: 100%; }
.meta { color: #d8e2f5; font-size: 0.85em; }
a.anchor-link { visibility: hidden; text-decoration: none; margin-left: 0.2em; }
h1:hover a.anchor-link, h2:hover a.anchor-link, h3:hover a.anchor-link { visibility: visible; }
.verdict { padding: 0 0.4em; border-radius: 3px; font-weight: bold; white-space: nowrap; }
.verdict-holds { color: #0b5e2a; background: #d5f2df; }
.verdict-does-not-hold { color: #8a1c1c; background: #fadcdc; }
.verdict-undecided { color: #5c4a00; background: #fbefc4; }
li.claim { margin: 0.5em 0; padding-left: 0.5em; border-left: 4px solid #ccc; }
li.claim.verdict-holds, li.claim.verdict-does-not-hold, li.claim.verdict-undecided {
  background: none; color: inherit; }
li.claim.verdict-holds { border-left-color: #2e9e5b; }
li.claim.verdict-does-not-hold { border-left-color: #c43c3c; }
li.claim.verdict-undecided { border-left-color: #d9b100; }
table.verdicts { width: 100%; table-layout: fixed; font-size: 0.8em; line-height: 1.35; }
table.verdicts td, table.verdicts th { padding: 0.12em 0.4em; }
table.verdicts td { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
main.front h1 { font-size: 1.45em; margin: 0.3em 0 0.2em; }
main.front h2 { font-size: 1.2em; margin: 0.6em 0 0.3em; }
main.front section#verdicts p { margin: 0.3em 0; }
table.verdicts tr.group th { background: #e4e9f4; }
table.verdicts col.v { width: 9.5em; } table.verdicts col.w { width: 8.5em; }
table.verdicts col.c { width: 30%; } table.verdicts col.l { width: 2em; }
.counts .verdict { font-size: 1.05em; margin-right: 0.6em; }
nav.toc { background: #f3f5fa; border: 1px solid #dde3ef; padding: 0.4em 1em; margin: 1em 0; }
nav.toc ol { margin: 0.2em 0; }
nav.pager { display: flex; justify-content: space-between; margin: 1.5em 0; gap: 1em; }
figure.gallery { margin: 2em 0; border-top: 1px solid #ddd; padding-top: 0.5em; }
figure.gallery img { max-width: none; }
.thesis-caption { color: #333; font-style: italic; }
.downloads { font-size: 0.9em; }
details.rnnx-progress summary { cursor: pointer; color: #444; }
@media print {
  header nav, nav.pager, a.anchor-link { display: none; }
  body { background: #fff; }
  h1 { font-size: 1.5em; }
  main, main.wide { max-width: none; padding: 0; }
  figure.gallery img { max-width: 100%; }
  table.verdicts td { white-space: normal; }
  .page { break-before: page; }
  h2 { break-after: avoid; }
  figure, li.claim, tr { break-inside: avoid; }
  details.rnnx-progress { display: none; }
}
`;

function nav(ctx: ReportContext): string {
  return `<nav><a href="${PAGES.front}">Front page</a><a href="${PAGES.tables}">Tables</a>` +
    `<a href="${PAGES.gallery}">Figures</a>${
      ctx.notebooks.map((n) =>
        `<a href="${n.page}" title="${escapeHtml(n.title)}">${
          escapeHtml(n.notebook.replace(/-.*$/, ""))
        }</a>`
      ).join("")
    }<a href="${PAGES.pdf}">PDF</a></nav>`;
}

/** The header of every page: navigation, title, profile and provenance. */
export function header(ctx: ReportContext, title: string): string {
  const p = ctx.provenance;
  return `<header>${nav(ctx)}<div><strong>${escapeHtml(title)}</strong></div>` +
    `<div class="meta">profile ${escapeHtml(ctx.profile)} · backend ${escapeHtml(p.backend)} · ` +
    `commit ${escapeHtml(p.commit)} · tree ${escapeHtml(p.tree)} · ${escapeHtml(p.date)}</div>` +
    `</header>`;
}

/** A whole HTML document, styled by the report's style sheet. */
export function page(title: string, head: string, body: string, mainClass = ""): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="${PAGES.css}"></head>
<body>${head}<main${mainClass ? ` class="${mainClass}"` : ""}>${body}</main></body></html>
`;
}

/** The second-level headings of a fragment: their ids and texts. */
export function headings(fragment: string): { id: string; text: string }[] {
  const out: { id: string; text: string }[] = [];
  for (const m of fragment.matchAll(/<h2 id="([^"]+)"[^>]*>([\s\S]*?)<\/h2>/g)) {
    out.push({ id: m[1], text: stripTags(m[2]) });
  }
  return out;
}

/** The table of contents of a notebook fragment (its h2 headings, and its verdicts). */
export function tableOfContents(fragment: string): string {
  const items = headings(fragment).map((h) =>
    `<li><a href="#${escapeHtml(h.id)}">${escapeHtml(h.text)}</a></li>`
  );
  return items.length
    ? `<nav class="toc"><strong>Contents</strong><ol>${items.join("")}</ol></nav>`
    : "";
}

function pager(entry: NotebookEntry, ctx: ReportContext): string {
  const i = ctx.notebooks.findIndex((n) => n.notebook === entry.notebook);
  const prev = i > 0 ? ctx.notebooks[i - 1] : null;
  const next = i >= 0 && i < ctx.notebooks.length - 1 ? ctx.notebooks[i + 1] : null;
  const link = (n: NotebookEntry | null, rel: string, arrow: string) =>
    n
      ? `<a rel="${rel}" href="${n.page}">${rel === "prev" ? arrow + " " : ""}${
        escapeHtml(n.title)
      }${rel === "next" ? " " + arrow : ""}</a>`
      : `<a rel="${rel}" href="${PAGES.front}">${rel === "prev" ? arrow + " " : ""}Front page${
        rel === "next" ? " " + arrow : ""
      }</a>`;
  return `<nav class="pager">${link(prev, "prev", "←")}${link(next, "next", "→")}</nav>`;
}

/** A notebook page's content: the table of contents, then nbconvert's fragment. */
export function notebookBody(fragment: string): string {
  return tableOfContents(fragment) + fragment;
}

/**
 * A notebook's page: nbconvert's fragment after a table of contents and
 * between previous/next links.
 */
export function notebookPage(entry: NotebookEntry, fragment: string, ctx: ReportContext): string {
  const body = pager(entry, ctx) + notebookBody(fragment) + pager(entry, ctx);
  return page(entry.title, header(ctx, entry.title), body);
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
