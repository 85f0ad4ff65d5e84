import { assertEquals, assertNotEquals, assertThrows } from "@std/assert";
import { Prng } from "../lib/data/mod.ts";

const draws = (seed: number | string, n = 3) => {
  const p = new Prng(seed);
  return Array.from({ length: n }, () => p.nextUint32());
};

Deno.test("seeds below 2^32 keep the streams that stored runs were made with", () => {
  // first draws and first forked draw of earlier versions, which trained the stored runs
  const earlier: [number, number[], number][] = [
    [0, [3809008728, 1133695204, 53579671], 3386601228],
    [1, [2442144158, 3238099751, 3819917871], 1825534048],
    [12345, [518667457, 440444462, 4232892992], 787398342],
    [2 ** 31, [3777240597, 340332888, 1644009166], 392781897],
    [2 ** 32 - 1, [835879718, 1921286648, 2356205009], 924210938],
  ];
  for (const [seed, first, forked] of earlier) {
    assertEquals(draws(seed), first);
    assertEquals(new Prng(seed).fork("x").nextUint32(), forked);
  }
});

Deno.test("seeds of 2^32 and more have streams of their own", () => {
  const seen = new Map<string, number>();
  // 2^32 + 2 and 2^33 + 1 swap the low and high words
  const seeds = [0, 1, 2, 2 ** 32, 2 ** 32 + 1, 2 ** 32 + 2, 2 ** 33, 2 ** 33 + 1, 2 ** 53 - 1];
  for (const seed of seeds) {
    const key = draws(seed, 4).join(",");
    assertEquals(seen.get(key), undefined, `seed ${seed} repeats seed ${seen.get(key)}`);
    seen.set(key, seed);
  }
  assertNotEquals(
    new Prng(2 ** 32 + 1).fork("init").nextUint32(),
    new Prng(0).fork("init").nextUint32(),
  );
});

Deno.test("a seed that is negative, fractional or beyond 2^53 is refused", () => {
  for (const seed of [-1, 1.5, 2 ** 53, Number.NaN, Infinity]) {
    assertThrows(() => new Prng(seed), RangeError, "[0, 2^53)");
  }
});
