/**
 * Grids of relevance heatmaps (rows: models or methods, columns: samples),
 * drawn with `@napi-rs/canvas` as in the thesis figures: per-sample
 * normalisation by max|R| + 1e-10, the heatmapping.org colour map, inputs in
 * gist_gray, misclassified samples framed in red and lightened to opacity
 * 0.6 over white (the heatmap stays readable), integer
 * nearest-neighbour upscaling, row and column labels and a colour bar.
 *
 * @module
 */
import { createCanvas, type SKRSContext2D } from "@napi-rs/canvas";
import {
  fadeColor,
  grayColor,
  heatmapColor,
  heatmapColorStops,
  normalizeRelevance,
} from "./colormap.ts";
import type { Rgb } from "./colormap.ts";
import { FigureSpecError } from "./errors.ts";
import type { CellBox, HeatmapFigure, HeatmapMeta } from "./figure.ts";
import { font, FONT_FAMILY } from "./fonts.ts";
import { escapeXml } from "./svg.ts";

/** Rows of every heatmap. */
const ROWS = 28;

/** One heatmap of the grid. */
export interface HeatmapCell {
  /** Relevance, 28×width row-major. */
  relevance: ArrayLike<number>;
  /** Columns (28 or 84). */
  width: number;
  /** The input image, 28×width in [-1, 1], for the optional input row. */
  input?: ArrayLike<number>;
  /** Draw faded (e.g. a misclassified sample). */
  faded?: boolean;
}

/** One row of the grid. */
export interface HeatmapRow {
  /** Row label, e.g. "Deep · DTD". */
  label: string;
  /** One cell per column. */
  cells: HeatmapCell[];
}

/** What to draw. */
export interface HeatmapGridSpec {
  /** The rows, each with one cell per column. */
  rows: HeatmapRow[];
  /** Column captions (one per column). */
  columnLabels?: string[];
  /** Title above the grid. */
  title?: string;
  /** Zero the negative relevance after normalisation; default false. */
  positiveOnly?: boolean;
  /** Integer upscaling factor; default 4. */
  scale?: number;
  /**
   * Adds a first row with the inputs (taken per column from the first row
   * that has one); `true` labels it "Input", a string gives the label.
   */
  inputRow?: boolean | string;
  /** Draw the colour bar; default true. */
  colorBar?: boolean;
  /** Opacity of faded cells; default {@link FADED_ALPHA}. */
  fadedAlpha?: number;
}

/** Default upscaling factor. */
export const DEFAULT_SCALE = 4;

/** Default opacity of faded cells: lighter, still readable. */
export const FADED_ALPHA = 0.6;

/** Colour of the frame around faded (misclassified) cells. */
export const FADED_FRAME = "#d62728";

/** Line width of that frame, in pixels. */
export const FADED_FRAME_WIDTH = 2;

const MARGIN = 12;
const GAP = 6;
const LABEL_PX = 13;
const TITLE_PX = 15;
const ROW_LABEL_PAD = 10;
const BAR_GAP = 16;
const BAR_WIDTH = 14;
const BAR_TICK_GAP = 5;
const TEXT_COLOR = "#222222";

interface Layout {
  width: number;
  height: number;
  cells: CellBox[];
  colX: number[];
  colW: number[];
  rowY: number[];
  rowH: number;
  gridX: number;
  rowLabels: string[];
  bar: { x: number; y: number; width: number; height: number } | null;
  ticks: { value: number; label: string; y: number }[];
}

interface DrawCell {
  box: CellBox;
  values: ArrayLike<number>;
  width: number;
}

