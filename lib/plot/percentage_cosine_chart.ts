/**
 * The percentage-vs-cosine illustration (thesis Fig 3.10): for block-share
 * vectors v and a mark vector m, the percentage of correctly distributed
 * relevance next to the cosine similarity.
 *
 * @module
 */
import { cosineSimilarity, percentageCorrect } from "../eval/mod.ts";
import { BRIGHT_PALETTE, chartConfig, VEGA_LITE_SCHEMA } from "./chart.ts";
import { FigureSpecError } from "./errors.ts";
import type { VegaLiteSpec } from "./figure.ts";

/** The block-share vectors of the thesis example (spec §5), for m = [1, 1, 0]. */
export const FIG_3_10_EXAMPLES: readonly (readonly number[])[] = [
  [0.9, 0.1, 0],
  [0.5, 0.3, 0.2],
  [0.5, 0.5, 0],
  [0.1, 0.1, 0.8],
  [0, 0, 1],
  [0, 0.1, 0.9],
];

/** Options of {@link percentageCosineChartSpec}. */
export interface PercentageCosineOptions {
  /** Mark vector; default [1, 1, 0]. */
  marks?: readonly number[];
  /** Chart title; default names m. */
  title?: string;
  /** Reference levels (e.g. chance levels) drawn as grey dashed lines with their labels. */
  levels?: readonly { label: string; value: number }[];
}

function vectorLabel(v: readonly number[]): string {
  return `[${v.map((x) => String(Number(x.toFixed(3)))).join(", ")}]`;
}

/**
 * A grouped bar chart: for every v, the percentage Σ m_k v_k and cos(m, v).
 *
 * @example
 * ```ts
 * import { FIG_3_10_EXAMPLES, percentageCosineChartSpec } from "./percentage_cosine_chart.ts";
 * const spec = percentageCosineChartSpec(FIG_3_10_EXAMPLES);
 * ```
 */
export function percentageCosineChartSpec(
  vectors: readonly (readonly number[])[],
  options: PercentageCosineOptions = {},
): VegaLiteSpec {
  if (vectors.length === 0) {
    throw new FigureSpecError("percentageCosineChartSpec: no vectors given");
  }
  const m = options.marks ?? [1, 1, 0];
  const order = vectors.map((v) => vectorLabel(v));
  const measures = ["Percentage of correct relevance", "Cosine similarity"];
  const values = vectors.flatMap((v, i) => [
    { example: order[i], measure: measures[0], value: percentageCorrect(m, v) },
    { example: order[i], measure: measures[1], value: cosineSimilarity(m, v) },
  ]);
  const x = {
    field: "example",
    type: "nominal" as const,
    sort: order,
    title: "Block shares v",
    axis: { labelAngle: 0, labelLimit: 200 },
  };
  const xOffset = { field: "measure", type: "nominal" as const, sort: measures };
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: options.title ?? `Percentage vs cosine similarity, m = ${vectorLabel(m)}`,
    data: { values },
    width: Math.max(360, 110 * vectors.length),
    height: 260,
    layer: [
      ...(options.levels ?? []).flatMap((level) => [
        {
          data: { values: [level] },
          mark: { type: "rule" as const, color: "#888888", strokeDash: [6, 3] },
          encoding: { y: { field: "value", type: "quantitative" as const } },
        },
        {
          data: { values: [level] },
          mark: {
            type: "text" as const,
            color: "#666666",
            align: "right" as const,
            baseline: "bottom" as const,
            x: "width" as const,
            dy: -2,
            fontSize: 10,
          },
          encoding: {
            y: { field: "value", type: "quantitative" as const },
            text: { field: "label", type: "nominal" as const },
          },
        },
      ]),
      {
        mark: { type: "bar" },
        encoding: {
          x,
          xOffset,
          y: { field: "value", type: "quantitative", title: "Score", scale: { domain: [0, 1.1] } },
          color: {
            field: "measure",
            type: "nominal",
            title: null,
            scale: { domain: measures, range: [BRIGHT_PALETTE[1], BRIGHT_PALETTE[0]] },
            legend: { orient: "top", labelLimit: 400 },
          },
        },
      },
      {
        mark: { type: "text", dy: -6, fontSize: 10 },
        encoding: {
          x,
          xOffset,
          y: { field: "value", type: "quantitative" },
          text: { field: "value", type: "quantitative", format: ".2f" },
        },
      },
    ],
    config: chartConfig(),
  };
}
