import { assert, assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import { Prng } from "../lib/data/prng.ts";
import {
  aopc,
  averageRanks,
  curveStepCounts,
  endpointLogits,
  EvalShapeError,
  localisationScores,
  majLocalisationBatch,
  majMask,
  perturbationCurves,
  randomisedSpearman,
  randomOrders,
  relevanceOrders,
  removalUnits,
  spearman,
  ssimAbs,
  unitPixels,
  unitRelevance,
} from "../lib/eval/mod.ts";

const SIZE = 28 * 84;

function noise(n: number, seed: string): Float32Array {
  const prng = new Prng(seed);
  return Float32Array.from({ length: n }, () => 2 * prng.next() - 1);
}

/** A linear "model": logits = W·x, W [10, size]. */
function linearModel(size: number, seed: string) {
  const w = noise(10 * size, seed);
  const one = (x: Float32Array, b: number) =>
    Array.from({ length: 10 }, (_, c) => {
      let s = 0;
      for (let p = 0; p < size; p++) s += w[c * size + p] * x[b * size + p];
      return s;
    });
  let calls = 0;
  let images = 0;
  const batched = (x: Float32Array, n: number) => {
    calls++;
    images += n;
    const out = new Float32Array(n * 10);
    for (let b = 0; b < n; b++) out.set(one(x, b), b * 10);
    return out;
  };
  return { one, batched, calls: () => calls, images: () => images };
}

Deno.test("removal units: steps, column blocks and patches give every pixel its naive unit", () => {
  const cases = [
    {
      unit: { kind: "steps", steps: 12 } as const,
      of: (_r: number, c: number) => Math.floor(c / 7),
    },
    {
      unit: { kind: "columns", columns: 28 } as const,
      of: (_r: number, c: number) => Math.floor(c / 28),
    },
    {
      unit: { kind: "patches", size: 4 } as const,
      of: (r: number, c: number) => Math.floor(r / 4) * 21 + Math.floor(c / 4),
    },
  ];
  for (const { unit, of } of cases) {
    const map = removalUnits(84, unit);
    for (let r = 0; r < 28; r++) {
      for (let c = 0; c < 84; c++) assertEquals(map.unitOf[r * 84 + c], of(r, c), map.name);
    }
    assertEquals(map.count, Math.max(...map.unitOf) + 1);
  }
  assertThrows(() => removalUnits(84, { kind: "patches", size: 5 }), EvalShapeError);
  assertThrows(() => removalUnits(84, { kind: "steps", steps: 5 }), EvalShapeError);
});

Deno.test("unit relevance sums each unit's pixels, as a loop over units does", () => {
  const map = removalUnits(84, { kind: "patches", size: 7 });
  const h = noise(2 * SIZE, "unit-relevance");
  const got = unitRelevance(h, map);
  for (let b = 0; b < 2; b++) {
    for (let u = 0; u < map.count; u++) {
      let s = 0;
      for (let p = 0; p < SIZE; p++) if (map.unitOf[p] === u) s += h[b * SIZE + p];
      assertAlmostEquals(got[b * map.count + u], s, 1e-9);
    }
  }
});

Deno.test("MoRF and LeRF orders equal repeated selection of the largest (smallest) remaining unit", () => {
  const prng = new Prng("orders");
  const U = 9;
  // integer scores make ties, which must keep unit order
  const scores = Float64Array.from({ length: 4 * U }, () => prng.int(4));
  for (const order of ["morf", "lerf"] as const) {
    const got = relevanceOrders(scores, U, order);
    for (let b = 0; b < 4; b++) {
      const left = Array.from({ length: U }, (_, u) => u);
      const naive: number[] = [];
      while (left.length) {
        let best = 0;
        for (let i = 1; i < left.length; i++) {
          const a = scores[b * U + left[i]];
          const c = scores[b * U + left[best]];
          if (order === "morf" ? a > c : a < c) best = i;
        }
        naive.push(left.splice(best, 1)[0]);
      }
      assertEquals(Array.from(got.subarray(b * U, (b + 1) * U)), naive);
    }
  }
});

Deno.test("random orders are seeded permutations", () => {
  const a = randomOrders(3, 12, 5);
  assertEquals(a, randomOrders(3, 12, 5));
  assert(a.some((v, i) => v !== randomOrders(3, 12, 6)[i]));
  for (let b = 0; b < 3; b++) {
    assertEquals([...a.subarray(b * 12, b * 12 + 12)].sort((x, y) => x - y), [...Array(12).keys()]);
  }
});

Deno.test("batched perturbation curves equal a naive per-sample, per-order, per-step loop", () => {
  const map = removalUnits(84, { kind: "patches", size: 14 });
  const B = 3;
  const x = noise(B * SIZE, "curve-x");
  const labels = [2, 7, 0];
  const model = linearModel(SIZE, "curve-w");
  const orders = [
    randomOrders(B, map.count, 1),
    relevanceOrders(unitRelevance(noise(B * SIZE, "curve-r"), map), map.count, "morf"),
  ];
  const steps = curveStepCounts(map.count, 5);
  const curves = perturbationCurves(model.batched, x, labels, orders, map, { stepCounts: steps });
  assertEquals(model.calls(), steps.length, "one forward call per step count");
  assertEquals(model.images(), B * (orders.length * (steps.length - 2) + 2), "k = 0, U once");
  const K = steps.length;
  for (let s = 0; s < orders.length; s++) {
    for (let k = 0; k < K; k++) {
      for (let b = 0; b < B; b++) {
        const copy = x.slice(b * SIZE, (b + 1) * SIZE);
        const removed = new Set(orders[s].subarray(b * map.count, b * map.count + steps[k]));
        for (let p = 0; p < SIZE; p++) if (removed.has(map.unitOf[p])) copy[p] = -1;
        const logits = model.one(copy, 0);
        const at = (s * K + k) * B + b;
        assertAlmostEquals(curves.logits[at], logits[labels[b]], 1e-3);
        assertEquals(curves.correct[at], logits.indexOf(Math.max(...logits)) === labels[b] ? 1 : 0);
      }
    }
    const area = aopc(curves, s);
    for (let b = 0; b < B; b++) {
      let naive = 0;
      for (let k = 0; k < K; k++) {
        naive += curves.logits[s * K * B + b] - curves.logits[(s * K + k) * B + b];
      }
      assertAlmostEquals(area[b], naive / K, 1e-6);
    }
  }
});

Deno.test("curves with endpoint logits computed once equal curves computing their own", () => {
  const B = 2;
  const x = noise(B * SIZE, "ends-x");
  const labels = [4, 9];
  const model = linearModel(SIZE, "ends-w");
  const ends = endpointLogits(model.batched, x, B);
  assertEquals([model.calls(), model.images()], [1, 2 * B], "both ends in one call");
  for (const unit of [{ kind: "steps", steps: 12 }, { kind: "patches", size: 7 }] as const) {
    const map = removalUnits(84, unit);
    const orders = [randomOrders(B, map.count, 3), randomOrders(B, map.count, 4)];
    const own = perturbationCurves(model.batched, x, labels, orders, map);
    const calls = model.calls();
    const shared = perturbationCurves(model.batched, x, labels, orders, map, { endpoints: ends });
    assertEquals(model.calls() - calls, own.stepCounts.length - 2, "no pass for k = 0 and U");
    assertEquals(shared, own);
  }
  assertThrows(
    () =>
      perturbationCurves(
        model.batched,
        x,
        labels,
        [randomOrders(B, 12, 1)],
        removalUnits(84, {
          kind: "steps",
          steps: 12,
        }),
        { endpoints: { clean: ends.clean.subarray(10), blank: ends.blank } },
      ),
    EvalShapeError,
  );
});

Deno.test("unit pixel lists hold every pixel once, under its unit", () => {
  for (const unit of [{ kind: "steps", steps: 12 }, { kind: "patches", size: 7 }] as const) {
    const map = removalUnits(84, unit);
    const { start, pixels } = unitPixels(map);
    assertEquals([start[0], start[map.count]], [0, SIZE]);
    assertEquals([...pixels].sort((a, b) => a - b), [...Array(SIZE).keys()]);
    for (let u = 0; u < map.count; u++) {
      for (let j = start[u]; j < start[u + 1]; j++) assertEquals(map.unitOf[pixels[j]], u);
    }
  }
});

Deno.test("curve step counts start at 0, end at U and refuse fewer than 2 points", () => {
  assertEquals(curveStepCounts(4, 13), [0, 1, 2, 3, 4]);
  assertEquals(curveStepCounts(144, 5), [0, 36, 72, 108, 144]);
  assertThrows(() => curveStepCounts(4, 1), EvalShapeError);
});

/** Naive localisation for tie-free heatmaps. */
function naiveLocalisation(h: ArrayLike<number>, mask: Uint8Array) {
  const idx = [...Array(h.length).keys()].sort((a, b) => h[b] - h[a]);
  const K = mask.reduce((a, b) => a + b, 0);
  let pos = 0;
  let posIn = 0;
  for (let i = 0; i < h.length; i++) {
    if (h[i] > 0) {
      pos += h[i];
      if (mask[i]) posIn += h[i];
    }
  }
  return {
    mass: posIn / pos,
    rank: idx.slice(0, K).filter((i) => mask[i]).length / K,
    pointing: mask[idx[0]],
  };
}

Deno.test("mass, rank accuracy and pointing game equal their naive definitions", () => {
  const B = 4;
  const h = noise(B * SIZE, "loc");
  const marks = [1, 1, 0, 0, 1, 1, 1, 0, 1, 0, 1, 1];
  const got = majLocalisationBatch(h, marks);
  for (let b = 0; b < B; b++) {
    const naive = naiveLocalisation(
      h.subarray(b * SIZE, (b + 1) * SIZE),
      majMask(marks.slice(3 * b, 3 * b + 3)),
    );
    assertAlmostEquals(got.mass[b], naive.mass, 1e-9);
    assertAlmostEquals(got.rank[b], naive.rank, 1e-12);
    assertEquals(got.pointing[b], naive.pointing);
  }
});

Deno.test("tied relevance is shared: an even heatmap scores the mask's share everywhere", () => {
  const even = localisationScores(new Float32Array(SIZE).fill(1), majMask([1, 0, 1]));
  assertAlmostEquals(even.mass, 2 / 3, 1e-12);
  assertAlmostEquals(even.rank, 2 / 3, 1e-12);
  assertAlmostEquals(even.pointing, 2 / 3, 1e-12);
  // two pixels share the maximum, one inside the mask
  const h = Float32Array.of(5, 5, 1, 0);
  const s = localisationScores(h, Uint8Array.of(1, 0, 0, 0));
  assertEquals(s.pointing, 0.5);
  assertEquals(s.rank, 0.5);
  assert(Number.isNaN(localisationScores(new Float32Array(4), Uint8Array.of(1, 0, 0, 0)).mass));
});

function naiveRanks(v: ArrayLike<number>): number[] {
  return Array.from(v, (x) => {
    let less = 0;
    let equal = 0;
    for (let i = 0; i < v.length; i++) {
      if (v[i] < x) less++;
      else if (v[i] === x) equal++;
    }
    return less + (equal + 1) / 2;
  });
}

Deno.test("Spearman correlation equals Pearson of naive average ranks, ties included", () => {
  const prng = new Prng("spearman");
  const a = Float64Array.from({ length: 200 }, () => prng.int(20));
  const b = Float64Array.from(a, (v) => v + prng.int(10));
  assertEquals(Array.from(averageRanks(a)), naiveRanks(a));
  const ra = naiveRanks(a);
  const rb = naiveRanks(b);
  const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
  const ma = mean(ra);
  const mb = mean(rb);
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < ra.length; i++) {
    sab += (ra[i] - ma) * (rb[i] - mb);
    saa += (ra[i] - ma) ** 2;
    sbb += (rb[i] - mb) ** 2;
  }
  assertAlmostEquals(spearman(a, b), sab / Math.sqrt(saa * sbb), 1e-12);
  assertAlmostEquals(spearman([1, 2, 3], [3, 2, 1]), -1, 1e-12);
  assert(Number.isNaN(spearman([1, 1, 1], [1, 2, 3])));
});

