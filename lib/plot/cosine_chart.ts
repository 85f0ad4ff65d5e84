/**
 * Mean cosine similarity per explanation method and cell with 95% CI bars,
 * one panel per dataset (thesis Figs 3.12, 3.18, 3.21), from the aggregate
 * table of `aggregateEval`. As in seaborn's point plot with `dodge`: methods
 * on x, one line per cell, each cell's points and CI lines shifted a little
 * so that no interval hides another; baseline cells are blue and dotted.
 * Chance levels (e.g. what uniform relevance scores) are grey horizontal
 * lines in their dataset's panel.
 *
 * @module
 */
import type { DataFrame } from "nodejs-polars";
import type { Field } from "vega-lite/build/src/channeldef.js";
import type { UnitSpec } from "vega-lite/build/src/spec/index.js";
import {
  CELL_IDS,
  cellLabel,
  datasetLabel,
  METHOD_IDS,
  methodLabel,
  requireColumns,
} from "../eval/mod.ts";
import { BRIGHT_PALETTE, chartConfig, VEGA_LITE_SCHEMA } from "./chart.ts";
import { FigureSpecError } from "./errors.ts";
import type { VegaLiteSpec } from "./figure.ts";

/** Colours of baseline cells (blue shades). */
export const BASELINE_COLORS: readonly string[] = ["#023eff", "#5f9cff", "#001c80"];

/** Dash pattern of baseline lines. */
export const BASELINE_DASH: readonly number[] = [2, 3];

/** Options of {@link cosineChartSpec}. */
export interface CosineChartOptions {
  /** Baseline cell id(s), drawn blue and dotted. */
  baseline?: string | readonly string[];
  /** Metric rows to plot when the table has a "metric" column; default "cosine". */
  metric?: string;
  /** Chart title. */
  title?: string;
  /** y-axis title; default "Mean cosine similarity" (or the metric name). */
  yTitle?: string;
  /** Dataset ids in panel order; default order of appearance. */
  datasets?: readonly string[];
  /** Reference levels drawn as grey horizontal lines in their dataset's panel. */
  chance?: readonly ChanceLine[];
}

/** A horizontal reference line of one panel. */
export interface ChanceLine {
  /** Dataset id of the panel. */
  dataset: string;
  /** What it is, e.g. "uniform relevance". */
  label: string;
  /** Its y value. */
  value: number;
}

/** The total width (in method steps) the dodged cells of one method spread over. */
export const DODGE_SPAN = 0.6;

/** The x offset of the `index`-th of `count` dodged cells, centred on the method. */
export function dodgeOffset(index: number, count: number): number {
  return count <= 1 ? 0 : (index / (count - 1) - 0.5) * DODGE_SPAN;
}

/** Shared shaping of cells, methods and colours for the per-method charts. */
export function cellScale(cells: readonly string[], baselines: readonly string[]): {
  domain: string[];
  range: string[];
  dash: number[][];
} {
  const ordered = [
    ...baselines.filter((c) => cells.includes(c)),
    ...cells.filter((c) => !baselines.includes(c)),
  ];
  let other = 1;
  let base = 0;
  const range = ordered.map((c) =>
    baselines.includes(c)
      ? BASELINE_COLORS[base++ % BASELINE_COLORS.length]
      : BRIGHT_PALETTE[other++ % BRIGHT_PALETTE.length]
  );
  return {
    domain: ordered.map(cellLabel),
    range,
    dash: ordered.map((c) => baselines.includes(c) ? [...BASELINE_DASH] : [1, 0]),
  };
}

