/**
 * The samples the thesis's qualitative figures show (THESIS_SPEC §6), as
 * positions in a test set.
 *
 * Plain datasets: positions in the official 10,000-sample test set, as in the
 * thesis. MAJ datasets: positions in *this project's* MAJ test set (the MAJ
 * construction of the official test set, seed 3). The original MAJ samples
 * cannot be rebuilt (they depend on NumPy's MT19937 draws), so the thesis's
 * indices [22, 5069, 99] and [7639, 863, 559] pick our MAJ samples at those
 * positions: same positions, other digit triples.
 *
 * @module
 */
import { Prng } from "../data/mod.ts";
import type { MajDataset, PlainDataset } from "./thesis.ts";

/** Size of the official test sets. */
export const TEST_SET_SIZE = 10_000;

/** Seed of the MNIST sample draw of Fig 2.14 (`get_samples_for_vis`). */
export const FIG_2_14_SEED = 1234;

/** Number of samples per dataset in Fig 2.14. */
export const FIG_2_14_COUNT = 12;

/** Fig 2.14, Fashion-MNIST: the fixed test indices of `get_samples_for_vis`. */
export const FIG_2_14_FASHION: readonly number[] = [
  588,
  314,
  47,
  145,
  258,
  641,
  561,
  3410,
  1094,
  4059,
  518,
  9304,
];

/**
 * Fig 2.14, MNIST: 12 test indices drawn uniformly with replacement from
 * 0..9999 by `Prng(1234)` (the original drew them with NumPy's
 * `randint(0, 10000, 12)` under seed 1234, which this generator does not
 * reproduce).
 *
 * @example
 * ```ts
 * import { fig214MnistSamples } from "./samples.ts";
 * const a = fig214MnistSamples();
 * if (a.length !== 12 || a.join() !== fig214MnistSamples().join()) throw new Error();
 * ```
 */
export function fig214MnistSamples(): number[] {
  const prng = new Prng(FIG_2_14_SEED);
  return Array.from({ length: FIG_2_14_COUNT }, () => prng.int(TEST_SET_SIZE));
}

/** The Fig 2.14 samples of a plain dataset. */
export function fig214Samples(dataset: PlainDataset): number[] {
  return dataset === "mnist" ? fig214MnistSamples() : [...FIG_2_14_FASHION];
}

/** Figs 3.4 / 3.5: the Experiment-1 samples (`comparison-plots` `data_indices`). */
export const EXP1_SAMPLES: Readonly<Record<PlainDataset, readonly number[]>> = {
  "mnist": [8915, 1318, 7221, 7540],
  "fashion-mnist": [588, 314, 47, 145],
};

/** Fig 3.6: MNIST class-1 and Fashion-MNIST "Trouser" samples. */
export const CLASS1_SAMPLES: Readonly<Record<PlainDataset, readonly number[]>> = {
  "mnist": [4651, 4273, 2655, 4085, 9699],
  "fashion-mnist": [1680, 5545, 5205, 6080, 5607],
};

/** The class of Figs 3.6 and 3.7: MNIST digit 1, Fashion-MNIST "Trouser" (label 1). */
export const FIG_3_7_CLASS = 1;

/**
 * Figs 3.11, 3.17, 3.19, 3.20: positions in this project's MAJ test set (see
 * the module documentation: the positions are the thesis's, the samples are not).
 */
export const EXP2_SAMPLES: Readonly<Record<MajDataset, readonly number[]>> = {
  "mnist-maj": [22, 5069, 99],
  "fashion-mnist-maj": [7639, 863, 559],
};

/**
 * Draws `count` distinct positions of `pool` with a seeded generator, in
 * ascending order of position in `pool` (all of them when `count` is null or
 * at least the pool size). Used to pick the explained test samples of a fold.
 *
 * @example
 * ```ts
 * import { pickSamples } from "./samples.ts";
 * const a = pickSamples([5, 9, 2, 7], 2, "fold-0");
 * if (a.length !== 2 || a.join() !== pickSamples([5, 9, 2, 7], 2, "fold-0").join()) {
 *   throw new Error();
 * }
 * ```
 */
export function pickSamples(
  pool: ArrayLike<number>,
  count: number | null,
  label: string,
): Int32Array {
  const n = pool.length;
  if (count !== null && (!Number.isInteger(count) || count < 1)) {
    throw new RangeError(`sample count must be a positive integer or null, found ${count}`);
  }
  if (count === null || count >= n) return Int32Array.from(pool);
  const chosen = new Prng(`explain/${label}`).permutation(n).slice(0, count).sort();
  return Int32Array.from(chosen, (i) => pool[i]);
}
