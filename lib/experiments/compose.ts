/**
 * Stacking heatmap grids vertically into one figure (one block per dataset),
 * in PNG and SVG alike.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { createCanvas, loadImage } from "@napi-rs/canvas";
import type { HeatmapFigure } from "../plot/mod.ts";
import { ExperimentInputError } from "./errors.ts";

/** Vertical gap between stacked blocks, in pixels. */
export const STACK_GAP = 16;

/**
 * One figure showing `figures` top to bottom, left-aligned on white. The
 * layout metadata lists every block's rows and cells (cells shifted to their
 * place in the stacked figure).
 *
 * @example
 * ```ts ignore
 * const both = await stackFigures([mnistGrid, fashionGrid]);
 * ```
 */
export async function stackFigures(figures: readonly HeatmapFigure[]): Promise<HeatmapFigure> {
  if (figures.length === 0) throw new ExperimentInputError("stackFigures: no figures given");
  if (figures.length === 1) return figures[0];
  const width = Math.max(...figures.map((f) => f.width));
  const offsets: number[] = [];
  let height = 0;
  for (const f of figures) {
    offsets.push(height);
    height += f.height + STACK_GAP;
  }
  height -= STACK_GAP;
  const canvas = createCanvas(width, height);
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(0, 0, width, height);
  for (let k = 0; k < figures.length; k++) {
    const image = await loadImage(Buffer.from(figures[k].png));
    ctx.drawImage(image, 0, offsets[k]);
  }
  const png = new Uint8Array(canvas.encodeSync("png"));
  const blocks = figures.map((f, k) => {
    const inner = f.svg.replaceAll("rnnx-colorbar", `rnnx-colorbar-${k}`);
    return `<g transform="translate(0,${offsets[k]})">\n${inner}\n</g>`;
  });
  const svg = [
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" ` +
    `width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    ...blocks,
    "</svg>",
  ].join("\n");
  const first = figures[0].meta;
  return {
    kind: "heatmap",
    png,
    svg,
    width,
    height,
    meta: {
      title: figures.map((f) => f.meta.title ?? "").filter(Boolean).join(" / ") || undefined,
      rowLabels: figures.flatMap((f) => f.meta.rowLabels),
      columnLabels: figures.flatMap((f) => f.meta.columnLabels),
      scale: first.scale,
      positiveOnly: figures.every((f) => f.meta.positiveOnly),
      cells: figures.flatMap((f, k) => f.meta.cells.map((c) => ({ ...c, y: c.y + offsets[k] }))),
      colorBar: first.colorBar,
    },
  };
}
