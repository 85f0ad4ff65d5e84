/**
 * Faithfulness by perturbation: units are removed from each image in the
 * order of their relevance, most relevant first (MoRF) or least relevant
 * first (LeRF), or in a random order as the reference; removed pixels take
 * the background value (−1). After each number of removed units the model's
 * logit of the true class and whether it still predicts it are recorded; the
 * area over the perturbation curve (AOPC, Samek et al. 2017) is the mean
 * drop of that logit, f(x⁰) − f(xᵏ), over the recorded step counts k
 * (k = 0 included). A faithful heatmap has a large MoRF AOPC, a small LeRF
 * AOPC and so a large MoRF–LeRF gap.
 *
 * Every perturbed copy of every sample and order for one step count goes
 * through one call of the logit function (one forward pass per step count);
 * with no unit or every unit removed, one copy per sample serves all orders,
 * and those two ends can be computed once for every unit kind
 * ({@link endpointLogits}).
 *
 * @module
 */
import { Prng } from "../data/prng.ts";
import { EvalShapeError } from "./errors.ts";
import { type UnitMap, unitPixels } from "./removal_units.ts";
import { valueOrder } from "./value_order.ts";

/** Removal orders: most relevant first, least relevant first, random. */
export const REMOVAL_ORDERS = ["morf", "lerf", "random"] as const;

/** A removal order. */
export type RemovalOrder = typeof REMOVAL_ORDERS[number];

/** The value removed pixels take: the background of images in [−1, 1]. */
export const REMOVED_VALUE = -1;

/** Default number of points of a curve (k = 0 and 12 equal increments up to U). */
export const CURVE_POINTS = 13;

/**
 * The removal order of every sample's units from their relevance (flat B×U):
 * `morf` sorts by decreasing, `lerf` by increasing relevance; ties keep unit
 * order (a stable radix sort, {@link valueOrder}). Returns B×U unit indices.
 *
 * @example
 * ```ts
 * import { relevanceOrders } from "./perturbation.ts";
 * const o = relevanceOrders(Float64Array.of(0.1, 0.7, 0.2), 3, "morf"); // [1, 2, 0]
 * if (o[0] !== 1 || o[2] !== 0) throw new Error();
 * ```
 */
export function relevanceOrders(
  scores: ArrayLike<number>,
  units: number,
  order: "morf" | "lerf",
): Int32Array {
  if (scores.length % units !== 0) {
    throw new EvalShapeError(
      `relevance orders: ${scores.length} scores is not a multiple of ${units} units`,
    );
  }
  const B = scores.length / units;
  const out = new Int32Array(B * units);
  const values = Float64Array.from(scores);
  for (let b = 0; b < B; b++) {
    out.set(
      valueOrder(values.subarray(b * units, (b + 1) * units), order === "morf").order,
      b * units,
    );
  }
  return out;
}

/** A seeded random removal order per sample (B×U). */
export function randomOrders(samples: number, units: number, seed: number | string): Int32Array {
  const prng = new Prng(`removal-order/${seed}`);
  const out = new Int32Array(samples * units);
  for (let b = 0; b < samples; b++) out.set(prng.permutation(units), b * units);
  return out;
}

/**
 * The numbers of removed units a curve records: 0, then `points − 1` near
 * equal increments up to U (every count when U < points).
 *
 * @example
 * ```ts
 * import { curveStepCounts } from "./perturbation.ts";
 * if (curveStepCounts(12).join() !== "0,1,2,3,4,5,6,7,8,9,10,11,12") throw new Error();
 * if (curveStepCounts(48).join() !== "0,4,8,12,16,20,24,28,32,36,40,44,48") throw new Error();
 * ```
 */
export function curveStepCounts(units: number, points: number = CURVE_POINTS): number[] {
  if (!Number.isInteger(points) || points < 2) {
    throw new EvalShapeError(`a curve needs at least 2 points, got ${points}`);
  }
  const counts = new Set<number>();
  for (let i = 0; i < points; i++) counts.add(Math.round(i * units / (points - 1)));
  return [...counts].sort((a, b) => a - b);
}

/**
 * Writes into `out` a copy of every image of `x` ([B, 28, W]) with the first
 * `k` units of its order (B×U) set to `value`.
 */
export function removeUnits(
  x: Float32Array,
  map: UnitMap,
  orders: Int32Array,
  k: number,
  out: Float32Array,
  value: number = REMOVED_VALUE,
): void {
  const size = map.unitOf.length;
  const B = x.length / size;
  if (orders.length !== B * map.count || out.length !== x.length) {
    throw new EvalShapeError(
      `removeUnits: ${B} images need ${B * map.count} order entries and ${x.length} output ` +
        `values, got ${orders.length} and ${out.length}`,
    );
  }
  out.set(x);
  const { start, pixels } = unitPixels(map);
  for (let b = 0; b < B; b++) {
    const base = b * size;
    for (let i = 0; i < k; i++) {
      const u = orders[b * map.count + i];
      for (let j = start[u]; j < start[u + 1]; j++) out[base + pixels[j]] = value;
    }
  }
}

/** The logits [n, 10] of n images given as n·28·W floats. */
export type LogitFunction = (x: Float32Array, n: number) => Float32Array;

/** What {@link perturbationCurves} recorded. */
export interface PerturbationCurves {
  /** The recorded numbers of removed units (first 0). */
  stepCounts: number[];
  /** Logit of the true class, [orders, K, B]. */
  logits: Float32Array;
  /** Whether the true class is still predicted, [orders, K, B]. */
  correct: Uint8Array;
  /** Number of images B. */
  samples: number;
}

