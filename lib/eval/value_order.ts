/**
 * Stable ordering of numbers by value with an LSD radix sort: each value's
 * 64 IEEE-754 bits become an unsigned key that orders like the value, sorted
 * by six 11-bit digits (digits every key shares are skipped, so float32 data
 * takes about four passes). Linear in n, unlike comparator sorts, which is
 * what ranking thousands of heatmap pixels per sample needs.
 *
 * @module
 */

const DIGIT_BITS = 11;
const BUCKETS = 1 << DIGIT_BITS;
/** (word, shift) of every digit, least significant first; word 0 holds the low 32 bits (little-endian). */
const DIGITS: ReadonlyArray<readonly [number, number]> = [
  [0, 0],
  [0, 11],
  [0, 22],
  [1, 0],
  [1, 11],
  [1, 22],
];

/**
 * The indices of `values` ordered by increasing value (decreasing with
 * `descending`); equal values (−0 and +0 included) keep index order, and
 * NaN comes last in index order. Returns the order and how many values
 * are not NaN.
 *
 * @example
 * ```ts
 * import { valueOrder } from "./value_order.ts";
 * const { order, valid } = valueOrder([0.5, -1, 0.5, NaN, 2]);
 * if (order.join() !== "1,0,2,4,3" || valid !== 4) throw new Error();
 * if (valueOrder([0.5, -1, 0.5], true).order.join() !== "0,2,1") throw new Error();
 * ```
 */
export function valueOrder(
  values: ArrayLike<number>,
  descending = false,
): { order: Int32Array; valid: number } {
  const n = values.length;
  const order = new Int32Array(n);
  const keys = new Float64Array(n);
  let valid = 0;
  let nan = n;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v !== v) {
      order[--nan] = i;
    } else {
      keys[i] = v === 0 ? 0 : descending ? -v : v; // −0 ties with +0
      order[valid++] = i;
    }
  }
  order.subarray(valid).reverse(); // NaN were filled from the end
  const words = new Uint32Array(keys.buffer);
  for (let i = 0; i < n; i++) {
    // flip negatives entirely and set the sign bit of positives: unsigned order = value order
    if (words[2 * i + 1] & 0x80000000) {
      words[2 * i] = ~words[2 * i];
      words[2 * i + 1] = ~words[2 * i + 1];
    } else {
      words[2 * i + 1] |= 0x80000000;
    }
  }
  const counts = new Uint32Array(DIGITS.length * BUCKETS);
  const mask = BUCKETS - 1;
  for (let j = 0; j < valid; j++) {
    const lo = words[2 * order[j]];
    const hi = words[2 * order[j] + 1];
    counts[lo & mask]++;
    counts[BUCKETS + ((lo >>> 11) & mask)]++;
    counts[2 * BUCKETS + (lo >>> 22)]++;
    counts[3 * BUCKETS + (hi & mask)]++;
    counts[4 * BUCKETS + ((hi >>> 11) & mask)]++;
    counts[5 * BUCKETS + (hi >>> 22)]++;
  }
  let from = order.subarray(0, valid);
  let to = new Int32Array(valid);
  for (let d = 0; d < DIGITS.length; d++) {
    const count = counts.subarray(d * BUCKETS, (d + 1) * BUCKETS);
    const [word, shift] = DIGITS[d];
    if (valid === 0 || count[(words[2 * from[0] + word] >>> shift) & mask] === valid) {
      continue; // every key has this digit
    }
    let start = 0;
    for (let b = 0; b < BUCKETS; b++) {
      const c = count[b];
      count[b] = start;
      start += c;
    }
    for (let j = 0; j < valid; j++) {
      const i = from[j];
      to[count[(words[2 * i + word] >>> shift) & mask]++] = i;
    }
    [from, to] = [to, from];
  }
  if (from.buffer !== order.buffer) order.set(from);
  return { order, valid };
}
