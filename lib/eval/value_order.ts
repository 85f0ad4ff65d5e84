/**
 * Stable ordering of numbers by value with an LSD radix sort: each value's
 * IEEE-754 bits (32 for a Float32Array, else 64) become an unsigned key that
 * orders like the value, sorted by 11-bit digits (three per 32 bits; digits
 * every key shares are skipped). Linear in n, unlike comparator sorts, which is
 * what ranking thousands of heatmap pixels per sample needs.
 *
 * @module
 */

const DIGIT_BITS = 11;
const BUCKETS = 1 << DIGIT_BITS;
/** Digits per 32-bit word (11, 11 and 10 bits). */
const WORD_DIGITS = 3;

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
  // float32 values need one 32-bit word per key, others two (low word first: little-endian)
  const stride = values instanceof Float32Array ? 1 : 2;
  const keys = stride === 1 ? new Float32Array(n) : new Float64Array(n);
  const order = new Int32Array(n);
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
    if (words[stride * i + stride - 1] & 0x80000000) {
      for (let w = 0; w < stride; w++) words[stride * i + w] = ~words[stride * i + w];
    } else {
      words[stride * i + stride - 1] |= 0x80000000;
    }
  }
  const digits = stride * WORD_DIGITS;
  const mask = BUCKETS - 1;
  const digit = (i: number, d: number) =>
    (words[stride * i + Math.floor(d / WORD_DIGITS)] >>> (DIGIT_BITS * (d % WORD_DIGITS))) & mask;
  const counts = new Uint32Array(digits * BUCKETS);
  for (let j = 0; j < valid; j++) {
    for (let d = 0; d < digits; d++) counts[d * BUCKETS + digit(order[j], d)]++;
  }
  let from = order.subarray(0, valid);
  let to = new Int32Array(valid);
  for (let d = 0; d < digits; d++) {
    const count = counts.subarray(d * BUCKETS, (d + 1) * BUCKETS);
    if (valid === 0 || count[digit(from[0], d)] === valid) continue; // every key has this digit
    let start = 0;
    for (let b = 0; b < BUCKETS; b++) {
      const c = count[b];
      count[b] = start;
      start += c;
    }
    for (let j = 0; j < valid; j++) to[count[digit(from[j], d)]++] = from[j];
    [from, to] = [to, from];
  }
  if (from.buffer !== order.buffer) order.set(from);
  return { order, valid };
}