function checkCell(cell: HeatmapCell, where: string): void {
  if (!Number.isInteger(cell.width) || cell.width <= 0) {
    throw new FigureSpecError(`${where}: width must be a positive integer, got ${cell.width}`);
  }
  if (cell.relevance.length !== ROWS * cell.width) {
    throw new FigureSpecError(
      `${where}: relevance must hold 28×${cell.width} = ${ROWS * cell.width} values, ` +
        `got ${cell.relevance.length}`,
    );
  }
  if (cell.input && cell.input.length !== ROWS * cell.width) {
    throw new FigureSpecError(
      `${where}: input must hold 28×${cell.width} = ${ROWS * cell.width} values, ` +
        `got ${cell.input.length}`,
    );
  }
}

function measure(ctx: SKRSContext2D, text: string, px: number, bold = false): number {
  ctx.font = font(px, bold);
  return text ? ctx.measureText(text).width : 0;
}

/** Pixels of one cell, upscaled by `scale` (nearest neighbour), RGBA. */
function cellPixels(
  values: ArrayLike<number>,
  width: number,
  scale: number,
  color: (x: number) => Rgb,
  alpha: number | null,
): Uint8ClampedArray {
  const w = width * scale;
  const out = new Uint8ClampedArray(w * ROWS * scale * 4);
  for (let r = 0; r < ROWS; r++) {
    for (let c = 0; c < width; c++) {
      let rgb = color(values[r * width + c]);
      if (alpha !== null) rgb = fadeColor(rgb, alpha);
      for (let dy = 0; dy < scale; dy++) {
        let p = ((r * scale + dy) * w + c * scale) * 4;
        for (let dx = 0; dx < scale; dx++, p += 4) {
          out[p] = rgb[0];
          out[p + 1] = rgb[1];
          out[p + 2] = rgb[2];
          out[p + 3] = 255;
        }
      }
    }
  }
  return out;
}

