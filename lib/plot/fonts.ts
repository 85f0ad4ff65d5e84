/**
 * The fonts of every figure: DejaVu Sans when installed (Debian
 * `fonts-dejavu-core`), registered once with the canvas and handed to resvg,
 * so that rendered text is the same on every machine that has it.
 *
 * @module
 */
import { GlobalFonts } from "@napi-rs/canvas";

/** The font family named in canvases, SVGs and chart specs. */
export const FONT_FAMILY = "DejaVu Sans";

/** Where the DejaVu Sans files are looked for (regular, bold). */
export const FONT_PATHS: readonly string[] = [
  "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
  "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
];

function exists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

let registered: string[] | null = null;

/**
 * Registers the DejaVu Sans files that exist with the canvas (once) and
 * returns their paths; an empty list means system fonts are used instead.
 */
export function fontFiles(): string[] {
  if (registered === null) {
    registered = FONT_PATHS.filter(exists);
    for (const path of registered) GlobalFonts.registerFromPath(path, FONT_FAMILY);
  }
  return [...registered];
}

/** A CSS font shorthand for canvases, e.g. `font(13, true)` → "bold 13px DejaVu Sans". */
export function font(sizePx: number, bold = false): string {
  fontFiles();
  return `${bold ? "bold " : ""}${sizePx}px "${FONT_FAMILY}", sans-serif`;
}
