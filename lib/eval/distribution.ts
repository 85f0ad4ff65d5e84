/**
 * Per-step distributions over a set of samples (thesis Fig 3.7): the mean of
 * the per-step positive-relevance shares s_t, and the same share computed on
 * pixel intensities (x+1)/2 (the "pixels" curve, a reconstruction: the
 * original code for it was not found).
 *
 * As in `relevance_distributions`, ε = 1e-100 and a sample without positive
 * relevance contributes zeros to the mean; `nZero` counts those samples.
 *
 * @module
 */
import { EvalShapeError } from "./errors.ts";
import { checkHeatmapLength, DISTRIBUTION_EPS, stepSharesBatch } from "./shares.ts";

/** Mean per-step shares over a set of samples. */
export interface StepDistribution {
  /** Mean share of each step t = 1..T (index t-1). */
  mean: Float64Array;
  /** Number of samples averaged. */
  n: number;
  /** Samples whose shares were all zero (no positive mass). */
  nZero: number;
}

/** Options of {@link relevanceDistribution} and {@link pixelDistribution}. */
export interface DistributionOptions {
  /** Indices of the samples to average (e.g. the test samples of one class); default all. */
  samples?: ArrayLike<number>;
  /** Stabiliser; default {@link DISTRIBUTION_EPS}. */
  eps?: number;
}

function meanOverSamples(
  batch: ArrayLike<number>,
  width: number,
  steps: number,
  options: DistributionOptions,
  transform?: (x: number) => number,
): StepDistribution {
  const count = checkHeatmapLength(batch.length, width, "batch");
  const all = stepSharesBatch(batch, width, steps, {
    eps: options.eps ?? DISTRIBUTION_EPS,
    transform,
  });
  const picked: ArrayLike<number> = options.samples ?? Array.from({ length: count }, (_, i) => i);
  if (picked.length === 0) {
    throw new EvalShapeError("distribution: the sample selection is empty");
  }
  const mean = new Float64Array(steps);
  let nZero = 0;
  for (let i = 0; i < picked.length; i++) {
    const b = picked[i];
    if (!Number.isInteger(b) || b < 0 || b >= count) {
      throw new EvalShapeError(`distribution: sample index ${b} is outside 0..${count - 1}`);
    }
    let total = 0;
    for (let t = 0; t < steps; t++) {
      mean[t] += all[b * steps + t];
      total += all[b * steps + t];
    }
    if (total === 0) nZero++;
  }
  for (let t = 0; t < steps; t++) mean[t] /= picked.length;
  return { mean, n: picked.length, nZero };
}

/**
 * Mean per-step positive-relevance share over the selected heatmaps of a
 * [B, 28, width] batch.
 *
 * @example
 * ```ts
 * import { relevanceDistribution } from "./distribution.ts";
 * const batch = new Float32Array(2 * 28 * 28);
 * batch[0] = 1;            // sample 0: all in step 1
 * batch[28 * 28 + 27] = 1; // sample 1: all in step 7
 * const d = relevanceDistribution(batch, 28, 7);
 * if (d.mean[0] !== 0.5 || d.mean[6] !== 0.5) throw new Error();
 * ```
 */
export function relevanceDistribution(
  batch: ArrayLike<number>,
  width: number,
  steps: number,
  options: DistributionOptions = {},
): StepDistribution {
  return meanOverSamples(batch, width, steps, options);
}

/**
 * Mean per-step share of pixel intensity (x+1)/2 over the selected images of
 * a [B, 28, width] batch with pixels in [-1, 1].
 */
export function pixelDistribution(
  images: ArrayLike<number>,
  width: number,
  steps: number,
  options: DistributionOptions = {},
): StepDistribution {
  return meanOverSamples(images, width, steps, options, (x) => (x + 1) / 2);
}

/** Indices i with labels[i] === label, e.g. to select one class for a distribution. */
export function indicesOfLabel(labels: ArrayLike<number>, label: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < labels.length; i++) if (labels[i] === label) out.push(i);
  return out;
}
