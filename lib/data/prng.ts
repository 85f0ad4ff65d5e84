/**
 * The project's one seeded pseudo-random number generator.
 *
 * Algorithm: xoshiro128** (Blackman & Vigna), 32-bit state words, seeded by
 * running SplitMix32 over the seed. String seeds and fork labels are hashed
 * with FNV-1a. Everything that draws random numbers (MAJ construction, splits,
 * folds, shuffling, initialisation, dropout masks) takes a `Prng` or a seed,
 * so a run is reproducible from its seed alone. The streams differ from
 * NumPy's MT19937: the original thesis samples cannot be rebuilt exactly.
 *
 * @module
 */

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function splitMix32(state: number): [number, number] {
  const next = (state + 0x9e3779b9) >>> 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return [next, (z ^ (z >>> 16)) >>> 0];
}

/** Four words of SplitMix32 output from `state`. */
function splitMixWords(state: number): number[] {
  const words: number[] = [];
  for (let i = 0; i < 4; i++) {
    const [next, out] = splitMix32(state);
    state = next;
    words.push(out);
  }
  return words;
}

/** Separates the high word's SplitMix32 stream from the low word's (`(lo, hi) ≠ (hi, lo)`). */
const HIGH_WORD_KEY = 0x6a09e667;

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/**
 * A seeded xoshiro128** generator.
 *
 * @example
 * ```ts
 * import { Prng } from "./prng.ts";
 * const a = new Prng(7).next();
 * const b = new Prng(7).next();
 * if (a !== b) throw new Error("not reproducible");
 * ```
 */
export class Prng {
  #s: Uint32Array;

  /**
   * Seeds the generator from a string (hashed with FNV-1a) or an integer in
   * [0, 2^53): the four state words are SplitMix32's outputs from the low 32
   * bits; for seeds of 2^32 and more they are mixed with SplitMix32's outputs
   * from the high bits, so every such seed has a stream of its own (seeds
   * below 2^32 keep the streams of earlier versions).
   */
  constructor(seed: number | string) {
    this.#s = new Uint32Array(4);
    if (typeof seed === "string") {
      this.#s.set(splitMixWords(fnv1a(seed)));
    } else {
      if (!Number.isSafeInteger(seed) || seed < 0) {
        throw new RangeError(`Prng: the seed must be an integer in [0, 2^53), got ${seed}`);
      }
      this.#s.set(splitMixWords(seed >>> 0));
      const high = Math.floor(seed / 2 ** 32);
      if (high > 0) {
        const mix = splitMixWords((high ^ HIGH_WORD_KEY) >>> 0);
        for (let i = 0; i < 4; i++) this.#s[i] ^= mix[i];
      }
    }
    if (this.#s.every((v) => v === 0)) this.#s[0] = 1;
  }

  /** The next uniformly distributed unsigned 32-bit integer. */
  nextUint32(): number {
    const s = this.#s;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** A float uniformly distributed in [0, 1) with 53 random bits. */
  next(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** An integer uniformly distributed in [0, n), without modulo bias. */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 2 ** 32) {
      throw new RangeError(`Prng.int: n must be an integer in [1, 2^32], got ${n}`);
    }
    const limit = Math.floor(2 ** 32 / n) * n;
    let v = this.nextUint32();
    while (v >= limit) v = this.nextUint32();
    return v % n;
  }

  /** A standard normal sample (Box-Muller). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Shuffles `items` in place (Fisher-Yates) and returns it. */
  shuffle<T, A extends { length: number; [i: number]: T }>(items: A): A {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }

  /** A uniformly random permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }

  /** `k` draws with replacement from `pool`. */
  choice(pool: ArrayLike<number>, k: number): Int32Array {
    if (pool.length === 0) throw new RangeError("Prng.choice: empty pool");
    const out = new Int32Array(k);
    for (let i = 0; i < k; i++) out[i] = pool[this.int(pool.length)];
    return out;
  }

  /** A 32-bit seed suitable for seeding other generators (e.g. tfjs ops). */
  seed32(): number {
    return this.nextUint32();
  }

  /**
   * An independent child generator named by `label`; the parent state is not
   * advanced, so adding a new consumer never shifts existing streams.
   */
  fork(label: string): Prng {
    const s = this.#s;
    return new Prng(`${s[0]}:${s[1]}:${s[2]}:${s[3]}/${label}`);
  }
}
