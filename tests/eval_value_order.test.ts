/**
 * The radix ordering behind ranking (perturbation orders, Spearman's ranks)
 * equals the comparator sorts and binary searches it replaced, ties included.
 */
import { assertEquals } from "@std/assert";
import { Prng } from "../lib/data/prng.ts";
import { averageRanks, relevanceOrders, valueOrder } from "../lib/eval/mod.ts";

/** Values with many ties, both zeros, infinities, tiny and huge magnitudes. */
function awkward(n: number, seed: string): Float64Array {
  const prng = new Prng(seed);
  const pool = [0, -0, 1, -1, 0.5, -0.5, Infinity, -Infinity, 1e-300, -1e-300, 3e300, 5e-324];
  return Float64Array.from(
    { length: n },
    (_, i) => i % 3 === 0 ? pool[prng.int(pool.length)] : (prng.next() - 0.5) * 10 ** prng.int(8),
  );
}

/** The comparator sort relevanceOrders used before the radix sort. */
function comparatorOrder(v: ArrayLike<number>, descending: boolean): number[] {
  const sign = descending ? -1 : 1;
  return Array.from({ length: v.length }, (_, i) => i)
    .sort((p, q) => sign * v[p] - sign * v[q] || p - q);
}

/** The binary-search average ranks averageRanks computed before the radix sort. */
function binarySearchRanks(values: ArrayLike<number>): number[] {
  const n = values.length;
  const sorted = Float64Array.from(values).sort();
  return Array.from(values, (v) => {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    const first = lo;
    hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid] <= v) lo = mid + 1;
      else hi = mid;
    }
    return (first + lo - 1) / 2 + 1;
  });
}

Deno.test("radix value order equals a stable comparator sort, ties, zeros and infinities included", () => {
  for (const n of [0, 1, 2, 17, 2352]) {
    const v = awkward(n, `order-${n}`);
    for (const descending of [false, true]) {
      const { order, valid } = valueOrder(v, descending);
      assertEquals(valid, n);
      assertEquals(Array.from(order), comparatorOrder(v, descending), `n=${n} ${descending}`);
    }
  }
  const heat = Float32Array.from(awkward(2352, "float32"));
  assertEquals(Array.from(valueOrder(heat).order), comparatorOrder(heat, false));
});

Deno.test("NaN is ordered last in index order and ranks 0.5, as before", () => {
  const v = [2, NaN, -1, NaN, 2, 0];
  assertEquals(valueOrder(v), { order: Int32Array.of(2, 5, 0, 4, 1, 3), valid: 4 });
  assertEquals(Array.from(averageRanks(v)), binarySearchRanks(v));
});

Deno.test("radix average ranks equal the binary-search ranks on float32 heatmaps and float64 values", () => {
  const prng = new Prng("ranks");
  const tied = Float32Array.from({ length: 2352 }, () => (prng.int(40) - 20) / 8);
  for (const v of [tied, awkward(2352, "ranks64"), Float32Array.of(0, -0, 0), [5]]) {
    assertEquals(Array.from(averageRanks(v)), binarySearchRanks(v));
  }
});

Deno.test("MoRF and LeRF orders equal the comparator sort they replaced", () => {
  const U = 48;
  const prng = new Prng("unit-orders");
  const scores = Float64Array.from({ length: 20 * U }, () => prng.int(6) - 3);
  for (const order of ["morf", "lerf"] as const) {
    const got = relevanceOrders(scores, U, order);
    for (let b = 0; b < 20; b++) {
      assertEquals(
        Array.from(got.subarray(b * U, (b + 1) * U)),
        comparatorOrder(scores.subarray(b * U, (b + 1) * U), order === "morf"),
      );
    }
  }
});
