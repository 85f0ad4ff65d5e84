/**
 * The tables and figures of notebook 04: one table of methods × cells ×
 * measures with 95 % intervals over folds (`table-q.1`), the perturbation
 * curves (`fig-q.1` … `fig-q.3`) and the randomisation curves (`fig-q.4`,
 * `fig-q.5`) as Vega-Lite figures.
 *
 * @module
 */
import { cellLabel, datasetLabel, isBaselineMethod, methodLabel } from "../eval/mod.ts";
import type { QualityAggregateRow } from "../eval/mod.ts";
import { chartFigure, curveGridChartSpec, type CurvePoint } from "../plot/mod.ts";
import type { FigureArtifact, TableArtifact } from "./artifact.ts";
import { UnknownArtifactError } from "./errors.ts";
import { entryAccuracy } from "./grid.ts";
import { qualityMethodsOf, type QualityResult } from "./quality.ts";
import { FLAG_COLUMN, minimumFlag } from "./tables.ts";

const BASELINE_LABELS: Readonly<Record<string, string>> = {
  uniform: "uniform (chance)",
  random: "random (chance)",
  intensity: "intensity (x+1)/2",
};

/** The display name of a method or baseline. */
export function qualityMethodLabel(id: string): string {
  return isBaselineMethod(id) ? BASELINE_LABELS[id] : methodLabel(id);
}

/** A column of the quality table: which aggregate it shows. */
export interface QualityColumn {
  /** Column title. */
  title: string;
  /** Measure id. */
  measure: string;
  /** Setting prefix (`steps`, `patches`, `cascading`), "" for none. */
  setting: string;
  /** Removal order, "" for none. */
  order: string;
  /** Randomisation: the last stage (every layer randomised). */
  lastStage?: boolean;
  /** Whether higher is better (false: the method should change, i.e. low similarity). */
  higherIsBetter: boolean;
}

/** The columns of `table-q.1`, in order. */
export const QUALITY_COLUMNS_SHOWN: readonly QualityColumn[] = [
  {
    title: "AOPC MoRF (steps)",
    measure: "aopc",
    setting: "steps",
    order: "morf",
    higherIsBetter: true,
  },
  {
    title: "MoRF−LeRF gap (steps)",
    measure: "morf_lerf_gap",
    setting: "steps",
    order: "",
    higherIsBetter: true,
  },
  {
    title: "MoRF−LeRF gap (7×7 patches)",
    measure: "morf_lerf_gap",
    setting: "patches",
    order: "",
    higherIsBetter: true,
  },
  {
    title: "mass accuracy",
    measure: "mass_accuracy",
    setting: "",
    order: "",
    higherIsBetter: true,
  },
  {
    title: "rank accuracy",
    measure: "rank_accuracy",
    setting: "",
    order: "",
    higherIsBetter: true,
  },
  {
    title: "pointing game",
    measure: "pointing_game",
    setting: "",
    order: "",
    higherIsBetter: true,
  },
  { title: "cosine (thesis)", measure: "cosine", setting: "", order: "", higherIsBetter: true },
  {
    title: "Spearman, all layers random",
    measure: "spearman",
    setting: "cascading",
    order: "",
    lastStage: true,
    higherIsBetter: false,
  },
  {
    title: "SSIM, all layers random",
    measure: "ssim",
    setting: "cascading",
    order: "",
    lastStage: true,
    higherIsBetter: false,
  },
];

/** The aggregate of a column for (dataset, cell, method), or undefined. */
export function qualityValue(
  aggregate: readonly QualityAggregateRow[],
  column: QualityColumn,
  dataset: string,
  cell: string,
  method: string,
): QualityAggregateRow | undefined {
  const found = aggregate.filter((r) =>
    r.dataset === dataset && r.cell === cell && r.method === method &&
    r.measure === column.measure && r.order === column.order &&
    r.setting.startsWith(column.setting)
  );
  if (!column.lastStage) return found[0];
  return found.reduce<QualityAggregateRow | undefined>(
    (best, r) => best === undefined || r.step > best.step ? r : best,
    undefined,
  );
}

function formatValue(r: QualityAggregateRow | undefined): string | null {
  if (!r || !Number.isFinite(r.mean)) return null;
  const m = r.mean.toFixed(2);
  return r.ci_lo === null || r.ci_hi === null
    ? m
    : `${m} [${r.ci_lo.toFixed(2)}, ${r.ci_hi.toFixed(2)}]`;
}

/**
 * `table-q.1`: every method and baseline on every cell and MAJ dataset, one
 * column per measure (mean over folds with its 95 % t interval).
 */
export function qualityTable(quality: QualityResult): TableArtifact {
  const rows = quality.entries.flatMap((entry) => {
    const flag = minimumFlag(entry.dataset, entryAccuracy(entry).mean);
    return qualityMethodsOf(quality, entry.cell).map((method) => ({
      dataset: datasetLabel(entry.dataset),
      cell: cellLabel(entry.cell),
      method: qualityMethodLabel(method),
      ...Object.fromEntries(
        QUALITY_COLUMNS_SHOWN.map((c) => [
          c.title,
          formatValue(qualityValue(quality.aggregate, c, entry.dataset, entry.cell, method)),
        ]),
      ),
      [FLAG_COLUMN]: flag,
    }));
  });
  const folds = Math.max(...quality.aggregate.map((r) => r.n_folds));
  return {
    kind: "table",
    name: "table-q.1",
    caption: `Explanation quality of every method, architecture and chance baseline: mean over ` +
      `${folds} fold${folds === 1 ? "" : "s"} [95 % Student t interval]. AOPC: mean drop of the ` +
      `true-class logit as time steps are removed (−1), most relevant first; gap: MoRF minus ` +
      `LeRF AOPC; localisation against the two marked blocks; randomisation: similarity to ` +
      `the original heatmap once every layer is re-initialised (lower is better).`,
    table: rows,
    runs: quality.runs,
  };
}

