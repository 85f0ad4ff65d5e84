/**
 * Figures: relevance heatmap grids (`@napi-rs/canvas`), Vega-Lite 5 charts
 * rendered in-process to SVG and PNG, notebook display with MIME bundles,
 * and saving with a provenance manifest.
 *
 * @example
 * ```ts
 * import { heatmapColor } from "./mod.ts";
 * const [r, g, b] = heatmapColor(1); // dark red
 * ```
 *
 * @module
 */
export * from "./errors.ts";
export * from "./figure.ts";
export * from "./fonts.ts";
export * from "./colormap.ts";
export * from "./svg.ts";
export * from "./heatmap_grid.ts";
export * from "./chart.ts";
export * from "./cosine_chart.ts";
export * from "./distribution_chart.ts";
export * from "./percentage_cosine_chart.ts";
export * from "./accuracy_chart.ts";
export * from "./curve_grid_chart.ts";
export * from "./show.ts";
export * from "./save.ts";
export { CELL_LABELS, METHOD_LABELS } from "../eval/mod.ts";