function num(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

/**
 * A Vega-Lite spec of mean cosine (y) per method (x) and cell (colour) with
 * CI bars, faceted by dataset.
 *
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { cosineChartSpec } from "./cosine_chart.ts";
 * const agg = pl.DataFrame({
 *   dataset: ["mnist-maj"], cell: ["deep"], method: ["dtd"], metric: ["cosine"],
 *   mean: [0.8], ci_lo: [0.75], ci_hi: [0.85],
 * });
 * const spec = cosineChartSpec(agg, { baseline: "deep" });
 * ```
 */
export function cosineChartSpec(agg: DataFrame, options: CosineChartOptions = {}): VegaLiteSpec {
  requireColumns(agg, ["dataset", "cell", "method", "mean", "ci_lo", "ci_hi"], "cosineChartSpec");
  const metric = options.metric ?? "cosine";
  const records = (agg.toRecords() as Record<string, unknown>[])
    .filter((r) => !("metric" in r) || r.metric === metric);
  if (records.length === 0) {
    throw new FigureSpecError(`cosineChartSpec: no rows with metric "${metric}" to plot`);
  }
  const baselines = options.baseline === undefined
    ? []
    : typeof options.baseline === "string"
    ? [options.baseline]
    : [...options.baseline];
  baselines.forEach(cellLabel);
  const cells = CELL_IDS.filter((c) => records.some((r) => r.cell === c));
  const methods = METHOD_IDS.filter((m) => records.some((r) => r.method === m));
  const datasets = options.datasets ?? [...new Set(records.map((r) => String(r.dataset)))];
  const missing = baselines.filter((b) => !cells.includes(b as typeof cells[number]));
  if (missing.length) {
    throw new FigureSpecError(
      `cosineChartSpec: baseline ${missing.join(", ")} has no rows; cells present: ${
        cells.join(", ")
      }`,
    );
  }
  const scale = cellScale(cells, baselines);
  // the method's position, shifted by the cell's dodge
  const xOf = (method: string, cell: string) =>
    (methods as readonly string[]).indexOf(method) +
    dodgeOffset(scale.domain.indexOf(cellLabel(cell)), scale.domain.length);
  const values = records.filter((r) => datasets.includes(String(r.dataset))).map((r) => ({
    kind: "model",
    dataset: datasetLabel(String(r.dataset)),
    cell: cellLabel(String(r.cell)),
    method: methodLabel(String(r.method)),
    x: xOf(String(r.method), String(r.cell)),
    mean: num(r.mean),
    ci_lo: num(r.ci_lo),
    ci_hi: num(r.ci_hi),
    baseline: baselines.includes(String(r.cell)),
  }));
  // a method a cell was not explained with breaks its line there (LSTM and GRU take no DTD)
  const gaps = datasets.flatMap((d) =>
    cells.flatMap((c) =>
      methods.filter((m) => !records.some((r) => r.dataset === d && r.cell === c && r.method === m))
        .map((m) => ({
          kind: "model",
          dataset: datasetLabel(d),
          cell: cellLabel(c),
          method: methodLabel(m),
          x: xOf(m, c),
          mean: null,
          ci_lo: null,
          ci_hi: null,
          baseline: baselines.includes(c),
        }))
    )
  );
  const lines = (options.chance ?? []).filter((c) => datasets.includes(c.dataset)).map((c) => ({
    kind: "chance",
    dataset: datasetLabel(c.dataset),
    label: c.label,
    level: c.value,
    x: methods.length - 1 + DODGE_SPAN / 2,
  }));
  const methodOrder = methods.map(methodLabel);
  const yTitle = options.yTitle ?? (metric === "cosine" ? "Mean cosine similarity" : metric);
  const x = {
    field: "x",
    type: "quantitative" as const,
    title: "Explanation method",
    scale: { domain: [-0.5, methods.length - 0.5], nice: false, zero: false },
    axis: {
      labelAngle: -30,
      labelOverlap: false,
      values: methods.map((_, i) => i),
      labelExpr: `${JSON.stringify(methodOrder)}[datum.value]`,
      grid: false,
    },
  };
  const isModel = { filter: "datum.kind === 'model' && isValid(datum.mean)" };
  const isChance = { filter: "datum.kind === 'chance'" };
  const chanceLayers: UnitSpec<Field>[] = lines.length
    ? [
      {
        transform: [isChance],
        mark: { type: "rule", color: "#888888", strokeWidth: 1.2, strokeDash: [6, 3] },
        encoding: { y: { field: "level", type: "quantitative" } },
      },
      {
        transform: [isChance],
        mark: {
          type: "text",
          color: "#666666",
          align: "right",
          baseline: "bottom",
          dy: -2,
          fontSize: 10,
        },
        encoding: {
          x: { field: "x", type: "quantitative" },
          y: { field: "level", type: "quantitative" },
          text: { field: "label" },
        },
      },
    ]
    : [];
  const color = {
    field: "cell",
    type: "nominal" as const,
    title: "Architecture",
    scale: { domain: scale.domain, range: scale.range },
  };
  return {
    $schema: VEGA_LITE_SCHEMA,
    ...(options.title ? { title: options.title } : {}),
    data: { values: [...values, ...gaps, ...lines] },
    facet: {
      column: {
        field: "dataset",
        type: "nominal",
        title: null,
        sort: datasets.map(datasetLabel),
      },
    },
    spec: {
      width: Math.max(240, methods.length * (30 + 10 * cells.length)),
      height: 280,
      layer: [
        ...chanceLayers,
        {
          transform: [{ filter: "datum.kind === 'model'" }],
          mark: { type: "line", strokeWidth: 2 },
          encoding: {
            x,
            y: {
              field: "mean",
              type: "quantitative",
              title: yTitle,
              scale: { zero: false, nice: true },
            },
            color: {
              ...color,
              legend: { symbolType: "stroke", symbolStrokeWidth: 2.5, symbolSize: 300 },
            },
            strokeDash: {
              field: "cell",
              type: "nominal",
              title: "Architecture",
              scale: { domain: scale.domain, range: scale.dash },
            },
          },
        },
        {
          transform: [isModel],
          mark: { type: "rule", strokeWidth: 1.5 },
          encoding: {
            x,
            y: { field: "ci_lo", type: "quantitative" },
            y2: { field: "ci_hi" },
            color,
          },
        },
        {
          transform: [isModel],
          mark: { type: "point", filled: true, size: 50, opacity: 1 },
          encoding: {
            x,
            y: { field: "mean", type: "quantitative" },
            color,
            tooltip: [
              { field: "cell", title: "Architecture" },
              { field: "method", title: "Method" },
              { field: "mean", format: ".4f" },
              { field: "ci_lo", format: ".4f", title: "95% CI low" },
              { field: "ci_hi", format: ".4f", title: "95% CI high" },
            ],
          },
        },
      ],
    },
    resolve: { scale: { y: "shared" } },
    config: chartConfig(),
  };
}
