import { assert, assertEquals, assertGreater, assertStringIncludes } from "@std/assert";
import { initBackend, tf } from "../lib/backend/mod.ts";
import { join } from "node:path";
import {
  benchTable,
  benchTrain,
  CELL_WARMUP,
  cellMeasure,
  MEASURE_DEFAULTS,
  measureRate,
  runTorchReference,
} from "../lib/train/mod.ts";
import { runScript } from "./script_fixtures.ts";

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

/** `deno task bench` with `args`. */
const benchCli = (args: string[]) => runScript("lib/cli/bench.ts", args);

Deno.test("deno task bench --json prints one row per selected cell", async () => {
  const out = await benchCli([
    "--cells",
    "deep,rlstm",
    "--warmup",
    "0",
    "--repeats",
    "1",
    "--json",
  ]);
  assert(out.ok, out.stderr);
  const rows = JSON.parse(out.stdout);
  assertEquals(rows.map((r: { cell: string; T: number }) => [r.cell, r.T]), [
    ["deep", 12],
    ["rlstm", 12],
  ]);
  const bad = await benchCli(["--cells", "deep,peephole-lstm"]);
  assertEquals(bad.ok, false);
  assertStringIncludes(bad.stderr, "valid cells: shallow, deep");
  const lone = await benchCli(["--cells", "deep", "--rounds", "3"]);
  assertEquals(lone.ok, false);
  assertStringIncludes(lone.stderr, "--rounds pairs rows");
});

Deno.test("cell benchmarks warm up to the steady state unless told otherwise", () => {
  assertEquals(cellMeasure({}), { warmup: CELL_WARMUP, repeats: MEASURE_DEFAULTS.repeats });
  assertEquals(cellMeasure({ warmup: 0, repeats: 3 }), { warmup: 0, repeats: 3 });
  assertGreater(CELL_WARMUP, MEASURE_DEFAULTS.warmup);
});

Deno.test("the PyTorch reference gets the same warm-up and timed steps and OpenBLAS kernels as this side, OpenMP at one thread", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // a stand-in for bench/torch_reference.py that reports the steps it was asked for
    const script = join(dir, "reference.py");
    await Deno.writeTextFile(
      script,
      [
        "import argparse, json, os",
        "ap = argparse.ArgumentParser()",
        "for a in ['--cells', '--threads']: ap.add_argument(a)",
        "for a in ['--batch', '--T']: ap.add_argument(a, type=int)",
        "ap.add_argument('--warmup', type=int, default=3)",
        "ap.add_argument('--repeats', type=int, default=10)",
        "ap.add_argument('--json', action='store_true')",
        "a = ap.parse_args()",
        "rate = 1000 * a.warmup + a.repeats + 100000 * int(os.environ.get('OMP_NUM_THREADS', '0'))",
        "print(json.dumps([{'cell': a.cells, 'T': a.T, 'batch': a.batch, 'threads': 1,",
        "  'median_per_s': rate, 'min_per_s': rate, 'max_per_s': rate,",
        "  'torch_version': os.environ.get('OPENBLAS_CORETYPE', 'unset')}]))",
      ].join("\n"),
    );
    const run = (steps: { warmup?: number; repeats?: number }) =>
      runTorchReference({ cells: ["deep"], batch: 50, T: 12, python: "python3", script, ...steps });
    assertEquals((await run({ warmup: 20, repeats: 7 }))[0].median_per_s, 120_007);
    assertEquals((await run({}))[0].median_per_s, 103_010, "the script's own defaults");
    const before = Deno.env.get("RNNX_BLAS_CORETYPE");
    try {
      Deno.env.set("RNNX_BLAS_CORETYPE", "Zen");
      assertEquals((await run({}))[0].torch_version, "Zen", "OpenBLAS's kernels as on this side");
    } finally {
      before === undefined
        ? Deno.env.delete("RNNX_BLAS_CORETYPE")
        : Deno.env.set("RNNX_BLAS_CORETYPE", before);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
