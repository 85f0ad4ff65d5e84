/**
 * The MAJ (majority sample) task. Each base sample j of class i becomes a
 * 28×84 image of three blocks: the sample itself, a same-class partner (drawn
 * with replacement from class i, possibly j itself) and a different-class
 * partner (drawn with replacement from the other classes), placed by a random
 * permutation p of 3: block k (columns 28k..28k+27) holds triple[p[k]]. The
 * label is j's label, and the mark m_k = 1 exactly when p[k] ≤ 1, i.e. when
 * block k shows a sample of the labelled class.
 *
 * A set is stored as index triples and permutations, never as pixels. The
 * draws follow the original order (per class 0..9: other-class partners, then
 * same-class partners, then one permutation per sample in index order) but use
 * {@link Prng}, so the samples differ from the original NumPy ones.
 *
 * @module
 */

import { indicesByClass, NUM_CLASSES } from "./labels.ts";
import { Prng } from "./prng.ts";

/** MAJ seeds of the original code per split. */
export const MAJ_SEEDS: Readonly<{ train: number; val: number; test: number }> = {
  train: 0,
  val: 1,
  test: 3,
};

/** A MAJ set over a base set of n samples (positions 0..n-1 of the base). */
export interface MajIndex {
  /** Number of samples (equals the base size). */
  n: number;
  /** Seed it was built with. */
  seed: number | string;
  /** Label of each sample (the base label). */
  labels: Uint8Array;
  /** `[n, 3]` base positions: (sample itself, same-class partner, other-class partner). */
  triples: Int32Array;
  /** `[n, 3]` permutations: block k shows `triples[3i + perms[3i + k]]`. */
  perms: Int32Array;
}

/** One mark per block: 1 where the block shows the labelled class. */
export type MajMarks = [0 | 1, 0 | 1, 0 | 1];

/**
 * Builds a MAJ set over base samples with the given labels.
 *
 * @example
 * ```ts
 * import { buildMaj, majMarks } from "./maj.ts";
 * const maj = buildMaj(new Uint8Array([0, 1, 0, 1]), 0);
 * const m = majMarks(maj, 0);
 * if (m[0] + m[1] + m[2] !== 2) throw new Error("two marks expected");
 * ```
 */
export function buildMaj(
  labels: ArrayLike<number>,
  seed: number | string,
  numClasses: number = NUM_CLASSES,
): MajIndex {
  const n = labels.length;
  const byClass = indicesByClass(labels, numClasses);
  const present = byClass.filter((ix) => ix.length > 0).length;
  if (n > 0 && present < 2) {
    throw new RangeError(`MAJ needs samples of at least 2 classes, found ${present}`);
  }
  const prng = new Prng(seed);
  const triples = new Int32Array(n * 3);
  const perms = new Int32Array(n * 3);
  for (let c = 0; c < numClasses; c++) {
    const own = byClass[c];
    if (own.length === 0) continue;
    const others = new Int32Array(n - own.length);
    let o = 0;
    for (let i = 0; i < n; i++) if (labels[i] !== c) others[o++] = i;
    const fake = prng.choice(others, own.length);
    const same = prng.choice(own, own.length);
    for (let j = 0; j < own.length; j++) {
      const idx = own[j];
      triples[3 * idx] = idx;
      triples[3 * idx + 1] = same[j];
      triples[3 * idx + 2] = fake[j];
      perms.set(prng.permutation(3), 3 * idx);
    }
  }
  return { n, seed, labels: Uint8Array.from(labels), triples, perms };
}

/** The base positions shown in blocks 0, 1 and 2 of MAJ sample `i`. */
export function majBlocks(maj: MajIndex, i: number): [number, number, number] {
  checkIndex(maj, i);
  const t = 3 * i;
  return [
    maj.triples[t + maj.perms[t]],
    maj.triples[t + maj.perms[t + 1]],
    maj.triples[t + maj.perms[t + 2]],
  ];
}

/** The marks of MAJ sample `i`: m_k = 1 iff block k shows the labelled class (p[k] ≤ 1). */
export function majMarks(maj: MajIndex, i: number): MajMarks {
  checkIndex(maj, i);
  const t = 3 * i;
  return [
    maj.perms[t] <= 1 ? 1 : 0,
    maj.perms[t + 1] <= 1 ? 1 : 0,
    maj.perms[t + 2] <= 1 ? 1 : 0,
  ];
}

function checkIndex(maj: MajIndex, i: number): void {
  if (!(Number.isInteger(i) && i >= 0 && i < maj.n)) {
    throw new RangeError(`MAJ sample index ${i} is out of range, expected 0..${maj.n - 1}`);
  }
}