function layoutGrid(spec: HeatmapGridSpec, scale: number, ctx: SKRSContext2D): {
  layout: Layout;
  draw: DrawCell[];
} {
  const rows = spec.rows;
  if (rows.length === 0) throw new FigureSpecError("heatmapGrid: at least one row is needed");
  const nCols = spec.columnLabels?.length ?? rows[0].cells.length;
  rows.forEach((row, i) => {
    if (row.cells.length !== nCols) {
      throw new FigureSpecError(
        `heatmapGrid: row ${i} ("${row.label}") has ${row.cells.length} cells, expected ${nCols}` +
          (spec.columnLabels ? " (one per column label)" : " (as many as row 0)"),
      );
    }
    row.cells.forEach((cell, j) => checkCell(cell, `heatmapGrid row ${i} column ${j}`));
  });
  const inputLabel = spec.inputRow === true ? "Input" : spec.inputRow || null;
  const inputs: { values: ArrayLike<number>; width: number }[] = [];
  if (inputLabel !== null) {
    for (let j = 0; j < nCols; j++) {
      const owner = rows.find((row) => row.cells[j].input);
      if (!owner) {
        throw new FigureSpecError(
          `heatmapGrid: the input row needs an input in column ${j}, but no cell of it has one`,
        );
      }
      inputs.push({ values: owner.cells[j].input!, width: owner.cells[j].width });
    }
  }
  const columnLabels = spec.columnLabels ?? [];
  const rowLabels = [...(inputLabel !== null ? [inputLabel] : []), ...rows.map((r) => r.label)];
  const colW: number[] = [];
  for (let j = 0; j < nCols; j++) {
    let w = Math.max(...rows.map((r) => r.cells[j].width * scale));
    if (inputs.length) w = Math.max(w, inputs[j].width * scale);
    colW.push(Math.ceil(Math.max(w, measure(ctx, columnLabels[j] ?? "", LABEL_PX) + 4)));
  }
  const labelW = Math.max(0, ...rowLabels.map((l) => measure(ctx, l, LABEL_PX)));
  const gridX = MARGIN + (labelW > 0 ? Math.ceil(labelW) + ROW_LABEL_PAD : 0);
  const top = MARGIN + (spec.title ? TITLE_PX + 10 : 0) + (columnLabels.length ? LABEL_PX + 6 : 0);
  const rowH = ROWS * scale;
  const nDrawRows = rowLabels.length;
  const colX: number[] = [];
  let x = gridX;
  for (let j = 0; j < nCols; j++) {
    colX.push(x);
    x += colW[j] + GAP;
  }
  const gridW = x - GAP - gridX;
  const rowY = Array.from({ length: nDrawRows }, (_, i) => top + i * (rowH + GAP));
  const gridH = nDrawRows * rowH + (nDrawRows - 1) * GAP;

  const draw: DrawCell[] = [];
  const offset = inputs.length ? 1 : 0;
  const place = (
    drawRow: number,
    j: number,
    width: number,
  ): Pick<CellBox, "x" | "y" | "width" | "height"> => ({
    x: colX[j] + Math.floor((colW[j] - width * scale) / 2),
    y: rowY[drawRow],
    width: width * scale,
    height: rowH,
  });
  inputs.forEach((input, j) => {
    draw.push({
      box: { row: -1, column: j, kind: "input", faded: false, ...place(0, j, input.width) },
      values: input.values,
      width: input.width,
    });
  });
  const positiveOnly = spec.positiveOnly ?? false;
  rows.forEach((row, i) =>
    row.cells.forEach((cell, j) => {
      draw.push({
        box: {
          row: i,
          column: j,
          kind: "relevance",
          faded: cell.faded ?? false,
          ...place(i + offset, j, cell.width),
        },
        values: normalizeRelevance(cell.relevance, positiveOnly),
        width: cell.width,
      });
    })
  );

  const showBar = spec.colorBar ?? true;
  let width = gridX + gridW + MARGIN;
  let bar: Layout["bar"] = null;
  const ticks: Layout["ticks"] = [];
  if (showBar) {
    const height = Math.min(gridH, Math.max(rowH, 240));
    bar = { x: gridX + gridW + BAR_GAP, y: top, width: BAR_WIDTH, height };
    const values = positiveOnly ? [1, 0.5, 0] : [1, 0, -1];
    const lo = values[values.length - 1];
    for (const value of values) {
      ticks.push({
        value,
        label: value < 0 ? `−${-value}` : String(value),
        y: bar.y + (1 - (value - lo) / (1 - lo)) * (height - 1),
      });
    }
    const tickW = Math.max(...ticks.map((t) => measure(ctx, t.label, LABEL_PX - 2)));
    width = bar.x + BAR_WIDTH + BAR_TICK_GAP + Math.ceil(tickW) + MARGIN;
  }
  const titleW = spec.title ? measure(ctx, spec.title, TITLE_PX, true) + 2 * MARGIN : 0;
  width = Math.ceil(Math.max(width, titleW));
  const height = top + gridH + MARGIN;
  return {
    layout: {
      width,
      height,
      cells: draw.map((d) => d.box),
      colX,
      colW,
      rowY,
      rowH,
      gridX,
      rowLabels,
      bar,
      ticks,
    },
    draw,
  };
}

function colorFor(kind: CellBox["kind"]): (x: number) => Rgb {
  return kind === "input" ? grayColor : heatmapColor;
}

function barValue(i: number, height: number, positiveOnly: boolean): number {
  const t = height > 1 ? i / (height - 1) : 0;
  return positiveOnly ? 1 - t : 1 - 2 * t;
}

function drawLabels(ctx: SKRSContext2D, spec: HeatmapGridSpec, layout: Layout): void {
  ctx.fillStyle = TEXT_COLOR;
  if (spec.title) {
    ctx.font = font(TITLE_PX, true);
    ctx.textAlign = "left";
    ctx.textBaseline = "alphabetic";
    ctx.fillText(spec.title, MARGIN, MARGIN + TITLE_PX);
  }
  ctx.font = font(LABEL_PX);
  ctx.textAlign = "center";
  ctx.textBaseline = "alphabetic";
  (spec.columnLabels ?? []).forEach((label, j) => {
    ctx.fillText(label, layout.colX[j] + layout.colW[j] / 2, layout.rowY[0] - 6);
  });
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  layout.rowLabels.forEach((label, i) => {
    ctx.fillText(label, layout.gridX - ROW_LABEL_PAD, layout.rowY[i] + layout.rowH / 2);
  });
}

