/**
 * Per-sample MAJ metrics from a mark vector m ∈ {0,1}³ and block shares v:
 * the percentage of correctly distributed relevance Σ m_k v_k, its τ-capped
 * variant, and the cosine similarity cos(m, v) (thesis eq. 3.7).
 *
 * Treatment of samples without positive relevance (v = 0, or v not finite):
 * every metric is NaN and the sample is flagged `excluded`. Excluded samples
 * stay in the evaluation rows and are counted in every aggregate
 * (`n_excluded`); the means skip them.
 *
 * @module
 */
import { EvalShapeError } from "./errors.ts";

/** τ of the capped percentage (`MAX_RELEVANCE_PERCENTAGE_PER_SAMPLE`). */
export const SHARE_CAP = 0.8;

function checkPair(m: ArrayLike<number>, v: ArrayLike<number>): void {
  if (m.length !== v.length || m.length === 0) {
    throw new EvalShapeError(
      `marks and block shares must have the same non-zero length, got ${m.length} and ${v.length}`,
    );
  }
}

/** True when v carries no usable positive relevance (all zero, or any value not finite). */
export function isExcluded(v: ArrayLike<number>): boolean {
  let total = 0;
  for (let k = 0; k < v.length; k++) {
    if (!Number.isFinite(v[k])) return true;
    total += v[k];
  }
  return !(total > 0);
}

/**
 * Σ m_k v_k; NaN for an excluded v.
 *
 * @example
 * ```ts
 * import { percentageCorrect } from "./metrics.ts";
 * if (Math.abs(percentageCorrect([1, 1, 0], [0.9, 0.1, 0]) - 1) > 1e-12) throw new Error();
 * ```
 */
export function percentageCorrect(m: ArrayLike<number>, v: ArrayLike<number>): number {
  checkPair(m, v);
  if (isExcluded(v)) return NaN;
  let s = 0;
  for (let k = 0; k < m.length; k++) s += m[k] * v[k];
  return s;
}

/** Σ m_k min(v_k, τ) with τ = {@link SHARE_CAP} by default; NaN for an excluded v. */
export function percentageCapped(
  m: ArrayLike<number>,
  v: ArrayLike<number>,
  tau: number = SHARE_CAP,
): number {
  checkPair(m, v);
  if (isExcluded(v)) return NaN;
  let s = 0;
  for (let k = 0; k < m.length; k++) s += m[k] * Math.min(v[k], tau);
  return s;
}

/**
 * cos(m, v) = m·v / (‖m‖₂‖v‖₂); NaN for an excluded v or m = 0.
 *
 * @example
 * ```ts
 * import { cosineSimilarity } from "./metrics.ts";
 * const c = cosineSimilarity([1, 1, 0], [0.9, 0.1, 0]);
 * if (Math.abs(c - 0.780869) > 1e-6) throw new Error();
 * ```
 */
export function cosineSimilarity(m: ArrayLike<number>, v: ArrayLike<number>): number {
  checkPair(m, v);
  if (isExcluded(v)) return NaN;
  let dot = 0;
  let mm = 0;
  let vv = 0;
  for (let k = 0; k < m.length; k++) {
    dot += m[k] * v[k];
    mm += m[k] * m[k];
    vv += v[k] * v[k];
  }
  if (mm === 0) return NaN;
  return dot / (Math.sqrt(mm) * Math.sqrt(vv));
}

/** The metrics of one sample. */
export interface SampleMetrics {
  /** cos(m, v), NaN when excluded. */
  cosine: number;
  /** Σ m_k v_k, NaN when excluded. */
  percentage: number;
  /** Σ m_k min(v_k, τ), NaN when excluded. */
  percentageCapped: number;
  /** True when the sample has no positive relevance. */
  excluded: boolean;
}

/** All metrics of one sample at once. */
export function sampleMetrics(
  m: ArrayLike<number>,
  v: ArrayLike<number>,
  tau: number = SHARE_CAP,
): SampleMetrics {
  return {
    cosine: cosineSimilarity(m, v),
    percentage: percentageCorrect(m, v),
    percentageCapped: percentageCapped(m, v, tau),
    excluded: isExcluded(v),
  };
}
