/**
 * Rendering of Vega-Lite 5 specs in-process: Vega-Lite compiles to Vega,
 * a headless Vega view renders SVG, resvg turns the SVG into PNG with the
 * DejaVu Sans files (no system fonts, for stable output).
 *
 * @module
 */
import { Resvg } from "@resvg/resvg-js";
import type { Config } from "vega-lite";
import type { ChartFigure, VegaLiteSpec } from "./figure.ts";
import { FigureSpecError } from "./errors.ts";
import { FONT_FAMILY, fontFiles } from "./fonts.ts";
import { svgSize } from "./svg.ts";

/** The Vega-Lite schema every chart declares. */
export const VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";

/** Default PNG pixel ratio (PNG pixels per SVG pixel). */
export const PNG_PIXEL_RATIO = 2;

/** seaborn's "bright" palette, the palette of the thesis notebooks. */
export const BRIGHT_PALETTE: readonly string[] = [
  "#023eff",
  "#ff7c00",
  "#1ac938",
  "#e8000b",
  "#8b2be2",
  "#9f4800",
  "#f14cc1",
  "#a3a3a3",
  "#ffc400",
  "#00d7ff",
];

/** The chart config shared by every figure: DejaVu Sans and readable sizes. */
export function chartConfig(): Config {
  return {
    font: FONT_FAMILY,
    axis: { labelFontSize: 12, titleFontSize: 13, grid: true, gridOpacity: 0.5 },
    header: { labelFontSize: 14, titleFontSize: 14 },
    legend: { labelFontSize: 12, titleFontSize: 13, labelLimit: 260 },
    title: { fontSize: 15, anchor: "start" },
    view: { stroke: "#bbbbbb" },
  };
}

/**
 * Renders SVG text to PNG bytes with resvg and the figure fonts.
 *
 * @example
 * ```ts
 * import { svgToPng } from "./chart.ts";
 * const png = svgToPng('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>');
 * if (png[1] !== 0x50) throw new Error(); // "PNG"
 * ```
 */
export function svgToPng(svg: string, pixelRatio: number = PNG_PIXEL_RATIO): Uint8Array {
  const files = fontFiles();
  const resvg = new Resvg(svg, {
    fitTo: { mode: "zoom", value: pixelRatio },
    background: "white",
    font: files.length
      ? { fontFiles: files, loadSystemFonts: false, defaultFontFamily: FONT_FAMILY }
      : { loadSystemFonts: true },
  });
  return new Uint8Array(resvg.render().asPng());
}

/**
 * Renders a Vega-Lite 5 spec (data inline) to SVG and PNG.
 *
 * @example
 * ```ts
 * import { chartFigure } from "./chart.ts";
 * const fig = await chartFigure({
 *   $schema: "https://vega.github.io/schema/vega-lite/v5.json",
 *   data: { values: [{ x: 1, y: 2 }] },
 *   mark: "point",
 *   encoding: { x: { field: "x", type: "quantitative" }, y: { field: "y", type: "quantitative" } },
 * });
 * if (!fig.svg.startsWith("<svg")) throw new Error();
 * ```
 */
export async function chartFigure(
  spec: VegaLiteSpec,
  options: { pixelRatio?: number } = {},
): Promise<ChartFigure> {
  const schema = (spec as { $schema?: string }).$schema;
  if (schema !== undefined && !/vega-lite\/v5(\.\d+)*\.json$/.test(schema)) {
    throw new FigureSpecError(`chartFigure: expected a Vega-Lite v5 spec, got $schema ${schema}`);
  }
  // Loaded on first use: Vega pulls in a large dependency tree.
  const [vega, vl] = await Promise.all([import("vega"), import("vega-lite")]);
  const compiled = vl.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  let svg: string;
  try {
    svg = await view.toSVG();
  } finally {
    view.finalize();
  }
  const { width, height } = svgSize(svg);
  return {
    kind: "chart",
    spec,
    svg,
    png: svgToPng(svg, options.pixelRatio ?? PNG_PIXEL_RATIO),
    width,
    height,
  };
}
