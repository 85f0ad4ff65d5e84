/**
 * The benchmark cases added to `deno task bench`: explanation throughput, the
 * PyTorch comparison, the machine description, the memory of a MAJ run and
 * the cost of the explanation-quality measures.
 */
import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertGreater,
  assertLess,
  assertMatch,
  assertRejects,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import { blasRegistration, initBackend, tf } from "../lib/backend/mod.ts";
import { benchExplain } from "../lib/relevance/mod.ts";
import {
  attachTorch,
  benchMemory,
  type BenchRow,
  benchTable,
  benchTrainThreads,
  fastestRow,
  findTorchPython,
  machineInfo,
  machineLines,
  memoryTable,
  pairedTorchRow,
  parseCpuinfo,
  parseTorchRecords,
  type TorchRecord,
  TorchReferenceError,
} from "../lib/train/mod.ts";
import { benchQuality } from "../lib/eval/mod.ts";
import { mirrorDir } from "./data_fixtures.ts";

await initBackend({ quiet: true });

function trainRow(cell: string, median: number): BenchRow {
  return {
    case: "train",
    cell,
    T: 12,
    batch: 50,
    backend: "wasm",
    median_per_s: median,
    min_per_s: median / 2,
    max_per_s: median * 2,
  };
}

function torch(cell: string, threads: number, median: number): TorchRecord {
  return {
    cell,
    T: 12,
    batch: 50,
    threads,
    median_per_s: median,
    min_per_s: median,
    max_per_s: median,
    torch_version: "1.13",
  };
}

Deno.test("the explanation benchmark measures heatmaps of a method and leaves no tensors", async () => {
  const before = tf.memory().numTensors;
  const row = await benchExplain("deep", { T: 4, batch: 8, method: "dtd", warmup: 0, repeats: 2 });
  assertEquals(tf.memory().numTensors, before);
  assertEquals(Object.keys(row), [
    "case",
    "cell",
    "T",
    "batch",
    "method",
    "backend",
    "median_per_s",
    "min_per_s",
    "max_per_s",
  ]);
  assertEquals([row.case, row.cell, row.T, row.batch, row.method], [
    "explain",
    "deep",
    4,
    8,
    "dtd",
  ]);
  assertGreater(row.median_per_s, 0);
  assertStringIncludes(benchTable([row]), "| explain | deep | 4 | 8 | dtd |");
});

Deno.test("an unknown explanation method fails with the list of valid ones", async () => {
  const e = await assertRejects(() => benchExplain("deep", { T: 4, method: "shap" }));
  assertStringIncludes((e as Error).message, "dtd");
});

Deno.test("PyTorch's best thread count and the ratio are attached to training rows only", () => {
  const rows = attachTorch(
    [trainRow("deep", 300), trainRow("convdeep", 50), { ...trainRow("deep", 900), case: "eval" }],
    [torch("deep", 1, 200), torch("deep", 2, 150), torch("rlstm", 1, 100)],
  );
  assertEquals(rows[0].pytorch_median_per_s, 200);
  assertEquals(rows[0].pytorch_threads, 1);
  assertEquals(rows[0].ratio, 1.5);
  assertEquals(rows[0].ratio_per_core, 1.5, "one PyTorch thread is also its best per thread");
  assertEquals(rows[1].pytorch_median_per_s, undefined, "no PyTorch record for convdeep");
  assertEquals(rows[2].ratio, undefined, "eval rows are not compared");
  const table = benchTable(rows);
  assertStringIncludes(table, "| threads | PyTorch /s | PyTorch threads | ratio | per core |");
  assertStringIncludes(table, "| – | 200 | 1 | 1.50 | 1.50 |");
  assertStringIncludes(
    benchTable(attachTorch([{ ...trainRow("deep", 300), threads: 1 }], [torch("deep", 1, 200)])),
    "| 1 | 200 | 1 | 1.50 | 1.50 |",
  );
});

