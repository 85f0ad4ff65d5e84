/**
 * Localisation against a ground-truth mask (for MAJ samples, the pixels of
 * the two blocks of the majority class): relevance mass accuracy, relevance
 * rank accuracy and the pointing game (Arras et al. 2022, CLEVR-XAI).
 *
 * Ties are shared fairly: when pixels of equal relevance straddle the top-K
 * threshold (or share the maximum), each of them counts with the fraction of
 * the remaining places, so an evenly spread heatmap scores the mask's share
 * of the image on every measure.
 *
 * @module
 */
import { EvalShapeError } from "./errors.ts";
import { BLOCK_WIDTH, checkHeatmapLength, IMAGE_ROWS } from "./shares.ts";

/** The localisation scores of one heatmap. */
export interface LocalisationScores {
  /** Share of the positive relevance inside the mask; NaN without positive relevance. */
  mass: number;
  /** Share of the top-K pixels inside the mask, K the mask size. */
  rank: number;
  /** Share of the maximal pixels inside the mask (1 or 0 without ties). */
  pointing: number;
}

/**
 * The mask of a MAJ sample: 1 on every pixel of a marked block.
 *
 * @example
 * ```ts
 * import { majMask } from "./localisation.ts";
 * const m = majMask([1, 0, 1]);
 * if (m[0] !== 1 || m[28] !== 0 || m[56] !== 1 || m.length !== 28 * 84) throw new Error();
 * ```
 */
export function majMask(marks: ArrayLike<number>, blockWidth: number = BLOCK_WIDTH): Uint8Array {
  const width = marks.length * blockWidth;
  const mask = new Uint8Array(IMAGE_ROWS * width);
  for (let r = 0; r < IMAGE_ROWS; r++) {
    for (let c = 0; c < width; c++) mask[r * width + c] = marks[Math.floor(c / blockWidth)] ? 1 : 0;
  }
  return mask;
}

/**
 * Relevance mass, rank accuracy and pointing game of one heatmap against a
 * mask of the same size.
 *
 * @example
 * ```ts
 * import { localisationScores } from "./localisation.ts";
 * const s = localisationScores(Float32Array.of(3, 1, -2, 0), Uint8Array.of(1, 0, 0, 0));
 * // mass 3/4, top-1 pixel inside, max inside
 * if (s.mass !== 0.75 || s.rank !== 1 || s.pointing !== 1) throw new Error();
 * ```
 */
export function localisationScores(
  relevance: ArrayLike<number>,
  mask: Uint8Array,
): LocalisationScores {
  const n = mask.length;
  if (relevance.length !== n) {
    throw new EvalShapeError(`localisation: mask has ${n} pixels, heatmap ${relevance.length}`);
  }
  let inside = 0;
  let positive = 0;
  let positiveInside = 0;
  for (let i = 0; i < n; i++) {
    const v = relevance[i];
    if (mask[i]) inside++;
    if (v > 0) {
      positive += v;
      if (mask[i]) positiveInside += v;
    }
  }
  if (inside === 0) throw new EvalShapeError("localisation: the mask is empty");
  const sorted = Float64Array.from(relevance).sort().reverse();
  return {
    mass: positive > 0 ? positiveInside / positive : NaN,
    rank: topShare(relevance, mask, sorted[inside - 1], inside),
    pointing: topShare(relevance, mask, sorted[0], 1),
  };
}

/** Share of the top `k` pixels (threshold value `t`) inside the mask, ties shared. */
function topShare(relevance: ArrayLike<number>, mask: Uint8Array, t: number, k: number): number {
  let above = 0;
  let aboveInside = 0;
  let tied = 0;
  let tiedInside = 0;
  for (let i = 0; i < mask.length; i++) {
    const v = relevance[i];
    if (v > t) {
      above++;
      aboveInside += mask[i];
    } else if (v === t) {
      tied++;
      tiedInside += mask[i];
    }
  }
  return (aboveInside + (k - above) * tiedInside / tied) / k;
}

/**
 * Localisation scores of every heatmap of a MAJ batch ([B, 28, 84]) against
 * its marks ([B, 3]), as three flat arrays of B.
 */
export function majLocalisationBatch(
  relevance: ArrayLike<number>,
  marks: ArrayLike<number>,
  width: number = 3 * BLOCK_WIDTH,
): { mass: Float64Array; rank: Float64Array; pointing: Float64Array } {
  const B = checkHeatmapLength(relevance.length, width, "localisation batch");
  const blocks = width / BLOCK_WIDTH;
  if (marks.length !== B * blocks) {
    throw new EvalShapeError(
      `localisation: ${B} heatmaps need ${B * blocks} marks, got ${marks.length}`,
    );
  }
  const size = IMAGE_ROWS * width;
  const out = {
    mass: new Float64Array(B),
    rank: new Float64Array(B),
    pointing: new Float64Array(B),
  };
  const all = Float64Array.from(relevance);
  for (let b = 0; b < B; b++) {
    const s = localisationScores(
      all.subarray(b * size, (b + 1) * size),
      majMask(Array.from({ length: blocks }, (_, k) => marks[b * blocks + k])),
    );
    out.mass[b] = s.mass;
    out.rank[b] = s.rank;
    out.pointing[b] = s.pointing;
  }
  return out;
}
