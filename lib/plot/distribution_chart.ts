/**
 * Per-step distributions (thesis Fig 3.7): mean share of positive relevance
 * (or of pixel intensity) per time step, one line per series, one panel per
 * dataset, with the share 1/T that uniform relevance (and, in expectation,
 * relevance on one step drawn at random) gives every step as a grey line.
 *
 * @module
 */
import { datasetLabel } from "../eval/mod.ts";
import { BRIGHT_PALETTE, chartConfig, VEGA_LITE_SCHEMA } from "./chart.ts";
import { FigureSpecError } from "./errors.ts";
import type { VegaLiteSpec } from "./figure.ts";

/** One curve: the mean share of every step t = 1..T. */
export interface DistributionSeries {
  /** Dataset id (panel). */
  dataset: string;
  /** Series name, e.g. "pixels" or "Shallow · DTD". */
  series: string;
  /** Mean share per step (index t-1). */
  shares: ArrayLike<number>;
}

/** Options of {@link distributionChartSpec}. */
export interface DistributionChartOptions {
  /** Chart title. */
  title?: string;
  /** Name of the pixel-intensity series, drawn grey and dashed; default "pixels". */
  pixelSeries?: string;
}

/**
 * A Vega-Lite line chart of the per-step shares.
 *
 * @example
 * ```ts
 * import { distributionChartSpec } from "./distribution_chart.ts";
 * const spec = distributionChartSpec([
 *   { dataset: "mnist", series: "pixels", shares: [0.1, 0.3, 0.4, 0.2] },
 * ]);
 * ```
 */
export function distributionChartSpec(
  series: readonly DistributionSeries[],
  options: DistributionChartOptions = {},
): VegaLiteSpec {
  if (series.length === 0) throw new FigureSpecError("distributionChartSpec: no series given");
  const pixels = options.pixelSeries ?? "pixels";
  const values = series.flatMap((s) =>
    Array.from(s.shares, (share, t) => ({
      dataset: datasetLabel(s.dataset),
      series: s.series,
      step: t + 1,
      share,
    }))
  );
  const names = [...new Set(series.map((s) => s.series))];
  const ordered = [...names.filter((n) => n === pixels), ...names.filter((n) => n !== pixels)];
  let k = 0;
  const colors = ordered.map((n) => n === pixels ? "#444444" : BRIGHT_PALETTE[k++ % 10]);
  const dashes = ordered.map((n) => n === pixels ? [5, 3] : [1, 0]);
  const datasets = [...new Set(series.map((s) => datasetLabel(s.dataset)))];
  const legend = { field: "series", type: "nominal" as const, title: "Series" };
  const steps = Math.max(...series.map((s) => s.shares.length));
  // One row per panel carries the chance line and its label.
  const onePerPanel = {
    filter: `datum.step === 1 && datum.series === ${JSON.stringify(ordered[0])}`,
  };
  return {
    $schema: VEGA_LITE_SCHEMA,
    ...(options.title ? { title: options.title } : {}),
    data: { values },
    facet: { column: { field: "dataset", type: "nominal", title: null, sort: datasets } },
    spec: {
      width: 260,
      height: 220,
      layer: [{
        transform: [onePerPanel],
        mark: { type: "rule", color: "#888888", strokeDash: [6, 3] },
        encoding: { y: { datum: 1 / steps, type: "quantitative" } },
      }, {
        transform: [onePerPanel],
        mark: {
          type: "text",
          color: "#666666",
          align: "right",
          baseline: "bottom",
          x: "width",
          dy: -2,
          fontSize: 10,
          text: `uniform or random relevance: 1/${steps}`,
        },
        encoding: { y: { datum: 1 / steps, type: "quantitative" } },
      }, {
        mark: { type: "line", point: { filled: true, size: 40 }, strokeWidth: 2 },
        encoding: {
          x: {
            field: "step",
            type: "ordinal",
            title: "Time step t",
            axis: { labelAngle: 0 },
          },
          y: {
            field: "share",
            type: "quantitative",
            title: "Mean share of positive relevance",
            scale: { domainMin: 0 },
          },
          color: {
            ...legend,
            scale: { domain: ordered, range: colors },
            legend: { symbolType: "stroke", symbolStrokeWidth: 2.5, symbolSize: 300 },
          },
          strokeDash: { ...legend, scale: { domain: ordered, range: dashes } },
          tooltip: [
            { field: "series" },
            { field: "step" },
            { field: "share", format: ".3f" },
          ],
        },
      }],
    },
    config: chartConfig(),
  };
}
