import { assert, assertEquals } from "@std/assert";
import { Prng } from "../lib/data/mod.ts";
import {
  cachedTask,
  EXP2_SAMPLES,
  fig214MnistSamples,
  fig214Samples,
  FIG_2_14_FASHION,
  locateTestSample,
  pickSamples,
} from "../lib/experiments/mod.ts";
import { ensureDataMirror } from "./train_fixtures.ts";

Deno.test("the Fig 2.14 MNIST samples are twelve test indices drawn by Prng(1234)", () => {
  const a = fig214MnistSamples();
  assertEquals(a.length, 12);
  assertEquals(a, fig214MnistSamples());
  const prng = new Prng(1234);
  assertEquals(a, Array.from({ length: 12 }, () => prng.int(10000)));
  assertEquals(fig214Samples("fashion-mnist"), [...FIG_2_14_FASHION]);
});

Deno.test("pickSamples draws a reproducible ascending subset; a smaller count is part of a larger", () => {
  const pool = Int32Array.from({ length: 1000 }, (_, i) => 5000 + 3 * i);
  const a = pickSamples(pool, 50, "mnist-maj/fold-0of2");
  assertEquals(a, pickSamples(pool, 50, "mnist-maj/fold-0of2"));
  assertEquals(a.length, 50);
  assertEquals(new Set(a).size, 50);
  for (let i = 1; i < a.length; i++) assert(a[i] > a[i - 1]);
  const members = new Set(pool);
  assert(a.every((v) => members.has(v)));
  const larger = new Set(pickSamples(pool, 200, "mnist-maj/fold-0of2"));
  assert(a.every((v) => larger.has(v)));
  const other = pickSamples(pool, 50, "mnist-maj/fold-1of2");
  assert(other.some((v, i) => v !== a[i]), "another label draws other samples");
});

Deno.test("pickSamples returns the whole pool for null or a count at least the pool size", () => {
  const pool = [4, 8, 15];
  assertEquals([...pickSamples(pool, null, "x")], pool);
  assertEquals([...pickSamples(pool, 3, "x")], pool);
  assertEquals([...pickSamples(pool, 10, "x")], pool);
});

Deno.test({
  name: "a MAJ test position is found in the stacked set, in the fold that holds it out",
  ignore: !ensureDataMirror(),
  fn: async () => {
    const task = await cachedTask("mnist-maj", 2);
    if (task.kind !== "cv") throw new Error("expected a cross-validation task");
    for (const position of EXP2_SAMPLES["mnist-maj"]) {
      const s = locateTestSample(task, position);
      assertEquals(s.index, task.parts.train.n + position);
      assertEquals(s.source.label(s.index), task.parts.test.label(position));
      assert(s.fold !== null && task.folds()[s.fold].test.includes(s.index));
      assert(!task.folds()[s.fold].train.includes(s.index));
    }
    const plain = await cachedTask("mnist");
    assertEquals(locateTestSample(plain, 8915).fold, null);
  },
});
