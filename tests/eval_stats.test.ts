import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertNotEquals,
  assertThrows,
} from "@std/assert";
import {
  bootstrapInterval,
  logGamma,
  quantileLinear,
  regularizedIncompleteBeta,
  studentTCdf,
  studentTQuantile,
  tCritical,
  tInterval,
} from "../lib/eval/mod.ts";

Deno.test("the t quantile matches tabulated values", () => {
  assertAlmostEquals(studentTQuantile(0.975, 6), 2.446912, 1e-6);
  assertAlmostEquals(studentTQuantile(0.975, 1), 12.7062, 1e-4);
  assertAlmostEquals(studentTQuantile(0.975, 29), 2.04523, 1e-5);
  assertAlmostEquals(studentTQuantile(0.995, 10), 3.169273, 1e-6);
  assertAlmostEquals(studentTQuantile(0.9, 3), 1.637744, 1e-6);
  assertAlmostEquals(studentTQuantile(0.975, 1000), 1.962339, 1e-6);
  assertAlmostEquals(studentTQuantile(0.025, 6), -2.446912, 1e-6);
  assertEquals(studentTQuantile(0.5, 4), 0);
});

Deno.test("the t CDF inverts the quantile and is symmetric", () => {
  for (const df of [1, 2, 6, 29, 200]) {
    for (const p of [0.6, 0.9, 0.975, 0.999]) {
      assertAlmostEquals(studentTCdf(studentTQuantile(p, df), df), p, 1e-10);
    }
    assertAlmostEquals(studentTCdf(-1.3, df) + studentTCdf(1.3, df), 1, 1e-12);
  }
  // df = 1 is the Cauchy distribution: F(t) = 1/2 + atan(t)/π.
  assertAlmostEquals(studentTCdf(2.5, 1), 0.5 + Math.atan(2.5) / Math.PI, 1e-12);
});

Deno.test("the regularized incomplete beta matches closed forms", () => {
  // Integer a, b: binomial tail. I_0.5(2, 3) = (6 + 4 + 1) / 16.
  assertAlmostEquals(regularizedIncompleteBeta(0.5, 2, 3), 11 / 16, 1e-12);
  assertAlmostEquals(regularizedIncompleteBeta(0.3, 1, 1), 0.3, 1e-12);
  assertAlmostEquals(regularizedIncompleteBeta(0.2, 1, 4), 1 - 0.8 ** 4, 1e-12);
  assertAlmostEquals(logGamma(5), Math.log(24), 1e-12);
  assertAlmostEquals(logGamma(0.5), Math.log(Math.sqrt(Math.PI)), 1e-12);
  assertThrows(() => regularizedIncompleteBeta(1.5, 1, 1), RangeError, "[0, 1]");
  assertThrows(() => studentTQuantile(0.975, 0), RangeError, "degrees of freedom");
});

Deno.test("the t interval of seven fold means matches a hand computation", () => {
  const folds = [0.7, 0.72, 0.69, 0.71, 0.73, 0.70, 0.68];
  const mean = folds.reduce((a, b) => a + b) / 7; // 0.704286
  const sd = Math.sqrt(folds.reduce((a, x) => a + (x - mean) ** 2, 0) / 6); // 0.017182
  const half = 2.446912 * sd / Math.sqrt(7);
  const ci = tInterval(folds);
  assertAlmostEquals(ci.mean, 0.7042857, 1e-6);
  assertAlmostEquals(ci.sd!, 0.0171825, 1e-6);
  assertAlmostEquals(ci.lo!, mean - half, 1e-7);
  assertAlmostEquals(ci.hi!, mean + half, 1e-7);
  assertAlmostEquals(ci.lo!, 0.688395, 1e-6);
  assertAlmostEquals(ci.hi!, 0.720177, 1e-6);
  assertEquals(ci.n, 7);
});

Deno.test("a single value has a mean but no sd or interval", () => {
  const ci = tInterval([0.5]);
  assertEquals(ci, { mean: 0.5, sd: null, lo: null, hi: null, n: 1 });
  assertEquals(tCritical(1), null);
});

Deno.test("the percentile bootstrap is reproducible from its seed and brackets the mean", () => {
  const folds = [0.7, 0.72, 0.69, 0.71, 0.73, 0.70, 0.68];
  const a = bootstrapInterval(folds, { seed: 3, resamples: 2000 });
  const b = bootstrapInterval(folds, { seed: 3, resamples: 2000 });
  assertEquals(a, b);
  const irregular = [0.7013, 0.7219, 0.6877, 0.7141, 0.7333, 0.6991, 0.6805];
  const c = bootstrapInterval(irregular, { seed: 3, resamples: 2000 });
  const d = bootstrapInterval(irregular, { seed: 4, resamples: 2000 });
  assertNotEquals([c.lo, c.hi], [d.lo, d.hi]);
  assert(a.lo! < a.mean && a.mean < a.hi!);
  // Percentile bootstrap intervals are narrower than t intervals for k = 7.
  const t = tInterval(folds);
  assert(a.hi! - a.lo! < t.hi! - t.lo!);
  assert(a.lo! >= 0.68 && a.hi! <= 0.73);
});

Deno.test("linear quantiles interpolate between order statistics like NumPy", () => {
  assertEquals(quantileLinear([4, 1, 3, 2], 0.5), 2.5);
  assertAlmostEquals(quantileLinear([1, 2, 3, 4, 5], 0.9), 4.6, 1e-12);
  assertEquals(quantileLinear([7], 0.3), 7);
});