Deno.test("the ratio per core divides both sides' rates by their threads", () => {
  const torchRecords = [torch("conv+deep", 1, 300), torch("conv+deep", 2, 540)];
  const [one] = attachTorch([trainRow("conv+deep", 450)], torchRecords);
  assertEquals(one.pytorch_threads, 2, "two threads are PyTorch's best rate");
  assertEquals(one.ratio, 450 / 540);
  assertEquals(one.ratio_per_core, 1.5, "450 per thread against PyTorch's best 300 per thread");
  const [two] = attachTorch([trainRow("conv+deep", 450)], torchRecords, 2);
  assertEquals(two.ratio, 450 / 540, "the ratio compares rates whatever the threads");
  assertEquals(two.ratio_per_core, 0.75, "225 per thread on this side");
  const [own] = attachTorch([{ ...trainRow("conv+deep", 450), threads: 2 }], torchRecords, 1);
  assertEquals(own.ratio_per_core, 0.75, "the row's own thread count goes before the library's");
  const [best] = attachTorch(
    [{ ...trainRow("conv+deep", 450), threads: 2, per_thread_per_s: 330 }],
    torchRecords,
  );
  assertEquals(best.ratio, 450 / 540, "the better of this side's counts against PyTorch's");
  assertEquals(best.ratio_per_core, 1.1, "its best rate per thread (one thread's 330)");
});

Deno.test("paired rounds measure this side and PyTorch back to back and report medians", async () => {
  const calls: string[] = [];
  const ours = [450, 300, 460];
  const torchRates: [number, number][] = [[300, 540], [280, 600], [310, 500]];
  let round = 0;
  const row = await pairedTorchRow(
    3,
    () => {
      calls.push("ours");
      return Promise.resolve(trainRow("conv+deep", ours[round]));
    },
    () => {
      calls.push("torch");
      const [one, two] = torchRates[round++];
      return Promise.resolve([torch("conv+deep", 1, one), torch("conv+deep", 2, two)]);
    },
  );
  assertEquals(calls, ["ours", "torch", "ours", "torch", "ours", "torch"]);
  assertEquals(row.rounds, 3);
  assertEquals(row.median_per_s, 450);
  assertEquals([row.min_per_s, row.max_per_s], [150, 920], "the slowest and fastest of any round");
  assertEquals(row.pytorch_median_per_s, 540);
  assertEquals(row.pytorch_threads, 2);
  // ratios 450/540, 300/600, 460/500: the median is the first, not 450/540 of the medians by luck
  assertEquals(row.ratio, 450 / 540);
  // per core 450/300, 300/300, 460/310
  assertEquals(row.ratio_per_core, 460 / 310);
});

Deno.test("paired rounds report this side's thread count that was best most often", async () => {
  const threads = [2, 1, 2];
  let round = 0;
  const row = await pairedTorchRow(
    3,
    () => Promise.resolve({ ...trainRow("convdeep", 400), threads: threads[round] }),
    () => Promise.resolve([torch("convdeep", 1, [200, 400, 200][round++])]),
  );
  assertEquals(row.threads, 2);
  // per core 400/2/200, 400/1/400, 400/2/200
  assertEquals(row.ratio_per_core, 1);
});

Deno.test({
  name: "a conv cell trains on 1 and 2 oneDNN threads, a dense cell once; the count is restored",
  ignore: blasRegistration()?.dnnl == null,
  async fn() {
    const dnnl = blasRegistration()!.dnnl!;
    const before = dnnl.threads;
    const numTensors = tf.memory().numTensors;
    const opts = { T: 12, batch: 2, warmup: 0, repeats: 1 };
    const conv = await benchTrainThreads("convdeep", opts);
    assertEquals(conv.map((r) => [r.cell, r.threads]), [["convdeep", 1], ["convdeep", 2]]);
    assertEquals(fastestRow(conv).median_per_s, Math.max(...conv.map((r) => r.median_per_s)));
    const dense = await benchTrainThreads("deep", opts);
    assertEquals(dense.map((r) => r.threads), [blasRegistration()!.library?.threads ?? 1]);
    assertEquals(dnnl.threads, before);
    assertEquals(tf.memory().numTensors, numTensors);
    assertThrows(() => dnnl.setThreads(0), RangeError, "positive integer");
    assertEquals(dnnl.threads, before);
  },
});

Deno.test("paired rounds without a PyTorch record keep this side's rates only", async () => {
  const row = await pairedTorchRow(
    2,
    () => Promise.resolve(trainRow("shallow", 100)),
    () => Promise.resolve([torch("deep", 1, 50)]),
  );
  assertEquals([row.median_per_s, row.rounds], [100, 2]);
  assertEquals(row.ratio, undefined);
  assertEquals(row.pytorch_median_per_s, undefined);
  await assertRejects(
    () => pairedTorchRow(0, () => Promise.resolve(trainRow("deep", 1)), () => Promise.resolve([])),
    RangeError,
    "rounds",
  );
});

