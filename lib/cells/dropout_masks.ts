/**
 * Dropout masks drawn per dropout node and step from the seed, the same on every
 * evaluation path.
 *
 * @module
 */
import { Prng } from "../data/prng.ts";
import type { DropoutLike } from "./nodes/kind.ts";

/**
 * Dropout masks drawn from {@link Prng} streams named after the dropout node and the
 * step (`<node>@<t>`, `<node>@out` in the output graph, `<node>` for a stationary mask),
 * so the same seed gives the same masks whatever the evaluation order and whether the
 * steps are hoisted. An entry is kept with probability `keep` (a 31-bit draw below
 * ⌊keep·2³¹⌋) and then holds 1/keep, else 0. Masks are filled in JavaScript and uploaded
 * as constants, which is several times faster than `tf.randomUniform` plus comparisons.
 */
export class Masks {
  readonly #root: Prng;
  readonly #threshold: number;
  readonly #scale: number;
  readonly #stationary = new Map<string, Float32Array>();

  constructor(seed: number, keep: number) {
    this.#root = new Prng(seed);
    this.#threshold = Math.floor(keep * 2 ** 31);
    this.#scale = 1 / keep;
  }

  /**
   * n mask entries from the stream `label`: a xoshiro128** generator (the algorithm of
   * {@link Prng}, inlined on plain integers, about twice as fast as calling it) whose
   * state is four draws of the fork of the root generator named `label`.
   */
  #draw(label: string, n: number): Float32Array {
    const fork = this.#root.fork(label);
    let s0 = fork.nextUint32() | 0;
    let s1 = fork.nextUint32() | 0;
    let s2 = fork.nextUint32() | 0;
    let s3 = fork.nextUint32() | 0;
    if ((s0 | s1 | s2 | s3) === 0) s0 = 1;
    const threshold = this.#threshold;
    const scale = this.#scale;
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const m = Math.imul(s1, 5);
      const draw = Math.imul((m << 7) | (m >>> 25), 9) >>> 1; // the top 31 bits
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      // (draw − threshold) is negative exactly when the entry is kept: its sign bit, no branch
      out[i] = scale * ((draw - threshold) >>> 31);
    }
    return out;
  }

  /** The mask of `node` for one step (`key`) of `rows` samples with `size` values each. */
  step(node: DropoutLike, rows: number, size: number, key: string): Float32Array {
    if (node.mode !== "stationary") return this.#draw(`${node.name}@${key}`, rows * size);
    let mask = this.#stationary.get(node.name);
    if (!mask) {
      mask = this.#draw(node.name, rows * size);
      this.#stationary.set(node.name, mask);
    }
    return mask;
  }

  /** The masks of steps 0..steps−1 stacked along the batch axis (t-major). */
  stacked(node: DropoutLike, rows: number, size: number, steps: number): Float32Array {
    const n = rows * size;
    const out = new Float32Array(steps * n);
    for (let t = 0; t < steps; t++) out.set(this.step(node, rows, size, `${t}`), t * n);
    return out;
  }
}
