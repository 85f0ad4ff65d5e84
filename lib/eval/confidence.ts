/**
 * Confidence intervals for a mean over a few values (fold means): the Student
 * t interval mean ± t_{(1+level)/2, k-1}·sd/√k, and a percentile bootstrap
 * interval (seeded with {@link Prng}). With fewer than two values sd and both
 * bounds are null.
 *
 * @module
 */
import { Prng } from "../data/prng.ts";
import { studentTQuantile } from "./student_t.ts";

/** Default confidence level. */
export const CI_LEVEL = 0.95;

/** Default number of bootstrap resamples (seaborn's default). */
export const BOOTSTRAP_RESAMPLES = 1000;

/** A mean with its spread and interval. */
export interface MeanInterval {
  /** Arithmetic mean (NaN for no values). */
  mean: number;
  /** Sample standard deviation (k-1 denominator); null for k < 2. */
  sd: number | null;
  /** Lower bound; null for k < 2. */
  lo: number | null;
  /** Upper bound; null for k < 2. */
  hi: number | null;
  /** Number of values. */
  n: number;
}

function checkLevel(level: number): void {
  if (!(level > 0 && level < 1)) {
    throw new RangeError(`confidence level must be in (0, 1), got ${level}`);
  }
}

function meanOf(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return values.length ? s / values.length : NaN;
}

function sdOf(values: ArrayLike<number>, mean: number): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += (values[i] - mean) ** 2;
  return Math.sqrt(s / (values.length - 1));
}

/** The two-sided critical value t_{(1+level)/2, n-1}; null for n < 2. */
export function tCritical(n: number, level: number = CI_LEVEL): number | null {
  checkLevel(level);
  return n >= 2 ? studentTQuantile((1 + level) / 2, n - 1) : null;
}

/**
 * Student t interval of the mean of `values`.
 *
 * @example
 * ```ts
 * import { tInterval } from "./confidence.ts";
 * const ci = tInterval([1, 2, 3]); // mean 2, sd 1, 2 ± 4.302653·1/√3
 * if (Math.abs(ci.hi! - 4.484138) > 1e-5) throw new Error();
 * ```
 */
export function tInterval(values: ArrayLike<number>, level: number = CI_LEVEL): MeanInterval {
  checkLevel(level);
  const n = values.length;
  const mean = meanOf(values);
  if (n < 2) return { mean, sd: null, lo: null, hi: null, n };
  const sd = sdOf(values, mean);
  const half = tCritical(n, level)! * sd / Math.sqrt(n);
  return { mean, sd, lo: mean - half, hi: mean + half, n };
}

/**
 * The q-quantile of `values` with linear interpolation between order
 * statistics (NumPy's default, Hyndman-Fan type 7).
 */
export function quantileLinear(values: ArrayLike<number>, q: number): number {
  if (values.length === 0) return NaN;
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile q must be in [0, 1], got ${q}`);
  const sorted = Float64Array.from(values).sort();
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Options of {@link bootstrapInterval}. */
export interface BootstrapOptions {
  /** Seed of the resampling generator (a number or string). */
  seed: number | string;
  /** Number of resamples; default {@link BOOTSTRAP_RESAMPLES}. */
  resamples?: number;
  /** Confidence level; default {@link CI_LEVEL}. */
  level?: number;
}

/**
 * Percentile bootstrap interval of the mean of `values`: resample with
 * replacement, take the (1-level)/2 and (1+level)/2 quantiles of the
 * resampled means. Reproducible from the seed.
 *
 * @example
 * ```ts
 * import { bootstrapInterval } from "./confidence.ts";
 * const a = bootstrapInterval([0.7, 0.72, 0.69], { seed: 1 });
 * const b = bootstrapInterval([0.7, 0.72, 0.69], { seed: 1 });
 * if (a.lo !== b.lo) throw new Error("not reproducible");
 * ```
 */
export function bootstrapInterval(
  values: ArrayLike<number>,
  options: BootstrapOptions,
): MeanInterval {
  const level = options.level ?? CI_LEVEL;
  checkLevel(level);
  const resamples = options.resamples ?? BOOTSTRAP_RESAMPLES;
  if (!Number.isInteger(resamples) || resamples < 1) {
    throw new RangeError(`bootstrap resamples must be a positive integer, got ${resamples}`);
  }
  const n = values.length;
  const mean = meanOf(values);
  if (n < 2) return { mean, sd: null, lo: null, hi: null, n };
  const prng = new Prng(options.seed);
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += values[prng.int(n)];
    means[r] = s / n;
  }
  return {
    mean,
    sd: sdOf(values, mean),
    lo: quantileLinear(means, (1 - level) / 2),
    hi: quantileLinear(means, (1 + level) / 2),
    n,
  };
}
