/**
 * Colour maps of the heatmap figures: the heatmapping.org relevance map
 * (`make_rgb_heatmap`: 0 is light grey 0.9, positive red, negative blue) and
 * matplotlib's gist_gray for inputs in [-1, 1]; per-sample normalisation.
 *
 * @module
 */

/** An RGB triple with channels in 0..255. */
export type Rgb = [number, number, number];

/** Stabiliser of the per-sample normalisation by max|R|. */
export const NORMALIZE_EPS = 1e-10;

function clip(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/**
 * The heatmapping.org colour of a normalised relevance x in [-1, 1]
 * (values outside are clipped): for x ≥ 0,
 * R = 0.9 − 0.5·clip(x−0.3, 0, 0.7)/0.7 and
 * G = B = 0.9 − 0.5·clip(x, 0, 0.3)/0.3 − 0.4·clip(x−0.3, 0, 0.7)/0.7;
 * for x < 0 the same with R and B swapped, using −x.
 *
 * @example
 * ```ts
 * import { heatmapColor } from "./colormap.ts";
 * const [r, g, b] = heatmapColor(0); // [230, 230, 230]
 * if (r !== 230 || g !== 230 || b !== 230) throw new Error();
 * ```
 */
export function heatmapColor(x: number): Rgb {
  const a = Number.isNaN(x) ? 0 : Math.abs(x);
  const hot = 0.9 - 0.5 * clip(a - 0.3, 0, 0.7) / 0.7;
  const cold = 0.9 - 0.5 * clip(a, 0, 0.3) / 0.3 - 0.4 * clip(a - 0.3, 0, 0.7) / 0.7;
  const hotByte = Math.round(hot * 255);
  const coldByte = Math.round(cold * 255);
  return x >= 0 || Number.isNaN(x) ? [hotByte, coldByte, coldByte] : [coldByte, coldByte, hotByte];
}

/**
 * gist_gray of a pixel in [-1, 1]: −1 black, 1 white (clipped).
 *
 * @example
 * ```ts
 * import { grayColor } from "./colormap.ts";
 * if (grayColor(1)[0] !== 255 || grayColor(-1)[0] !== 0) throw new Error();
 * ```
 */
export function grayColor(x: number): Rgb {
  const v = Math.round(clip((x + 1) / 2, 0, 1) * 255);
  return [v, v, v];
}

/**
 * R / (max|R| + 1e-10); with `positiveOnly` the negatives are then set to 0
 * (`only_positive_rel`).
 *
 * @example
 * ```ts
 * import { normalizeRelevance } from "./colormap.ts";
 * const n = normalizeRelevance(new Float32Array([2, -4]), true); // [0.5, 0]
 * if (Math.abs(n[0] - 0.5) > 1e-6 || n[1] !== 0) throw new Error();
 * ```
 */
export function normalizeRelevance(
  relevance: ArrayLike<number>,
  positiveOnly = false,
): Float32Array {
  let max = 0;
  for (let i = 0; i < relevance.length; i++) {
    const a = Math.abs(relevance[i]);
    if (a > max) max = a;
  }
  const out = new Float32Array(relevance.length);
  const scale = 1 / (max + NORMALIZE_EPS);
  for (let i = 0; i < relevance.length; i++) {
    const v = relevance[i] * scale;
    out[i] = positiveOnly && v < 0 ? 0 : v;
  }
  return out;
}

/** Blends a colour over white with opacity `alpha` (faded, misclassified samples). */
export function fadeColor(rgb: Rgb, alpha: number): Rgb {
  return rgb.map((c) => Math.round(alpha * c + (1 - alpha) * 255)) as Rgb;
}

/**
 * Knots of the relevance map (normalised value, colour): it is linear
 * between them, so an SVG gradient with these stops is exact.
 */
export function heatmapColorStops(): { value: number; rgb: Rgb }[] {
  return [1, 0.3, 0, -0.3, -1].map((value) => ({ value, rgb: heatmapColor(value) }));
}
