/**
 * How similar two heatmaps are, as the model-parameter randomisation test
 * (Adebayo et al. 2018) measures it: Spearman's rank correlation of the
 * heatmaps, and the structural similarity (SSIM) of their absolute values.
 *
 * @module
 */
import { EvalShapeError } from "./errors.ts";
import { IMAGE_ROWS } from "./shares.ts";
import { valueOrder } from "./value_order.ts";

/** Side of the square SSIM window (scikit-image's default). */
export const SSIM_WINDOW = 7;

/** SSIM stabilisers for data range 1: (0.01)² and (0.03)². */
export const SSIM_C1 = 0.01 ** 2;
/** See {@link SSIM_C1}. */
export const SSIM_C2 = 0.03 ** 2;

/**
 * Ranks 1..n of `values`, ties given their average rank: each value's rank
 * is the mean of the first and last places it holds in the sorted values
 * (sorted by {@link valueOrder}); NaN ranks 0.5 and takes no place.
 *
 * @example
 * ```ts
 * import { averageRanks } from "./heatmap_similarity.ts";
 * if (averageRanks([0.3, -1, 0.3, 2]).join() !== "2.5,1,2.5,4") throw new Error();
 * ```
 */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const { order, valid } = valueOrder(values);
  const ranks = new Float64Array(values.length).fill(0.5);
  for (let first = 0; first < valid;) {
    const v = values[order[first]];
    let last = first + 1;
    while (last < valid && values[order[last]] === v) last++;
    const rank = (first + last - 1) / 2 + 1;
    for (let i = first; i < last; i++) ranks[order[i]] = rank;
    first = last;
  }
  return ranks;
}

/**
 * Pearson correlation of two equally long, non-empty arrays; `ifConstant`
 * (default NaN) when either is constant.
 *
 * @example
 * ```ts
 * import { pearson } from "./heatmap_similarity.ts";
 * if (Math.abs(pearson([1, 2, 3], [2, 4, 6]) - 1) > 1e-12) throw new Error();
 * if (pearson([1, 1], [1, 2], 0) !== 0) throw new Error();
 * ```
 */
export function pearson(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  ifConstant: number = NaN,
): number {
  if (a.length !== b.length || a.length === 0) {
    throw new RangeError(`pearson: lengths ${a.length} and ${b.length} must be equal and non-zero`);
  }
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return saa === 0 || sbb === 0 ? ifConstant : sab / Math.sqrt(saa * sbb);
}

/**
 * Spearman's rank correlation of two heatmaps (Pearson correlation of their
 * average ranks); NaN when either is constant.
 *
 * @example
 * ```ts
 * import { spearman } from "./heatmap_similarity.ts";
 * if (spearman([1, 2, 3, 4], [10, 20, 30, 100]) !== 1) throw new Error();
 * ```
 */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length || a.length < 2) {
    throw new EvalShapeError(
      `spearman: needs two arrays of equal length ≥ 2, got ${a.length} and ${b.length}`,
    );
  }
  return rankCorrelation(averageRanks(a), averageRanks(b));
}

/**
 * Spearman's correlation from ranks already computed with
 * {@link averageRanks} (to rank one heatmap once and compare it with many).
 */
export function rankCorrelation(ranksA: ArrayLike<number>, ranksB: ArrayLike<number>): number {
  return pearson(ranksA, ranksB);
}

function normalisedAbs(h: ArrayLike<number>): Float64Array {
  const out = new Float64Array(h.length);
  let max = 0;
  for (let i = 0; i < h.length; i++) {
    out[i] = Math.abs(h[i]);
    if (out[i] > max) max = out[i];
  }
  if (max > 0) { for (let i = 0; i < out.length; i++) out[i] /= max; }
  return out;
}

/**
 * Summed-area tables of x, y, x², y² and xy (rows × width), each with a
 * zero first row and column, interleaved: entry k of cell j at `5·j + k`.
 */
function integrals(x: Float64Array, y: Float64Array, rows: number, width: number): Float64Array {
  const w = width + 1;
  const s = new Float64Array((rows + 1) * w * 5);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < width; c++) {
      const a = x[r * width + c];
      const b = y[r * width + c];
      const here = ((r + 1) * w + c + 1) * 5;
      const up = (r * w + c + 1) * 5;
      const left = ((r + 1) * w + c) * 5;
      const diag = (r * w + c) * 5;
      s[here] = a + s[up] + s[left] - s[diag];
      s[here + 1] = b + s[up + 1] + s[left + 1] - s[diag + 1];
      s[here + 2] = a * a + s[up + 2] + s[left + 2] - s[diag + 2];
      s[here + 3] = b * b + s[up + 3] + s[left + 3] - s[diag + 3];
      s[here + 4] = a * b + s[up + 4] + s[left + 4] - s[diag + 4];
    }
  }
  return s;
}

/**
 * Mean SSIM of |a| and |b| (28×width heatmaps), each scaled to [0, 1] by its
 * maximum, over every 7×7 window (uniform weights, population statistics,
 * data range 1).
 *
 * @example
 * ```ts
 * import { ssimAbs } from "./heatmap_similarity.ts";
 * const h = Float32Array.from({ length: 28 * 28 }, (_, i) => Math.sin(i));
 * if (Math.abs(ssimAbs(h, h, 28) - 1) > 1e-9) throw new Error();
 * ```
 */
export function ssimAbs(a: ArrayLike<number>, b: ArrayLike<number>, width: number): number {
  const rows = IMAGE_ROWS;
  if (a.length !== rows * width || b.length !== rows * width) {
    throw new EvalShapeError(
      `ssim: expected two 28×${width} heatmaps, got ${a.length} and ${b.length} values`,
    );
  }
  const k = SSIM_WINDOW;
  const s = integrals(normalisedAbs(a), normalisedAbs(b), rows, width);
  const w = width + 1;
  const n = k * k;
  const sum = (r: number, c: number, q: number) =>
    (s[((r + k) * w + c + k) * 5 + q] - s[(r * w + c + k) * 5 + q] -
      s[((r + k) * w + c) * 5 + q] + s[(r * w + c) * 5 + q]) / n;
  let total = 0;
  let count = 0;
  for (let r = 0; r + k <= rows; r++) {
    for (let c = 0; c + k <= width; c++) {
      const mx = sum(r, c, 0);
      const my = sum(r, c, 1);
      const vx = sum(r, c, 2) - mx * mx;
      const vy = sum(r, c, 3) - my * my;
      const cxy = sum(r, c, 4) - mx * my;
      total += ((2 * mx * my + SSIM_C1) * (2 * cxy + SSIM_C2)) /
        ((mx * mx + my * my + SSIM_C1) * (vx + vy + SSIM_C2));
      count++;
    }
  }
  return total / count;
}
