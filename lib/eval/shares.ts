/**
 * Positive-relevance shares of a heatmap: per time step (the columns a step
 * reads) and per MAJ block (28 columns each).
 *
 * Every method's heatmap is clipped at 0 first (R⁺ = max(R, 0)), then summed
 * over rows and the columns in question, then divided by the total plus ε.
 * Heatmaps are row-major 28×W Float32Arrays; step t of T reads the columns
 * [t·c, (t+1)·c) with c = W/T.
 *
 * @module
 */
import { EvalShapeError } from "./errors.ts";

/** Rows of every heatmap and image (MNIST geometry). */
export const IMAGE_ROWS = 28;

/** Columns of one MAJ block. */
export const BLOCK_WIDTH = 28;

/** ε of the per-sample statistics (`compute_stats`). */
export const SHARE_EPS = 1e-20;

/** ε of the per-step relevance distribution (`relevance_distributions`). */
export const DISTRIBUTION_EPS = 1e-100;

/** Checks that `length` holds `count` heatmaps of 28×width and returns `count`. */
export function checkHeatmapLength(length: number, width: number, what = "heatmap"): number {
  if (!Number.isInteger(width) || width <= 0) {
    throw new EvalShapeError(`${what}: width must be a positive integer, got ${width}`);
  }
  const size = IMAGE_ROWS * width;
  if (length === 0 || length % size !== 0) {
    throw new EvalShapeError(
      `${what}: expected a multiple of 28×${width} = ${size} values, got ${length}`,
    );
  }
  return length / size;
}

function stepWidth(width: number, steps: number): number {
  if (!Number.isInteger(steps) || steps <= 0 || width % steps !== 0) {
    throw new EvalShapeError(
      `T = ${steps} must be a positive integer dividing the width ${width}`,
    );
  }
  return width / steps;
}

/** Column sums of the positive part of heatmap `index` in a batch. */
function positiveColumnSums(
  data: ArrayLike<number>,
  width: number,
  index: number,
  transform?: (x: number) => number,
): Float64Array {
  const sums = new Float64Array(width);
  const base = index * IMAGE_ROWS * width;
  for (let r = 0; r < IMAGE_ROWS; r++) {
    const row = base + r * width;
    for (let c = 0; c < width; c++) {
      const raw = transform ? transform(data[row + c]) : data[row + c];
      // NaN is kept so that a broken heatmap is visible downstream.
      if (raw > 0 || Number.isNaN(raw)) sums[c] += raw;
    }
  }
  return sums;
}

function sharesOf(columnSums: Float64Array, groupWidth: number, eps: number): Float64Array {
  const groups = columnSums.length / groupWidth;
  const out = new Float64Array(groups);
  let total = 0;
  for (let g = 0; g < groups; g++) {
    let s = 0;
    for (let c = g * groupWidth; c < (g + 1) * groupWidth; c++) s += columnSums[c];
    out[g] = s;
    total += s;
  }
  for (let g = 0; g < groups; g++) out[g] /= total + eps;
  return out;
}

/** Options of {@link stepShares} and {@link stepSharesBatch}. */
export interface StepShareOptions {
  /** Stabiliser added to the total; default {@link SHARE_EPS}. */
  eps?: number;
  /** Applied to every value before clipping at 0 (e.g. (x+1)/2 for pixel shares). */
  transform?: (x: number) => number;
}

/**
 * Per-step positive-relevance shares s_t of one 28×width heatmap split into T steps.
 * All zeros when the heatmap has no positive relevance.
 *
 * @example
 * ```ts
 * import { stepShares } from "./shares.ts";
 * const r = new Float32Array(28 * 28);
 * r[0] = 3; r[27] = 1; // first and last column
 * const s = stepShares(r, 28, 4); // [0.75, 0, 0, 0.25]
 * if (Math.abs(s[0] - 0.75) > 1e-12) throw new Error();
 * ```
 */
