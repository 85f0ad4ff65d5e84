/**
 * Splits: the Experiment-1 train/validation split of the 60k training set and
 * stratified k-fold cross-validation. Both are seeded with {@link Prng}
 * (default seed 71, as the original `random_state`), so they are reproducible
 * but differ from scikit-learn's draws.
 *
 * @module
 */

import { indicesByClass, NUM_CLASSES } from "./labels.ts";
import { Prng } from "./prng.ts";

/** Default seed of splits and folds (the original `random_state`). */
export const SPLIT_SEED = 71;

/** Positions of the training and validation samples. */
export interface TrainValSplit {
  /** Training positions, in shuffled order. */
  train: Int32Array;
  /** Validation positions, in shuffled order. */
  val: Int32Array;
}

/** Options of {@link trainValSplit}. */
export interface TrainValOptions {
  /** Fraction of samples for validation; the count is rounded up (default 0.2). */
  valFraction?: number;
  /** Seed (default 71). */
  seed?: number | string;
}

/**
 * Shuffles positions 0..n-1 and takes the first ⌈valFraction·n⌉ for
 * validation, the rest for training (60,000 → 48,000 + 12,000 by default).
 *
 * @example
 * ```ts
 * import { trainValSplit } from "./splits.ts";
 * const { train, val } = trainValSplit(60000);
 * if (train.length !== 48000 || val.length !== 12000) throw new Error("bad sizes");
 * ```
 */
export function trainValSplit(n: number, options: TrainValOptions = {}): TrainValSplit {
  const fraction = options.valFraction ?? 0.2;
  if (!(fraction > 0 && fraction < 1)) {
    throw new RangeError(`valFraction must lie in (0, 1), found ${fraction}`);
  }
  if (!Number.isInteger(n) || n < 2) {
    throw new RangeError(`n must be an integer of at least 2, found ${n}`);
  }
  const nVal = Math.ceil(fraction * n - 1e-9);
  const perm = new Prng(options.seed ?? SPLIT_SEED).permutation(n);
  return { val: perm.slice(0, nVal), train: perm.slice(nVal) };
}

/** One cross-validation fold: positions to train on and to test on (both ascending). */
export interface Fold {
  /** Training positions. */
  train: Int32Array;
  /** Test positions (also the fold's validation set). */
  test: Int32Array;
}

/**
 * Stratified k-fold split of positions 0..n-1 by `labels`. The test sets are
 * disjoint and cover every position; each fold holds, per class, the exact
 * share of that class rounded down or up. Within each class the positions are
 * shuffled with the seed, then dealt out round-robin, continuing across classes
 * so that fold sizes differ by at most one.
 *
 * @example
 * ```ts
 * import { stratifiedKFold } from "./splits.ts";
 * const folds = stratifiedKFold(new Uint8Array(14).map((_, i) => i % 2), 7);
 * if (folds.length !== 7 || folds[0].test.length !== 2) throw new Error("bad folds");
 * ```
 */
export function stratifiedKFold(
  labels: ArrayLike<number>,
  k: number = 7,
  seed: number | string = SPLIT_SEED,
  numClasses: number = NUM_CLASSES,
): Fold[] {
  const n = labels.length;
  if (!Number.isInteger(k) || k < 2 || k > n) {
    throw new RangeError(`k must be an integer in [2, ${n}] (the number of samples), found ${k}`);
  }
  const prng = new Prng(seed);
  const foldOf = new Int32Array(n);
  const sizes = new Int32Array(k);
  let p = 0;
  for (const members of indicesByClass(labels, numClasses)) {
    prng.shuffle(members);
    for (const i of members) {
      const f = p++ % k;
      foldOf[i] = f;
      sizes[f]++;
    }
  }
  const tests = Array.from(sizes, (s) => new Int32Array(s));
  const trains = Array.from(sizes, (s) => new Int32Array(n - s));
  const tFill = new Int32Array(k);
  const rFill = new Int32Array(k);
  for (let i = 0; i < n; i++) {
    const f = foldOf[i];
    tests[f][tFill[f]++] = i;
    for (let g = 0; g < k; g++) if (g !== f) trains[g][rFill[g]++] = i;
  }
  return tests.map((test, f) => ({ train: trains[f], test }));
}
