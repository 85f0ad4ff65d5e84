/**
 * The report's tables page and figure gallery, built from
 * `figures/MANIFEST.json`: every table rendered as HTML with its CSV and
 * Markdown beside it; every figure at its natural size with the thesis's own
 * caption, this run's note, and links to its PNG, SVG and data CSV.
 *
 * @module
 */
import { thesisCaption } from "../experiments/mod.ts";
import { escapeHtml } from "../train/mod.ts";
import { markdownTableToHtml } from "./markdown_table.ts";
import { type FigureEntry, header, page, type ReportContext } from "./pages.ts";

/** A figure's or table's display name: `fig-3.12` → "Fig 3.12", `table-A1` → "Table A1". */
export function displayName(name: string): string {
  const m = name.match(/^(fig|table)-(.+)$/);
  if (!m) return name;
  const rest = m[2] === "lenet"
    ? "LeNet-5 (§2.3)"
    : m[2] === "accuracy"
    ? "accuracy of every model"
    : m[2];
  return `${m[1] === "fig" ? "Fig" : "Table"} ${rest}`;
}

function file(f: FigureEntry, ext: string): string | undefined {
  return f.files.find((x) => x.endsWith(`.${ext}`) && !x.endsWith(`.vl.${ext}`));
}

function captions(f: FigureEntry): string {
  const words = typeof f.thesisCaption === "string" ? f.thesisCaption : thesisCaption(f.name);
  const thesis = words
    ? `<p class="thesis-caption"><strong>Thesis:</strong> ${escapeHtml(words)}</p>`
    : "";
  const run = typeof f.caption === "string"
    ? `<p class="run-caption"><strong>This run:</strong> ${escapeHtml(f.caption)}</p>`
    : "";
  return thesis + run;
}

function byName(a: FigureEntry, b: FigureEntry): number {
  return a.name.localeCompare(b.name, "en", { numeric: true });
}

/** The tables of the manifest. */
export function tableEntries(figures: readonly FigureEntry[]): FigureEntry[] {
  return figures.filter((f) => f.kind === "table" && file(f, "md")).sort(byName);
}

/** The figures of the manifest. */
export function figureEntries(figures: readonly FigureEntry[]): FigureEntry[] {
  return figures.filter((f) => f.kind !== "table" && (file(f, "svg") || file(f, "png")))
    .sort(byName);
}

/** One table section: name, captions, the table, downloads. `markdown` is the table's `.md`. */
export function tableSection(f: FigureEntry, markdown: string, figuresHref: string): string {
  const csv = file(f, "csv");
  const md = file(f, "md")!;
  return `<section class="table" id="${escapeHtml(f.name)}"><h2>${
    escapeHtml(displayName(f.name))
  }</h2>${captions(f)}<div class="scroll">${markdownTableToHtml(markdown)}</div>` +
    `<p class="downloads">Download: ${
      csv ? `<a href="${figuresHref}/${csv}">CSV</a> · ` : ""
    }<a href="${figuresHref}/${md}">Markdown</a></p></section>`;
}

/** The tables page's content; `markdown` maps a table's name to its Markdown text. */
export function tablesBody(
  figures: readonly FigureEntry[],
  markdown: ReadonlyMap<string, string>,
  figuresHref: string,
): string {
  const sections = tableEntries(figures).filter((f) => markdown.has(f.name))
    .map((f) => tableSection(f, markdown.get(f.name)!, figuresHref));
  const body = `<h1>Tables</h1><p>Every table of this run, the thesis's numbers beside this
run's. The same numbers as CSV (full precision) and Markdown are linked under each.</p>
${sections.join("\n")}`;
  return body;
}

/** The tables page. */
export function tablesPage(
  ctx: ReportContext,
  figures: readonly FigureEntry[],
  markdown: ReadonlyMap<string, string>,
  figuresHref: string,
): string {
  return page(
    "Tables",
    header(ctx, "Tables"),
    tablesBody(figures, markdown, figuresHref),
    "wide",
  );
}

/** One gallery figure: name, captions, the image at its natural size, links. */
export function figureSection(f: FigureEntry, figuresHref: string): string {
  const svg = file(f, "svg");
  const png = file(f, "png");
  const csv = file(f, "csv");
  const image = svg ?? png!;
  const links = [
    png ? `<a href="${figuresHref}/${png}">PNG</a>` : "",
    svg ? `<a href="${figuresHref}/${svg}">SVG</a>` : "",
    csv ? `<a href="${figuresHref}/${csv}">data (CSV)</a>` : "",
  ].filter(Boolean).join(" · ");
  return `<figure class="gallery" id="${escapeHtml(f.name)}"><h2>${
    escapeHtml(displayName(f.name))
  }</h2>${
    captions(f)
  }<div class="scroll"><a href="${figuresHref}/${image}"><img src="${figuresHref}/${image}" alt="${
    escapeHtml(displayName(f.name))
  }" loading="eager"></a></div><figcaption class="downloads">${links}</figcaption></figure>`;
}

/** The figure gallery's content. */
export function galleryBody(figures: readonly FigureEntry[], figuresHref: string): string {
  return `<h1>Figures</h1><p>Every figure of this run in the thesis's numbering, at its
natural size, with the thesis's caption (from its List of Figures) and what this run shows.</p>
${figureEntries(figures).map((f) => figureSection(f, figuresHref)).join("\n")}`;
}

/** The figure gallery. */
export function galleryPage(
  ctx: ReportContext,
  figures: readonly FigureEntry[],
  figuresHref: string,
): string {
  return page("Figures", header(ctx, "Figures"), galleryBody(figures, figuresHref), "wide");
}
