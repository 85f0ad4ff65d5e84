import {
  assert,
  assertEquals,
  assertNotEquals,
  assertRejects,
  assertStringIncludes,
} from "@std/assert";
import { initBackend } from "../lib/backend/mod.ts";
import { benchReport, runBench } from "../lib/cli/bench.ts";
import { measureWorkerScaling } from "../lib/sweep/mod.ts";
import { SMOKE } from "../lib/train/mod.ts";
import { ensureDataMirror } from "./train_fixtures.ts";

await initBackend({ quiet: true });

Deno.test({
  name: "bench --cases workers runs the same folds with 1 and 2 workers and gets identical weights",
  ignore: !ensureDataMirror(),
  fn: async () => {
    const result = await runBench([
      "--cases",
      "workers",
      "--profile",
      "smoke",
      "--cells",
      "deep",
      "--jobs",
      "1,2",
    ]);
    assertEquals(result.workers.map((r) => [r.jobs, r.runs]), [[1, 2], [2, 2]]);
    const [one, two] = result.workers;
    assertEquals(one.speedup, 1);
    assertEquals(two.speedup, one.seconds / two.seconds);
    assertEquals(two.weights, one.weights, "bit-identical whatever the worker count");
    assertNotEquals(one.weights[0], one.weights[1], "two folds, two models");
    assert(one.weights.every((h) => /^[0-9a-f]{64}$/.test(h)));
    for (const r of result.workers) {
      assertEquals(r.training.length, 2, "one training time per run");
      // a run's training epochs lie inside its worker's share of the wall-clock time
      assert(r.training.every((s) => s > 0), `${r.training}`);
      assert(r.training[0] + r.training[1] < r.jobs * r.seconds, `${r.training} in ${r.seconds} s`);
    }
    const report = benchReport(result);
    assertStringIncludes(report, "local workers: deep on mnist-maj, profile smoke, 2 folds");
    const training = (two.training[0] + two.training[1]) / 2;
    const rest = two.seconds - training; // two workers, one run each
    const cells = [two.seconds, two.speedup, training, rest].map((v, i) =>
      v.toFixed(i === 1 ? 2 : 1)
    );
    assertStringIncludes(report, `| 2 | 2 | ${cells.join(" | ")} |`);
  },
});

Deno.test({
  name: "a failing worker fails the scaling measurement, naming the run and its log",
  ignore: !ensureDataMirror(),
  fn: async () => {
    const e = await assertRejects(
      () =>
        measureWorkerScaling({
          profile: SMOKE,
          cell: "deep",
          dataset: "mnist-maj",
          jobs: [1],
          command: () => ["sh", "-c", "exit 3"],
        }),
      Error,
      "mnist-maj/deep-T12/smoke-seed0/fold-0of2 (exit 3, log ",
    );
    const log = /log (\S+\.log)\)/.exec(e.message)![1];
    assert(await Deno.stat(log).then(() => true, () => false), `the log ${log} is kept`);
    const root = /runs root (\S+) is kept/.exec(e.message)![1];
    await Deno.remove(root, { recursive: true });
  },
});

Deno.test("bench refuses fewer than 2 folds for the workers case", async () => {
  await assertRejects(
    () => runBench(["--cases", "workers", "--folds", "1"]),
    Error,
    "--folds must be at least 2 for workers and targets",
  );
});
