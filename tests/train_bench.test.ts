import { assert, assertEquals, assertGreater, assertStringIncludes } from "@std/assert";
import { initBackend, tf } from "../lib/backend/mod.ts";
import { benchTable, benchTrain, measureRate } from "../lib/train/mod.ts";

await initBackend({ quiet: true });

Deno.test("measureRate reports the median and spread of timed runs after warm-up", async () => {
  let calls = 0;
  const delays = [0, 0, 30, 10, 20];
  const stats = await measureRate(
    async () => {
      await new Promise((r) => setTimeout(r, delays[calls++]));
    },
    10,
    { warmup: 2, repeats: 3 },
  );
  assertEquals(calls, 5);
  assertEquals(stats.rates.length, 3);
  assert(stats.min <= stats.median && stats.median <= stats.max);
  assertGreater(stats.max, stats.min, "runs of 10, 20 and 30 ms differ");
  assertEquals(stats.min, Math.min(...stats.rates));
});

Deno.test("the training benchmark measures Adam steps of a cell and leaves no tensors", async () => {
  const before = tf.memory().numTensors;
  const row = await benchTrain("deep", { T: 4, warmup: 1, repeats: 2 });
  assertEquals(tf.memory().numTensors, before);
  assertEquals(
    Object.keys(row),
    ["case", "cell", "T", "batch", "backend", "median_per_s", "min_per_s", "max_per_s"],
  );
  assertEquals([row.case, row.cell, row.T, row.batch, row.backend], [
    "train",
    "deep",
    4,
    50,
    tf.getBackend(),
  ]);
  assertGreater(row.median_per_s, 0);
  assertStringIncludes(benchTable([row]), "| train | deep | 4 | 50 |");
});

Deno.test("deno task bench --json prints one row per selected cell", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      "lib/cli/bench.ts",
      "--cells",
      "deep,rlstm",
      "--warmup",
      "0",
      "--repeats",
      "1",
      "--json",
    ],
    cwd: new URL("..", import.meta.url),
    env: { NO_COLOR: "1" },
  }).output();
  assert(out.success, new TextDecoder().decode(out.stderr));
  const rows = JSON.parse(new TextDecoder().decode(out.stdout));
  assertEquals(rows.map((r: { cell: string; T: number }) => [r.cell, r.T]), [
    ["deep", 12],
    ["rlstm", 12],
  ]);
  const bad = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "lib/cli/bench.ts", "--cells", "deep,peephole-lstm"],
    cwd: new URL("..", import.meta.url),
    env: { NO_COLOR: "1" },
  }).output();
  assertEquals(bad.success, false);
  assertStringIncludes(new TextDecoder().decode(bad.stderr), "valid cells: shallow, deep");
});
