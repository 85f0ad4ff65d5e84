/**
 * A grid of line charts: one panel per (row, column) pair, one line per
 * series, with reference series (chance levels, random orders) drawn grey
 * and dashed. Used for the perturbation and randomisation curves of the
 * explanation-quality measures.
 *
 * @module
 */
import { BRIGHT_PALETTE, chartConfig, VEGA_LITE_SCHEMA } from "./chart.ts";
import { FigureSpecError } from "./errors.ts";
import type { VegaLiteSpec } from "./figure.ts";

/** One point of a curve. */
export interface CurvePoint {
  /** Panel row label. */
  row: string;
  /** Panel column label. */
  column: string;
  /** Line label. */
  series: string;
  /** Position on the x axis. */
  x: number;
  /** Value. */
  y: number;
}

/** Options of {@link curveGridChartSpec}. */
export interface CurveGridOptions {
  /** x-axis title. */
  xTitle: string;
  /** y-axis title. */
  yTitle: string;
  /** Chart title. */
  title?: string;
  /** Series drawn grey and dashed, after the others in the legend. */
  references?: readonly string[];
  /** Panel width and height in pixels (default 150 × 120). */
  panel?: { width: number; height: number };
}

const REFERENCE_GREYS = ["#444444", "#8c8c8c", "#b5b5b5"];

/**
 * The Vega-Lite spec of a grid of curves.
 *
 * @example
 * ```ts
 * import { curveGridChartSpec } from "./curve_grid_chart.ts";
 * const spec = curveGridChartSpec([
 *   { row: "MoRF", column: "Deep", series: "DTD", x: 0, y: 3 },
 *   { row: "MoRF", column: "Deep", series: "DTD", x: 1, y: 1 },
 * ], { xTitle: "removed", yTitle: "logit" });
 * ```
 */
export function curveGridChartSpec(
  points: readonly CurvePoint[],
  options: CurveGridOptions,
): VegaLiteSpec {
  if (points.length === 0) throw new FigureSpecError("curveGridChartSpec: no points given");
  const refs = options.references ?? [];
  const names = [...new Set(points.map((p) => p.series))];
  const ordered = [
    ...names.filter((n) => !refs.includes(n)),
    ...names.filter((n) => refs.includes(n)),
  ];
  let k = 0;
  let g = 0;
  const colors = ordered.map((n) =>
    refs.includes(n) ? REFERENCE_GREYS[g++ % REFERENCE_GREYS.length] : BRIGHT_PALETTE[k++ % 10]
  );
  const dashes = ordered.map((n) => refs.includes(n) ? [5, 3] : [1, 0]);
  const legend = { field: "series", type: "nominal" as const, title: null };
  const panel = options.panel ?? { width: 150, height: 120 };
  return {
    $schema: VEGA_LITE_SCHEMA,
    ...(options.title ? { title: options.title } : {}),
    data: { values: points.map((p) => ({ ...p })) },
    facet: {
      row: {
        field: "row",
        type: "nominal",
        title: null,
        sort: [...new Set(points.map((p) => p.row))],
      },
      column: {
        field: "column",
        type: "nominal",
        title: null,
        sort: [...new Set(points.map((p) => p.column))],
      },
    },
    spec: {
      width: panel.width,
      height: panel.height,
      mark: { type: "line", point: { filled: true, size: 18 }, strokeWidth: 1.8 },
      encoding: {
        x: { field: "x", type: "quantitative", title: options.xTitle },
        y: { field: "y", type: "quantitative", title: options.yTitle, scale: { zero: false } },
        color: {
          ...legend,
          sort: ordered,
          scale: { domain: ordered, range: colors },
          legend: { symbolType: "stroke", symbolStrokeWidth: 2.5 },
        },
        strokeDash: { ...legend, sort: ordered, scale: { domain: ordered, range: dashes } },
        tooltip: [
          { field: "series" },
          { field: "x", format: ".3g" },
          { field: "y", format: ".3f" },
        ],
      },
    },
    resolve: { scale: { y: "independent" } },
    config: chartConfig(),
  };
}
