/**
 * Accuracy per cell with 95% CI bars and the acceptance threshold of each
 * dataset (98% MNIST, 85% Fashion-MNIST), one panel per dataset, from the
 * table of `accuracySummary`.
 *
 * @module
 */
import type { DataFrame } from "nodejs-polars";
import { CELL_IDS, cellLabel, datasetLabel, requireColumns } from "../eval/mod.ts";
import { chartConfig, VEGA_LITE_SCHEMA } from "./chart.ts";
import { cellScale } from "./cosine_chart.ts";
import { FigureSpecError } from "./errors.ts";
import type { VegaLiteSpec } from "./figure.ts";

/**
 * The default threshold of a dataset id: 0.85 when it names Fashion-MNIST
 * ("fashion"), 0.98 when it names MNIST, none otherwise.
 */
export function accuracyThreshold(dataset: string): number | null {
  if (/fashion/i.test(dataset)) return 0.85;
  if (/mnist/i.test(dataset)) return 0.98;
  return null;
}

/** Options of {@link accuracyChartSpec}. */
export interface AccuracyChartOptions {
  /** Threshold per dataset id; default {@link accuracyThreshold}. */
  thresholds?: Readonly<Record<string, number>> | ((dataset: string) => number | null);
  /** Chart title. */
  title?: string;
  /** Baseline cell(s), coloured blue as in the cosine charts. */
  baseline?: string | readonly string[];
}

function num(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

/**
 * A Vega-Lite bar chart of mean accuracy over folds per cell with CI bars
 * and a dashed threshold rule per dataset.
 *
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { accuracyChartSpec } from "./accuracy_chart.ts";
 * const summary = pl.DataFrame({
 *   dataset: ["mnist-maj"], cell: ["deep"], mean: [0.984], ci_lo: [0.983], ci_hi: [0.985],
 * });
 * const spec = accuracyChartSpec(summary);
 * ```
 */
export function accuracyChartSpec(
  summary: DataFrame,
  options: AccuracyChartOptions = {},
): VegaLiteSpec {
  requireColumns(summary, ["dataset", "cell", "mean", "ci_lo", "ci_hi"], "accuracyChartSpec");
  const records = summary.toRecords() as Record<string, unknown>[];
  if (records.length === 0) throw new FigureSpecError("accuracyChartSpec: no rows to plot");
  const t = options.thresholds;
  const threshold = (d: string): number | null =>
    t === undefined ? accuracyThreshold(d) : typeof t === "function" ? t(d) : t[d] ?? null;
  const cells = CELL_IDS.filter((c) => records.some((r) => r.cell === c));
  const baselines = options.baseline === undefined
    ? []
    : typeof options.baseline === "string"
    ? [options.baseline]
    : [...options.baseline];
  const scale = cellScale(cells, baselines);
  const values = records.map((r) => ({
    dataset: datasetLabel(String(r.dataset)),
    cell: cellLabel(String(r.cell)),
    mean: num(r.mean),
    ci_lo: num(r.ci_lo),
    ci_hi: num(r.ci_hi),
    threshold: threshold(String(r.dataset)),
  }));
  const datasets = [...new Set(values.map((v) => v.dataset))];
  const yScale = { zero: false, padding: 16 };
  const x = {
    field: "cell",
    type: "nominal" as const,
    sort: cells.map(cellLabel),
    title: "Architecture",
    axis: { labelAngle: -35 },
  };
  return {
    $schema: VEGA_LITE_SCHEMA,
    ...(options.title ? { title: options.title } : {}),
    data: { values },
    facet: { column: { field: "dataset", type: "nominal", title: null, sort: datasets } },
    spec: {
      width: Math.max(200, 34 * cells.length),
      height: 240,
      layer: [
        {
          mark: { type: "bar", clip: true },
          encoding: {
            x,
            y: {
              field: "mean",
              type: "quantitative",
              title: "Accuracy (mean over folds)",
              scale: yScale,
              stack: null,
              axis: { format: ".1%" },
            },
            color: {
              field: "cell",
              type: "nominal",
              legend: null,
              scale: { domain: scale.domain, range: scale.range },
            },
            tooltip: [
              { field: "cell" },
              { field: "mean", format: ".4f" },
              { field: "ci_lo", format: ".4f" },
              { field: "ci_hi", format: ".4f" },
            ],
          },
        },
        {
          mark: { type: "rule", strokeWidth: 1.5, color: "#222222" },
          encoding: {
            x,
            y: { field: "ci_lo", type: "quantitative", scale: yScale },
            y2: { field: "ci_hi" },
          },
        },
        {
          mark: { type: "rule", strokeDash: [6, 4], color: "#000000", strokeWidth: 2 },
          encoding: {
            y: { field: "threshold", type: "quantitative", aggregate: "max", scale: yScale },
          },
        },
      ],
    },
    resolve: { scale: { y: "independent" } },
    config: chartConfig(),
  };
}
