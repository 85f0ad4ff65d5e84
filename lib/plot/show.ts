/**
 * Display of figures and tables in notebooks: MIME bundles sent with
 * `Deno.jupyter.display(bundle, { raw: true })` when running in a Deno
 * Jupyter kernel, a short text line otherwise.
 *
 * Charts carry `application/vnd.vegalite.v5+json` (the spec, which
 * JupyterLab renders), `image/svg+xml` (kept by headless runs) and
 * `text/plain`; heatmaps `image/png` (base64) and `text/plain`; tables
 * `text/html`, `text/markdown` and `text/plain`.
 *
 * @module
 */
import { asDataFrame, type TableLike, toHtml, toMarkdown } from "../eval/mod.ts";
import { jupyterApi } from "../train/mod.ts";
import type { Figure } from "./figure.ts";
import { toBase64 } from "./svg.ts";

/** A MIME bundle: MIME type → payload. */
export type MimeBundle = Record<string, unknown>;

/** MIME type of Vega-Lite 5 specs. */
export const VEGA_LITE_MIME = "application/vnd.vegalite.v5+json";

/** A function that displays a MIME bundle (the shape of `Deno.jupyter.display`). */
export type DisplayFn = (
  bundle: MimeBundle,
  options: { raw: boolean },
) => Promise<void> | void;

/** Options of {@link show} and {@link showTable}. */
export interface ShowOptions {
  /** Where to send the bundle; default `Deno.jupyter.display` inside a Deno kernel. */
  display?: DisplayFn;
}

/**
 * `Deno.jupyter.display` inside a `deno jupyter` kernel, else undefined
 * (reading `Deno.jupyter` elsewhere throws).
 */
export function jupyterDisplay(): DisplayFn | undefined {
  const api = jupyterApi();
  return api ? (bundle, options) => api.display(bundle, options) : undefined;
}

/** A one-line description of a figure. */
export function describeFigure(figure: Figure): string {
  if (figure.kind === "heatmap") {
    const rows = figure.meta.rowLabels.join(", ");
    return `heatmap ${figure.width}×${figure.height} px` +
      (figure.meta.title ? ` "${figure.meta.title}"` : "") + ` (rows: ${rows})`;
  }
  const title = (figure.spec as { title?: unknown }).title;
  return `chart ${figure.width}×${figure.height} px` +
    (typeof title === "string" ? ` "${title}"` : "");
}

/**
 * The MIME bundle of a figure.
 *
 * @example
 * ```ts
 * import { mimeBundle } from "./show.ts";
 * import { heatmapGrid } from "./heatmap_grid.ts";
 * const fig = heatmapGrid({ rows: [{ label: "x", cells: [{ relevance: new Float32Array(784), width: 28 }] }] });
 * if (!("image/png" in mimeBundle(fig))) throw new Error();
 * ```
 */
export function mimeBundle(figure: Figure): MimeBundle {
  if (figure.kind === "heatmap") {
    return { "image/png": toBase64(figure.png), "text/plain": describeFigure(figure) };
  }
  return {
    [VEGA_LITE_MIME]: figure.spec,
    "image/svg+xml": figure.svg,
    "text/plain": describeFigure(figure),
  };
}

/** Shows a figure in a notebook, or prints its one-line description elsewhere. */
export async function show(figure: Figure, options: ShowOptions = {}): Promise<void> {
  const display = options.display ?? jupyterDisplay();
  if (display) await display(mimeBundle(figure), { raw: true });
  else console.log(describeFigure(figure));
}

/**
 * The MIME bundle of a table (DataFrame or records) or of Markdown text.
 *
 * @example
 * ```ts
 * import { tableBundle } from "./show.ts";
 * const b = tableBundle([{ cell: "deep", mean: 0.8 }]);
 * if (typeof b["text/html"] !== "string") throw new Error();
 * ```
 */
export function tableBundle(
  table: TableLike | string,
  options: { digits?: number } = {},
): MimeBundle {
  if (typeof table === "string") return { "text/markdown": table, "text/plain": table };
  const df = asDataFrame(table);
  const markdown = toMarkdown(df, options);
  return { "text/html": toHtml(df, options), "text/markdown": markdown, "text/plain": markdown };
}

/** Shows a table in a notebook, or prints it as Markdown elsewhere. */
export async function showTable(
  table: TableLike | string,
  options: ShowOptions & { digits?: number } = {},
): Promise<void> {
  const bundle = tableBundle(table, { digits: options.digits });
  const display = options.display ?? jupyterDisplay();
  if (display) await display(bundle, { raw: true });
  else console.log(bundle["text/plain"]);
}