/**
 * The logits [B, 10] of the images with no unit removed (`clean`) and with
 * every unit removed (`blank`): the ends of every curve, whatever the unit
 * kind and order.
 */
export interface EndpointLogits {
  clean: Float32Array;
  blank: Float32Array;
}

/**
 * The {@link EndpointLogits} of a batch ([B, 28, W]) in one call of
 * `logitsOf`, to share between the curves of several unit kinds.
 */
export function endpointLogits(
  logitsOf: LogitFunction,
  x: Float32Array,
  samples: number,
  value: number = REMOVED_VALUE,
): EndpointLogits {
  const copies = new Float32Array(2 * x.length).fill(value);
  copies.set(x);
  const out = logitsOf(copies, 2 * samples);
  return { clean: out.subarray(0, samples * 10), blank: out.subarray(samples * 10) };
}

/** Options of {@link perturbationCurves}. */
export interface CurveOptions {
  /** Recorded step counts (default {@link curveStepCounts} of U); must start at 0. */
  stepCounts?: readonly number[];
  /** Value of removed pixels (default {@link REMOVED_VALUE}). */
  value?: number;
  /** Logits of the unperturbed and fully removed images, computed once (default: computed here). */
  endpoints?: EndpointLogits;
}

/**
 * Perturbation curves of a batch for several removal orders at once: for
 * each step count, every order's perturbed copies of every image go through
 * one call of `logitsOf`.
 *
 * @example
 * ```ts
 * import { perturbationCurves } from "./perturbation.ts";
 * import { removalUnits } from "./removal_units.ts";
 * const map = removalUnits(28, { kind: "steps", steps: 4 });
 * const x = new Float32Array(28 * 28).fill(1);
 * // a "model" whose class-0 logit is the image sum
 * const logitsOf = (xs: Float32Array, n: number) => {
 *   const out = new Float32Array(n * 10);
 *   for (let i = 0; i < xs.length; i++) out[Math.floor(i / 784) * 10] += xs[i];
 *   return out;
 * };
 * const c = perturbationCurves(logitsOf, x, [0], [Int32Array.of(0, 1, 2, 3)], map);
 * if (c.logits[4] !== -784) throw new Error(); // every unit removed
 * ```
 */
export function perturbationCurves(
  logitsOf: LogitFunction,
  x: Float32Array,
  labels: ArrayLike<number>,
  orders: readonly Int32Array[],
  map: UnitMap,
  options: CurveOptions = {},
): PerturbationCurves {
  const size = map.unitOf.length;
  if (x.length === 0 || x.length % size !== 0) {
    throw new EvalShapeError(
      `perturbation: expected a multiple of 28×${map.width} = ${size} values, got ${x.length}`,
    );
  }
  const B = x.length / size;
  if (labels.length !== B) {
    throw new EvalShapeError(`perturbation: ${B} images need ${B} labels, got ${labels.length}`);
  }
  const stepCounts = [...(options.stepCounts ?? curveStepCounts(map.count))];
  if (
    stepCounts[0] !== 0 || stepCounts.some((k) => !Number.isInteger(k) || k < 0 || k > map.count)
  ) {
    throw new EvalShapeError(
      `step counts must start at 0 and lie in 0..${map.count}, got ${stepCounts.join(", ")}`,
    );
  }
  const ends = options.endpoints;
  if (ends && (ends.clean.length !== B * 10 || ends.blank.length !== B * 10)) {
    throw new EvalShapeError(
      `perturbation: endpoint logits of ${B} images need ${B * 10} values each, got ` +
        `${ends.clean.length} and ${ends.blank.length}`,
    );
  }
  const S = orders.length;
  const K = stepCounts.length;
  const logits = new Float32Array(S * K * B);
  const correct = new Uint8Array(S * K * B);
  const copies = new Float32Array(S * x.length);
  for (let ki = 0; ki < K; ki++) {
    const k = stepCounts[ki];
    // with none or all units removed every order gives the same images: one copy serves all
    const end = k === 0 || k === map.count;
    const distinct = end ? 1 : S;
    let out = end && ends ? (k === 0 ? ends.clean : ends.blank) : undefined;
    if (out === undefined) {
      for (let s = 0; s < distinct; s++) {
        const copy = copies.subarray(s * x.length, (s + 1) * x.length);
        removeUnits(x, map, orders[s], k, copy, options.value);
      }
      out = logitsOf(copies.subarray(0, distinct * x.length), distinct * B);
    }
    for (let s = 0; s < S; s++) {
      for (let b = 0; b < B; b++) {
        const row = ((distinct === 1 ? 0 : s) * B + b) * 10;
        let best = 0;
        for (let c = 1; c < 10; c++) if (out[row + c] > out[row + best]) best = c;
        const at = (s * K + ki) * B + b;
        logits[at] = out[row + labels[b]];
        correct[at] = best === labels[b] ? 1 : 0;
      }
    }
  }
  return { stepCounts, logits, correct, samples: B };
}

/**
 * AOPC of every sample for order `s` of the curves: the mean over the
 * recorded step counts of f(x⁰) − f(xᵏ).
 */
export function aopc(curves: PerturbationCurves, s: number): Float64Array {
  const K = curves.stepCounts.length;
  const B = curves.samples;
  const out = new Float64Array(B);
  const base = s * K * B;
  for (let b = 0; b < B; b++) {
    const f0 = curves.logits[base + b];
    let sum = 0;
    for (let k = 0; k < K; k++) sum += f0 - curves.logits[base + k * B + b];
    out[b] = sum / K;
  }
  return out;
}