Deno.test("SSIM of absolute heatmaps equals a window-by-window naive computation", () => {
  const a = noise(SIZE, "ssim-a");
  const b = Float32Array.from(noise(SIZE, "ssim-b"), (v, i) => v + 2 * a[i]);
  const norm = (h: Float32Array) => {
    const m = Math.max(...Array.from(h, Math.abs));
    return Array.from(h, (v) => Math.abs(v) / m);
  };
  const x = norm(a);
  const y = norm(b);
  let total = 0;
  let count = 0;
  for (let r = 0; r + 7 <= 28; r++) {
    for (let c = 0; c + 7 <= 84; c++) {
      const px: number[] = [];
      const py: number[] = [];
      for (let i = 0; i < 7; i++) {
        for (let j = 0; j < 7; j++) {
          px.push(x[(r + i) * 84 + c + j]);
          py.push(y[(r + i) * 84 + c + j]);
        }
      }
      const mx = px.reduce((s, v) => s + v, 0) / 49;
      const my = py.reduce((s, v) => s + v, 0) / 49;
      const vx = px.reduce((s, v) => s + (v - mx) ** 2, 0) / 49;
      const vy = py.reduce((s, v) => s + (v - my) ** 2, 0) / 49;
      const cxy = px.reduce((s, v, i) => s + (v - mx) * (py[i] - my), 0) / 49;
      const c1 = 0.01 ** 2;
      const c2 = 0.03 ** 2;
      total += (2 * mx * my + c1) * (2 * cxy + c2) / ((mx * mx + my * my + c1) * (vx + vy + c2));
      count++;
    }
  }
  assertAlmostEquals(ssimAbs(a, b, 84), total / count, 1e-9);
  assertAlmostEquals(ssimAbs(a, Float32Array.from(a, (v) => -3 * v), 84), 1, 1e-9);
});

Deno.test("randomised Spearman: NaN for a constant original, 0 for a constant randomised heatmap", () => {
  const a = noise(100, "rs-a");
  const b = noise(100, "rs-b");
  assertAlmostEquals(randomisedSpearman(averageRanks(a), b), spearman(a, b), 1e-12);
  assertEquals(randomisedSpearman(averageRanks(a), new Float32Array(100)), 0);
  assert(Number.isNaN(randomisedSpearman(averageRanks(new Float32Array(100)), b)));
});