export function stepShares(
  relevance: ArrayLike<number>,
  width: number,
  steps: number,
  options: StepShareOptions = {},
): Float64Array {
  const count = checkHeatmapLength(relevance.length, width);
  if (count !== 1) {
    throw new EvalShapeError(
      `stepShares: expected one heatmap of 28×${width}, got ${count}; use stepSharesBatch`,
    );
  }
  return stepSharesBatch(relevance, width, steps, options);
}

/**
 * Per-step shares of every heatmap in a [B, 28, width] batch, as a flat
 * Float64Array of B×T (sample-major).
 */
export function stepSharesBatch(
  batch: ArrayLike<number>,
  width: number,
  steps: number,
  options: StepShareOptions = {},
): Float64Array {
  const count = checkHeatmapLength(batch.length, width, "batch");
  const c = stepWidth(width, steps);
  const eps = options.eps ?? SHARE_EPS;
  const out = new Float64Array(count * steps);
  for (let b = 0; b < count; b++) {
    const sums = positiveColumnSums(batch, width, b, options.transform);
    out.set(sharesOf(sums, c, eps), b * steps);
  }
  return out;
}

/** Options of {@link blockShares} and {@link blockSharesBatch}. */
export interface BlockShareOptions {
  /**
   * Sequence length the heatmap came from. When given, every step must lie
   * inside one block (the block width is a multiple of W/T), else an
   * {@link EvalShapeError} is thrown.
   */
  steps?: number;
  /** Columns per block; default {@link BLOCK_WIDTH}. */
  blockWidth?: number;
  /** Stabiliser added to the total; default {@link SHARE_EPS}. */
  eps?: number;
}

function checkBlocks(width: number, options: BlockShareOptions): number {
  const blockWidth = options.blockWidth ?? BLOCK_WIDTH;
  if (width % blockWidth !== 0) {
    throw new EvalShapeError(
      `block shares: width ${width} is not a multiple of the block width ${blockWidth}`,
    );
  }
  if (options.steps !== undefined) {
    const c = stepWidth(width, options.steps);
    if (blockWidth % c !== 0) {
      throw new EvalShapeError(
        `block shares: T = ${options.steps} gives steps of ${c} columns, which do not align ` +
          `with blocks of ${blockWidth} columns (valid T: multiples of ${width / blockWidth} ` +
          `dividing ${width})`,
      );
    }
  }
  return blockWidth;
}

/**
 * Per-block positive-relevance shares v of one heatmap (3 blocks for a 28×84
 * MAJ heatmap). v_k equals the sum of the step shares of the steps in block k.
 *
 * @example
 * ```ts
 * import { blockShares } from "./shares.ts";
 * const r = new Float32Array(28 * 84);
 * r[0] = 1; r[30] = 1; r[60] = -5; // blocks 0, 1 and (negative) 2
 * const v = blockShares(r, 84, { steps: 12 }); // [0.5, 0.5, 0]
 * if (Math.abs(v[1] - 0.5) > 1e-12) throw new Error();
 * ```
 */
export function blockShares(
  relevance: ArrayLike<number>,
  width: number,
  options: BlockShareOptions = {},
): Float64Array {
  const count = checkHeatmapLength(relevance.length, width);
  if (count !== 1) {
    throw new EvalShapeError(
      `blockShares: expected one heatmap of 28×${width}, got ${count}; use blockSharesBatch`,
    );
  }
  return blockSharesBatch(relevance, width, options);
}

/** Block shares of every heatmap in a [B, 28, width] batch, flat B×(width/blockWidth). */
export function blockSharesBatch(
  batch: ArrayLike<number>,
  width: number,
  options: BlockShareOptions = {},
): Float64Array {
  const count = checkHeatmapLength(batch.length, width, "batch");
  const blockWidth = checkBlocks(width, options);
  const blocks = width / blockWidth;
  const eps = options.eps ?? SHARE_EPS;
  const out = new Float64Array(count * blocks);
  for (let b = 0; b < count; b++) {
    out.set(sharesOf(positiveColumnSums(batch, width, b), blockWidth, eps), b * blocks);
  }
  return out;
}