function renderPng(spec: HeatmapGridSpec, layout: Layout, draw: DrawCell[], scale: number) {
  const canvas = createCanvas(layout.width, layout.height);
  const ctx = canvas.getContext("2d");
  ctx.imageSmoothingEnabled = false;
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(0, 0, layout.width, layout.height);
  const alpha = spec.fadedAlpha ?? FADED_ALPHA;
  for (const d of draw) {
    const pixels = cellPixels(
      d.values,
      d.width,
      scale,
      colorFor(d.box.kind),
      d.box.faded ? alpha : null,
    );
    const image = ctx.createImageData(d.box.width, d.box.height);
    image.data.set(pixels);
    ctx.putImageData(image, d.box.x, d.box.y);
  }
  ctx.strokeStyle = FADED_FRAME;
  ctx.lineWidth = FADED_FRAME_WIDTH;
  for (const { box } of draw.filter((d) => d.box.faded)) {
    const o = FADED_FRAME_WIDTH / 2;
    ctx.strokeRect(box.x - o, box.y - o, box.width + 2 * o, box.height + 2 * o);
  }
  if (layout.bar) {
    const { x, y, width, height } = layout.bar;
    for (let i = 0; i < height; i++) {
      const [r, g, b] = heatmapColor(barValue(i, height, spec.positiveOnly ?? false));
      ctx.fillStyle = `rgb(${r},${g},${b})`;
      ctx.fillRect(x, y + i, width, 1);
    }
    ctx.strokeStyle = "#555555";
    ctx.lineWidth = 1;
    ctx.strokeRect(x - 0.5, y - 0.5, width + 1, height + 1);
    ctx.fillStyle = TEXT_COLOR;
    ctx.font = font(LABEL_PX - 2);
    ctx.textAlign = "left";
    ctx.textBaseline = "middle";
    for (const t of layout.ticks) ctx.fillText(t.label, x + width + BAR_TICK_GAP, t.y);
  }
  drawLabels(ctx, spec, layout);
  return new Uint8Array(canvas.encodeSync("png"));
}

