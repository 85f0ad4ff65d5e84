/**
 * Small helpers over label arrays: per-class counts and indices grouped by class.
 *
 * @module
 */

/** Number of classes of both datasets. */
export const NUM_CLASSES = 10;

/**
 * Per-class counts of `labels` (values 0..numClasses-1).
 *
 * @example
 * ```ts
 * import { classCounts } from "./labels.ts";
 * const c = classCounts(new Uint8Array([0, 2, 2]), 3);
 * if (c[2] !== 2) throw new Error("bad count");
 * ```
 */
export function classCounts(
  labels: ArrayLike<number>,
  numClasses: number = NUM_CLASSES,
): Int32Array {
  const counts = new Int32Array(numClasses);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (!(y >= 0 && y < numClasses)) {
      throw new RangeError(
        `label ${y} at index ${i} is out of range, expected 0..${numClasses - 1}`,
      );
    }
    counts[y]++;
  }
  return counts;
}

/** The positions of each class in `labels`, ascending; entry c lists the positions with label c. */
export function indicesByClass(
  labels: ArrayLike<number>,
  numClasses: number = NUM_CLASSES,
): Int32Array[] {
  const counts = classCounts(labels, numClasses);
  const out = Array.from(counts, (n) => new Int32Array(n));
  const fill = new Int32Array(numClasses);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    out[y][fill[y]++] = i;
  }
  return out;
}
