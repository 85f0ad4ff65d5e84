import { assert, assertEquals, assertNotEquals, assertThrows } from "@std/assert";
import { classCounts, Prng, stratifiedKFold, trainValSplit } from "../lib/data/mod.ts";

function checkPartition(parts: Int32Array[], n: number): void {
  const seen = new Uint8Array(n);
  for (const p of parts) {
    for (const i of p) {
      if (seen[i]) throw new Error(`position ${i} appears twice`);
      seen[i] = 1;
    }
  }
  const missing = seen.indexOf(0);
  if (missing >= 0) throw new Error(`position ${missing} is in no part`);
}

Deno.test("the Experiment-1 split cuts 60,000 samples into 48,000 train and 12,000 validation", () => {
  const { train, val } = trainValSplit(60000);
  assertEquals(train.length, 48000);
  assertEquals(val.length, 12000);
  checkPartition([train, val], 60000);
});

Deno.test("the Experiment-1 split is reproducible for seed 71 and differs for another seed", () => {
  const a = trainValSplit(60000);
  const b = trainValSplit(60000, { seed: 71 });
  assertEquals(a.val, b.val);
  const c = trainValSplit(60000, { seed: 72 });
  assertNotEquals(a.val, c.val);
});

Deno.test("the validation share is rounded up", () => {
  const { train, val } = trainValSplit(11, { valFraction: 0.25 });
  assertEquals([train.length, val.length], [8, 3]);
  assertThrows(() => trainValSplit(10, { valFraction: 1 }), RangeError, "valFraction");
});

// 70,000 labels with the MNIST class totals (train + test), in shuffled order.
const TOTALS = [6903, 7877, 6990, 7141, 6824, 6313, 6876, 7293, 6825, 6958];
const labels = new Prng(3).shuffle(
  Uint8Array.from(TOTALS.flatMap((count, c) => Array.from({ length: count }, () => c))),
);
const folds = stratifiedKFold(labels, 7, 71);

Deno.test("7 stratified folds of 70,000 samples have 10,000 test and 60,000 train samples each", () => {
  assertEquals(folds.length, 7);
  for (const f of folds) {
    assertEquals(f.test.length, 10000);
    assertEquals(f.train.length, 60000);
  }
});

Deno.test("fold test sets are disjoint and cover every sample; train is the complement", () => {
  checkPartition(folds.map((f) => f.test), labels.length);
  for (const f of folds) checkPartition([f.train, f.test], labels.length);
});

Deno.test("each fold holds every class within one sample of exact stratification", () => {
  const n = labels.length;
  for (const f of folds) {
    const counts = classCounts(Array.from(f.test, (i) => labels[i]));
    for (let c = 0; c < 10; c++) {
      const exact = (TOTALS[c] * f.test.length) / n;
      assert(Math.abs(counts[c] - exact) < 1, `class ${c}: ${counts[c]} vs exact ${exact}`);
    }
  }
});

Deno.test("fold positions are sorted ascending", () => {
  for (const f of folds) {
    for (const part of [f.train, f.test]) {
      for (let i = 1; i < part.length; i++) assert(part[i - 1] < part[i]);
    }
  }
});

Deno.test("folds are reproducible for a seed and differ for another seed", () => {
  assertEquals(stratifiedKFold(labels, 7, 71)[3].test, folds[3].test);
  assertNotEquals(stratifiedKFold(labels, 7, 1)[3].test, folds[3].test);
});

Deno.test("uneven sizes stay within one sample per class and fold", () => {
  const small = Uint8Array.from({ length: 103 }, (_, i) => (i * 7) % 3);
  const f5 = stratifiedKFold(small, 5, 0, 3);
  checkPartition(f5.map((f) => f.test), small.length);
  const totals = classCounts(small, 3);
  for (const f of f5) {
    assert(f.test.length === 20 || f.test.length === 21);
    const counts = classCounts(Array.from(f.test, (i) => small[i]), 3);
    for (let c = 0; c < 3; c++) assert(Math.abs(counts[c] - totals[c] / 5) < 1);
  }
});

Deno.test("an invalid fold count is rejected", () => {
  assertThrows(() => stratifiedKFold(labels, 1), RangeError, "k must be an integer");
  assertThrows(() => stratifiedKFold(new Uint8Array(3), 4), RangeError, "k must be an integer");
});