function renderSvg(spec: HeatmapGridSpec, layout: Layout, draw: DrawCell[], scale: number): string {
  const alpha = spec.fadedAlpha ?? FADED_ALPHA;
  const text = (x: number, y: number, s: string, attrs: string) =>
    `<text x="${x}" y="${y}" ${attrs}>${escapeXml(s)}</text>`;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" ` +
    `width="${layout.width}" height="${layout.height}" viewBox="0 0 ${layout.width} ${layout.height}">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<g font-family="${FONT_FAMILY}, sans-serif" fill="${TEXT_COLOR}">`,
  ];
  if (spec.title) {
    parts.push(
      text(MARGIN, MARGIN + TITLE_PX, spec.title, `font-size="${TITLE_PX}" font-weight="bold"`),
    );
  }
  (spec.columnLabels ?? []).forEach((label, j) => {
    parts.push(text(
      layout.colX[j] + layout.colW[j] / 2,
      layout.rowY[0] - 6,
      label,
      `font-size="${LABEL_PX}" text-anchor="middle"`,
    ));
  });
  layout.rowLabels.forEach((label, i) => {
    parts.push(text(
      layout.gridX - ROW_LABEL_PAD,
      layout.rowY[i] + layout.rowH / 2,
      label,
      `font-size="${LABEL_PX}" text-anchor="end" dominant-baseline="central"`,
    ));
  });
  parts.push("</g>");
  for (const d of draw) {
    const c = createCanvas(d.box.width, d.box.height);
    const cctx = c.getContext("2d");
    const image = cctx.createImageData(d.box.width, d.box.height);
    image.data.set(
      cellPixels(d.values, d.width, scale, colorFor(d.box.kind), d.box.faded ? alpha : null),
    );
    cctx.putImageData(image, 0, 0);
    const b = d.box;
    parts.push(
      `<image x="${b.x}" y="${b.y}" width="${b.width}" height="${b.height}" ` +
        `preserveAspectRatio="none" image-rendering="pixelated" style="image-rendering:pixelated" ` +
        `href="${c.toDataURL("image/png")}"/>`,
    );
    if (b.faded) {
      const o = FADED_FRAME_WIDTH / 2;
      parts.push(
        `<rect class="rnnx-misclassified" x="${b.x - o}" y="${b.y - o}" width="${
          b.width + 2 * o
        }" height="${b.height + 2 * o}" fill="none" stroke="${FADED_FRAME}" ` +
          `stroke-width="${FADED_FRAME_WIDTH}"/>`,
      );
    }
  }
  if (layout.bar) {
    const { x, y, width, height } = layout.bar;
    const positiveOnly = spec.positiveOnly ?? false;
    const stops = heatmapColorStops().filter((s) => !positiveOnly || s.value >= 0);
    const lo = positiveOnly ? 0 : -1;
    parts.push(
      `<defs><linearGradient id="rnnx-colorbar" x1="0" y1="0" x2="0" y2="1">`,
      ...stops.map((s) =>
        `<stop offset="${(1 - s.value) / (1 - lo)}" stop-color="rgb(${s.rgb.join(",")})"/>`
      ),
      `</linearGradient></defs>`,
      `<rect x="${x}" y="${y}" width="${width}" height="${height}" fill="url(#rnnx-colorbar)" ` +
        `stroke="#555555" stroke-width="1"/>`,
      `<g font-family="${FONT_FAMILY}, sans-serif" fill="${TEXT_COLOR}" font-size="${
        LABEL_PX - 2
      }">`,
      ...layout.ticks.map((t) =>
        text(x + width + BAR_TICK_GAP, t.y, t.label, `dominant-baseline="central"`)
      ),
      "</g>",
    );
  }
  parts.push("</svg>");
  return parts.join("\n");
}

/**
 * Renders a grid of heatmaps to PNG and SVG.
 *
 * @example
 * ```ts
 * import { heatmapGrid } from "./heatmap_grid.ts";
 * const relevance = new Float32Array(28 * 28);
 * relevance[0] = 1;
 * const fig = heatmapGrid({ rows: [{ label: "Deep · DTD", cells: [{ relevance, width: 28 }] }] });
 * if (fig.meta.cells[0].width !== 112) throw new Error();
 * ```
 */
export function heatmapGrid(spec: HeatmapGridSpec): HeatmapFigure {
  const scale = spec.scale ?? DEFAULT_SCALE;
  if (!Number.isInteger(scale) || scale < 1 || scale > 32) {
    throw new FigureSpecError(`heatmapGrid: scale must be an integer in 1..32, got ${scale}`);
  }
  const alpha = spec.fadedAlpha ?? FADED_ALPHA;
  if (!(alpha >= 0 && alpha <= 1)) {
    throw new FigureSpecError(`heatmapGrid: fadedAlpha must be in [0, 1], got ${alpha}`);
  }
  const scratch = createCanvas(1, 1).getContext("2d");
  const { layout, draw } = layoutGrid(spec, scale, scratch);
  const meta: HeatmapMeta = {
    title: spec.title,
    rowLabels: layout.rowLabels,
    columnLabels: [...(spec.columnLabels ?? [])],
    scale,
    positiveOnly: spec.positiveOnly ?? false,
    cells: layout.cells,
    colorBar: layout.bar,
  };
  return {
    kind: "heatmap",
    png: renderPng(spec, layout, draw, scale),
    svg: renderSvg(spec, layout, draw, scale),
    width: layout.width,
    height: layout.height,
    meta,
  };
}
