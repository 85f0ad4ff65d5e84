/**
 * The figure values every renderer returns and `show`/`save` accept.
 *
 * @module
 */
import type { TopLevelSpec } from "vega-lite";

/** A Vega-Lite 5 specification (top level, data inline). */
export type VegaLiteSpec = TopLevelSpec;

/** Where one heatmap or input image lies in the figure (pixels of the PNG). */
export interface CellBox {
  /** Index into the spec's rows; -1 for the input row. */
  row: number;
  /** Column index. */
  column: number;
  /** What the cell shows. */
  kind: "relevance" | "input";
  /** Left edge. */
  x: number;
  /** Top edge. */
  y: number;
  /** Width in figure pixels. */
  width: number;
  /** Height in figure pixels. */
  height: number;
  /** Drawn at reduced opacity (misclassified sample). */
  faded: boolean;
}

/** Layout and options of a rendered heatmap grid. */
export interface HeatmapMeta {
  /** Figure title, if any. */
  title?: string;
  /** Row labels as drawn, input row first when present. */
  rowLabels: string[];
  /** Column labels as drawn. */
  columnLabels: string[];
  /** Integer upscaling factor. */
  scale: number;
  /** Negative relevance was set to zero after normalisation. */
  positiveOnly: boolean;
  /** Every drawn cell. */
  cells: CellBox[];
  /** The colour bar, when drawn. */
  colorBar: { x: number; y: number; width: number; height: number } | null;
}

/** A rendered heatmap grid: PNG bytes and an SVG with vector labels. */
export interface HeatmapFigure {
  /** Discriminant. */
  kind: "heatmap";
  /** PNG bytes. */
  png: Uint8Array;
  /** SVG text (cells as embedded PNG images, labels as text). */
  svg: string;
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** Layout and options. */
  meta: HeatmapMeta;
}

/** A rendered Vega-Lite chart. */
export interface ChartFigure {
  /** Discriminant. */
  kind: "chart";
  /** The Vega-Lite 5 spec, data inline. */
  spec: VegaLiteSpec;
  /** SVG rendered by Vega. */
  svg: string;
  /** PNG rendered from the SVG by resvg. */
  png: Uint8Array;
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
}

/** Any figure. */
export type Figure = HeatmapFigure | ChartFigure;