Deno.test("records of the PyTorch reference are checked field by field", () => {
  assertEquals(parseTorchRecords([torch("deep", 1, 5)]).length, 1);
  const e = assertThrows(() => parseTorchRecords([{ cell: "deep", T: 12 }]), TorchReferenceError);
  assertStringIncludes(e.message, "median_per_s");
  assertThrows(() => parseTorchRecords({ rows: [] }), TorchReferenceError, "JSON array");
});

Deno.test("without an interpreter that imports torch the comparison fails naming what it tried", async () => {
  const e = await assertRejects(
    () => findTorchPython(["/nonexistent/python3", "/nonexistent/python"]),
    TorchReferenceError,
  );
  assertStringIncludes(e.message, "/nonexistent/python3, /nonexistent/python");
});

Deno.test("the machine is described from /proc/cpuinfo and the active backend", () => {
  const parsed = parseCpuinfo(
    "processor\t: 0\nmodel name\t: Example CPU 9000\nprocessor\t: 1\nmodel name\t: Example CPU 9000\n",
  );
  assertEquals(parsed, { cpu: "Example CPU 9000", cores: 2 });
  const m = machineInfo();
  assertGreater(m.cores, 0);
  assertEquals(m.deno, Deno.version.deno);
  assertMatch(m.tfjs, /^\d+\.\d+\.\d+/);
  const lines = machineLines(m).join("\n");
  assertStringIncludes(lines, m.cpu);
  assertStringIncludes(lines, `native BLAS: ${m.blas}`);
});

Deno.test("the memory case measures a MAJ run's phases and their peak", async () => {
  const row = await benchMemory("deep", {
    steps: 2,
    folds: 1,
    taskOptions: {
      mirrorDir: mirrorDir(),
      dataDir: await Deno.makeTempDir({ prefix: "rnnx-memory-" }),
    },
  });
  assertEquals([row.case, row.cell, row.T, row.dataset, row.folds], [
    "memory",
    "deep",
    12,
    "mnist-maj",
    1,
  ]);
  assertEquals(Object.keys(row.rss_mb), ["start", "data", "fold0_train", "fold0_eval"]);
  const phases = Object.values(row.rss_mb);
  assert(phases.every((v) => v > 0 && v <= row.peak_rss_mb), `${phases} ≤ ${row.peak_rss_mb}`);
  assertGreater(row.rss_mb.data, row.rss_mb.start, "the task's images take memory");
  assertLess(row.peak_rss_mb, 2048);
  assertStringIncludes(memoryTable([row]), "| memory | deep | mnist-maj | 1 × 2 |");
  await assertRejects(() => benchMemory("deep", { dataset: "mnist", steps: 1 }), RangeError);
});

Deno.test("the quality case measures explaining and every measure group on the same samples", async () => {
  const rows = await benchQuality("shallow", { batch: 4, warmup: 0, repeats: 1 });
  assertEquals(rows.map((r) => r.measure), [
    "explain",
    "forward",
    "perturbation",
    "localisation",
    "randomisation",
  ]);
  assertEquals(rows[0].relative_cost, 1);
  for (const r of rows) {
    assertEquals([r.case, r.cell, r.batch, r.method], ["quality", "shallow", 4, "dtd"]);
    assertGreater(r.median_per_s, 0);
    assertGreater(r.passes_cost!, 0);
  }
  // localisation makes no pass beyond its explanation: its time over the passes' is its time
  // over the explanation's
  const localisation = rows.find((r) => r.measure === "localisation")!;
  assertAlmostEquals(localisation.passes_cost!, localisation.relative_cost!, 1e-9);
  // shallow: 2 unit kinds (T = 12 steps, 7×7 patches) × 11 interior step counts × 3 orders + 2 ends;
  // 3 layers, so 2 × 3 stages of which cascading and independent stage 0 share one model
  assertEquals(rows.map((r) => r.passes), [
    "1 explain",
    "1 forward",
    "1 explain + 68 forward",
    "1 explain",
    "6 explain",
  ]);
  // explaining is part of every group, so none is cheaper than explaining alone by much
  assertGreater(rows[4].relative_cost!, 1);
  const table = benchTable(rows);
  assertStringIncludes(table, "× explain");
  assertStringIncludes(table, "| 1 explain + 68 forward |");
  assertStringIncludes(table, "dtd · randomisation");
});