/** What a quality figure plots. */
export interface QualityFigureSpec {
  /** File name without extension. */
  name: string;
  /** Caption. */
  caption: string;
  /** Curve measure (`logit`, `accuracy`, `spearman`, `ssim`). */
  measure: string;
  /** Setting prefix (`steps`, `patches`, `cascading`, `independent`). */
  setting: string;
  /** x-axis title. */
  xTitle: string;
  /** y-axis title. */
  yTitle: string;
}

/** The quality figures by number. */
export const QUALITY_FIGURES: Readonly<Record<string, QualityFigureSpec>> = {
  "q.1": {
    name: "fig-q.1",
    caption: "Perturbation over time steps: mean true-class logit as 28×7 steps are set to −1, " +
      "most relevant first (MoRF, it should fall fast) and least relevant first (LeRF, it " +
      "should stay); grey dashed: a random order.",
    measure: "logit",
    setting: "steps",
    xTitle: "steps removed",
    yTitle: "true-class logit",
  },
  "q.2": {
    name: "fig-q.2",
    caption: "Perturbation over time steps: accuracy after each removal (as Fig q.1).",
    measure: "accuracy",
    setting: "steps",
    xTitle: "steps removed",
    yTitle: "accuracy",
  },
  "q.3": {
    name: "fig-q.3",
    caption: "Perturbation over 7×7 pixel patches: mean true-class logit (as Fig q.1).",
    measure: "logit",
    setting: "patches",
    xTitle: "patches removed",
    yTitle: "true-class logit",
  },
  "q.4": {
    name: "fig-q.4",
    caption: "Cascading parameter randomisation: Spearman correlation of each heatmap with the " +
      "original as layers are re-initialised from the output downwards. A method that explains " +
      "the model falls towards 0; one that stays high ignores the weights. Grey dashed: the " +
      "input intensity (ignores the model: 1) and random relevance (0).",
    measure: "spearman",
    setting: "cascading",
    xTitle: "layers randomised",
    yTitle: "Spearman ρ",
  },
  "q.5": {
    name: "fig-q.5",
    caption: "Independent parameter randomisation: Spearman correlation with the original when " +
      "one layer alone is re-initialised (1 = output layer).",
    measure: "spearman",
    setting: "independent",
    xTitle: "randomised layer",
    yTitle: "Spearman ρ",
  },
};

const ORDER_LABELS: Readonly<Record<string, string>> = { morf: "MoRF", lerf: "LeRF" };

/**
 * The curve points of a quality figure, rows and columns in the order of the
 * evaluated models (datasets, then MoRF before LeRF; cells as requested).
 */
export function qualityCurvePoints(quality: QualityResult, spec: QualityFigureSpec): CurvePoint[] {
  const rows = [...new Set(quality.entries.map((e) => datasetLabel(e.dataset)))].flatMap((
    d,
  ) => [d, `${d} · MoRF`, `${d} · LeRF`]);
  const columns = [...new Set(quality.entries.map((e) => cellLabel(e.cell)))];
  return unorderedCurvePoints(quality, spec).sort((a, b) =>
    rows.indexOf(a.row) - rows.indexOf(b.row) ||
    columns.indexOf(a.column) - columns.indexOf(b.column)
  );
}

function unorderedCurvePoints(quality: QualityResult, spec: QualityFigureSpec): CurvePoint[] {
  const perturbation = spec.measure === "logit" || spec.measure === "accuracy";
  const first = quality.methods[0];
  const points: CurvePoint[] = [];
  for (const r of quality.aggregate) {
    if (r.measure !== spec.measure || !r.setting.startsWith(spec.setting)) continue;
    if (!Number.isFinite(r.mean)) continue;
    const column = cellLabel(r.cell);
    if (perturbation) {
      if (r.order === "random") {
        if (r.method !== first) continue;
        for (const o of ["morf", "lerf"]) {
          points.push({
            row: `${datasetLabel(r.dataset)} · ${ORDER_LABELS[o]}`,
            column,
            series: "random order",
            x: r.step,
            y: r.mean,
          });
        }
        continue;
      }
      if (isBaselineMethod(r.method)) continue;
      points.push({
        row: `${datasetLabel(r.dataset)} · ${ORDER_LABELS[r.order]}`,
        column,
        series: qualityMethodLabel(r.method),
        x: r.step,
        y: r.mean,
      });
    } else {
      if (r.method === "uniform") continue;
      points.push({
        row: datasetLabel(r.dataset),
        column,
        series: qualityMethodLabel(r.method),
        x: r.step + 1,
        y: r.mean,
      });
    }
  }
  return points;
}

/** A quality figure by number (`q.1` … `q.5`). */
export async function qualityFigure(
  quality: QualityResult,
  figure: string,
): Promise<FigureArtifact> {
  const spec = Object.hasOwn(QUALITY_FIGURES, figure) ? QUALITY_FIGURES[figure] : undefined;
  if (!spec) {
    throw new UnknownArtifactError("quality figure", figure, Object.keys(QUALITY_FIGURES));
  }
  const references = ["random order", BASELINE_LABELS.intensity, BASELINE_LABELS.random];
  return {
    kind: "figure",
    name: spec.name,
    caption: spec.caption,
    figure: await chartFigure(
      curveGridChartSpec(qualityCurvePoints(quality, spec), {
        xTitle: spec.xTitle,
        yTitle: spec.yTitle,
        references,
      }),
    ),
    runs: quality.runs,
  };
}
