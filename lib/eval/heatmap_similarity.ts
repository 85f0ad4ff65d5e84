/**
 * How similar two heatmaps are, as the model-parameter randomisation test
 * (Adebayo et al. 2018) measures it: Spearman's rank correlation of the
 * heatmaps, and the structural similarity (SSIM) of their absolute values.
 *
 * @module
 */
import { EvalShapeError } from "./errors.ts";
import { IMAGE_ROWS } from "./shares.ts";

/** Side of the square SSIM window (scikit-image's default). */
export const SSIM_WINDOW = 7;

/** SSIM stabilisers for data range 1: (0.01)² and (0.03)². */
export const SSIM_C1 = 0.01 ** 2;
/** See {@link SSIM_C1}. */
export const SSIM_C2 = 0.03 ** 2;

/** Ranks 1..n of `values`, ties given their average rank. */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b]);
  const ranks = new Float64Array(n);
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && values[order[j + 1]] === values[order[i]]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]] = rank;
    i = j + 1;
  }
  return ranks;
}

function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
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
  return sab / Math.sqrt(saa * sbb);
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
  return pearson(averageRanks(a), averageRanks(b));
}

function normalisedAbs(h: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(h, Math.abs);
  let max = 0;
  for (const v of out) if (v > max) max = v;
  if (max > 0) { for (let i = 0; i < out.length; i++) out[i] /= max; }
  return out;
}

/** Summed-area table of `v` (rows × width) with a zero first row and column. */
function integral(v: Float64Array, rows: number, width: number): Float64Array {
  const w = width + 1;
  const s = new Float64Array((rows + 1) * w);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < width; c++) {
      s[(r + 1) * w + c + 1] = v[r * width + c] + s[r * w + c + 1] + s[(r + 1) * w + c] -
        s[r * w + c];
    }
  }
  return s;
}

function windowSum(s: Float64Array, w: number, r: number, c: number, k: number): number {
  return s[(r + k) * w + c + k] - s[r * w + c + k] - s[(r + k) * w + c] + s[r * w + c];
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
  const x = normalisedAbs(a);
  const y = normalisedAbs(b);
  const xy = x.map((v, i) => v * y[i]);
  const sx = integral(x, rows, width);
  const sy = integral(y, rows, width);
  const sxx = integral(x.map((v) => v * v), rows, width);
  const syy = integral(y.map((v) => v * v), rows, width);
  const sxy = integral(xy, rows, width);
  const w = width + 1;
  const n = k * k;
  let total = 0;
  let count = 0;
  for (let r = 0; r + k <= rows; r++) {
    for (let c = 0; c + k <= width; c++) {
      const mx = windowSum(sx, w, r, c, k) / n;
      const my = windowSum(sy, w, r, c, k) / n;
      const vx = windowSum(sxx, w, r, c, k) / n - mx * mx;
      const vy = windowSum(syy, w, r, c, k) / n - my * my;
      const cxy = windowSum(sxy, w, r, c, k) / n - mx * my;
      total += ((2 * mx * my + SSIM_C1) * (2 * cxy + SSIM_C2)) /
        ((mx * mx + my * my + SSIM_C1) * (vx + vy + SSIM_C2));
      count++;
    }
  }
  return total / count;
}
