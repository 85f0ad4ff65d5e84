/**
 * What an experiment produces: thesis tables and figures under their thesis
 * names (`table-3.4`, `fig-3.12`, ...), each with a caption and the runs it
 * was made from. {@link publish} saves one (figures as PNG + SVG, tables as
 * Markdown + CSV, with provenance in `MANIFEST.json`) and shows it in the
 * notebook.
 *
 * @module
 */
import type { TableLike } from "../eval/mod.ts";
import {
  describeFigure,
  type Figure,
  jupyterDisplay,
  save,
  saveTable,
  show,
  showTable,
  toBase64,
  VEGA_LITE_MIME,
} from "../plot/mod.ts";
import type { ExperimentContext } from "./context.ts";
import { settleDisplays } from "./settle.ts";

/** A table ready to be saved and shown. */
export interface TableArtifact {
  /** Discriminant. */
  kind: "table";
  /** File name without extension, e.g. `table-3.4`. */
  name: string;
  /** One or two sentences shown above the table. */
  caption: string;
  /** The rows. */
  table: TableLike;
  /** Run directories (relative to the runs root) the numbers come from. */
  runs: string[];
  /** Decimals shown for non-integer numbers (default 2). */
  digits?: number;
  /** Further provenance (datasets, cells, notes...). */
  extra?: Record<string, unknown>;
}

/** A figure ready to be saved and shown. */
export interface FigureArtifact {
  /** Discriminant. */
  kind: "figure";
  /** File name without extension, e.g. `fig-3.12`. */
  name: string;
  /** One or two sentences shown above the figure. */
  caption: string;
  /** The rendered figure. */
  figure: Figure;
  /** The numbers behind it, saved beside it as `<name>.csv`. */
  data?: TableLike;
  /** Run directories (relative to the runs root) the figure was made from. */
  runs: string[];
  /** Further provenance. */
  extra?: Record<string, unknown>;
}

/** A table or a figure. */
export type Artifact = TableArtifact | FigureArtifact;

/** Options of {@link publish}. */
export interface PublishOptions {
  /** Save the files (default true). */
  save?: boolean;
  /** Show the artifact (default true). */
  show?: boolean;
}

/**
 * Saves an artifact into the context's figures folder (recording profile,
 * seed, backend, runs and caption) and shows its caption and content.
 * Resolves to nothing, so that a notebook cell ending in `await publish(...)`
 * shows no extra output; the written files are listed in `MANIFEST.json`.
 *
 * @example
 * ```ts ignore
 * import { publish } from "./artifact.ts";
 * await publish(exp, parameterTable());
 * ```
 */
export async function publish(
  ctx: ExperimentContext,
  artifact: Artifact,
  options: PublishOptions = {},
): Promise<void> {
  const provenance = {
    profile: ctx.profile.name,
    seed: ctx.seed,
    backend: ctx.backend.name,
    runs: artifact.runs,
    caption: artifact.caption,
    ...artifact.extra,
  };
  if (options.save ?? true) {
    if (artifact.kind === "table") {
      await saveTable(artifact.table, artifact.name, {
        dir: ctx.figuresDir,
        provenance,
        digits: artifact.digits ?? 2,
      });
    } else {
      await save(artifact.figure, artifact.name, {
        dir: ctx.figuresDir,
        provenance,
        data: artifact.data,
      });
    }
  }
  if (options.show ?? true) {
    await showTable(`**${artifact.name}.** ${artifact.caption}`);
    if (artifact.kind === "table") {
      await showTable(artifact.table, { digits: artifact.digits ?? 2 });
    } else await showFigure(artifact.figure);
    await settleDisplays();
  }
}

/**
 * Shows a figure. Charts go out as their Vega-Lite spec (rendered live by
 * JupyterLab) with a PNG rendering beside it instead of the SVG: nbconvert
 * (6.5 and later) sanitises SVG outputs when it writes HTML, which strips a
 * Vega SVG down to its text, while a PNG passes unchanged.
 */
export async function showFigure(figure: Figure): Promise<void> {
  const display = jupyterDisplay();
  if (figure.kind === "heatmap" || !display) return await show(figure);
  await display({
    [VEGA_LITE_MIME]: figure.spec,
    "image/png": toBase64(figure.png),
    "text/plain": describeFigure(figure),
  }, { raw: true });
}
