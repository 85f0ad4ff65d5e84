/**
 * The engine's speed targets: each verdict follows from its measurement and
 * threshold, a missing measurement is never a target met, and `deno task bench
 * --cases targets` measures every target in one run.
 */
import {
  assert,
  assertEquals,
  assertRejects,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import { initBackend } from "../lib/backend/mod.ts";
import { benchReport, runBench } from "../lib/cli/bench.ts";
import {
  assessTargets,
  ENGINE_TARGETS,
  pairedExplainRow,
  type TargetMeasurements,
  targetsTable,
} from "../lib/sweep/mod.ts";
import type { BenchRow } from "../lib/train/mod.ts";
import { ensureDataMirror } from "./train_fixtures.ts";

await initBackend({ quiet: true });

function row(kind: string, cell: string, perSecond: number, extra: Partial<BenchRow> = {}) {
  return {
    case: kind,
    cell,
    T: 12,
    batch: 50,
    backend: "wasm",
    median_per_s: perSecond,
    min_per_s: perSecond,
    max_per_s: perSecond,
    ...extra,
  };
}

function workers(one: number, two: number) {
  const base = {
    cell: "deep",
    dataset: "mnist-maj",
    profile: "quick",
    runs: 4,
    weights: [],
    training: [],
  };
  return [
    { ...base, jobs: 1, seconds: one, speedup: 1 },
    { ...base, jobs: 2, seconds: two, speedup: one / two },
  ];
}

const measured: TargetMeasurements = {
  train: [
    row("train", "deep", 5000, { pytorch_median_per_s: 3000, ratio: 5 / 3, ratio_per_core: 1.7 }),
    row("train", "conv+deep", 430, {
      pytorch_median_per_s: 460,
      pytorch_threads: 2,
      ratio: 430 / 460,
      threads: 2,
    }),
  ],
  explain: [
    row("explain", "deep", 10000, { method: "dtd", batch: 500 }),
    row("explain", "deep", 9999, { method: "lrp-a1.5b0.5", batch: 500 }),
    row("explain", "rlstm", 8000, { method: "dtd", batch: 500 }),
  ],
  workers: workers(72, 40),
  protocol: { coreHours: 150, runs: 182 },
};

Deno.test("each target's verdict compares its measurement with its threshold", () => {
  const rows = assessTargets(measured);
  const by = (target: string, subject: string) =>
    rows.find((r) => r.target === target && r.subject === subject)!;
  assertEquals(by("training", "deep").met, true);
  assertEquals(by("training", "deep").measured, 5 / 3);
  assertEquals(by("training", "conv+deep").met, false);
  assertStringIncludes(by("training", "conv+deep").detail, "430 against 460 sequences/s");
  assertStringIncludes(by("training", "conv+deep").detail, "(threads: 2 against 2)");
  // explaining is relative to the same cell's training rate: 10,000 / 5,000 = 2 exactly
  assertEquals(by("explaining", "deep dtd").measured, 2);
  assertEquals(by("explaining", "deep dtd").met, true);
  assertEquals(by("explaining", "deep lrp-a1.5b0.5").met, false);
  assertEquals(by("both cores", "deep, 4 folds").measured, 72 / 40);
  assertEquals(by("both cores", "deep, 4 folds").met, true, "1.8 is the threshold, met");
  assertEquals(by("protocol cost", "full protocol").met, true, "at most 150");
  assertEquals(
    assessTargets({ ...measured, protocol: { coreHours: 150.01, runs: 182 } }).at(-1)!.met,
    false,
  );
  assertEquals(
    assessTargets({ ...measured, workers: workers(72, 40.1) }).at(-2)!.met,
    false,
  );
  assertEquals(ENGINE_TARGETS.trainRatio, 1.5);
});

Deno.test("both cores: the passes of a worker count measured twice are averaged", () => {
  const [one, two] = workers(90, 46);
  const again = { ...one, seconds: 60 };
  const [verdict] = assessTargets({ ...measured, workers: [one, two, again] })
    .filter((r) => r.target === "both cores");
  // a slow first pass alone would read 90 / 46 = 1.96, met
  assertEquals(verdict.measured, 75 / 46);
  assertEquals(verdict.met, false);
  assertStringIncludes(verdict.detail, "90.0 and 60.0 s with 1 worker, 46.0 s with 2 workers");
  assertStringIncludes(verdict.detail, "the mean of each count's passes");
  const single = assessTargets(measured).find((r) => r.target === "both cores")!;
  assertStringIncludes(single.detail, "72.0 s with 1 worker, 40.0 s with 2 workers; weights");
});

Deno.test("an explaining ratio paired round by round is taken as measured", () => {
  const explain = pairedExplainRow([
    { explain: row("explain", "deep", 8000), train: row("train", "deep", 4000) },
    { explain: row("explain", "deep", 6000), train: row("train", "deep", 2000) },
    { explain: row("explain", "deep", 7000), train: row("train", "deep", 5000) },
  ]);
  assertEquals([explain.training_ratio, explain.median_per_s], [2, 7000]);
  assertEquals([explain.min_per_s, explain.max_per_s, explain.rounds], [6000, 8000, 3]);
  // against a training median of 4,000 the medians' ratio would be 1.75, a miss
  const [, verdict] = assessTargets({
    ...measured,
    train: [row("train", "deep", 4000, { ratio: 1.2 })],
    explain: [{ ...explain, method: "dtd" }],
  });
  assertEquals([verdict.measured, verdict.met], [2, true]);
  assertStringIncludes(verdict.detail, "median over 3 rounds");
  assertThrows(() => pairedExplainRow([]), RangeError);
});

Deno.test("a target without its measurement is not measured, never met", () => {
  const rows = assessTargets({
    train: [row("train", "rlstm", 4000)],
    explain: [row("explain", "rlstm", 8000, { method: "dtd" }), row("explain", "gru", 1, {})],
    workers: workers(72, 40).slice(0, 1),
    protocol: null,
  });
  assertEquals(rows.map((r) => r.met), [null, true, null, null, null]);
  assertEquals(rows[0].detail, "no PyTorch reference of this cell");
  assertEquals(rows[2].detail, "no training rate of this cell in the run");
  const table = targetsTable(rows);
  assertStringIncludes(table, "targets: 1 of 5 met (4 not measured)");
  assertStringIncludes(table, "| training | rlstm | – | ≥ 1.5 × PyTorch | not measured |");
  assertStringIncludes(table, "| explaining | rlstm dtd | 2.00 | ≥ 2 × training | met |");
});

Deno.test({
  name: "bench --cases targets measures every target in one run and reports each verdict",
  ignore: !ensureDataMirror(),
  fn: async () => {
    const lines: string[] = [];
    const result = await runBench([
      "--cases",
      "targets",
      "--cells",
      "deep,lstm",
      "--methods",
      "lrp-epsilon",
      "--warmup",
      "1",
      "--repeats",
      "1",
      "--rounds",
      "1",
      "--profile",
      "smoke",
      "--folds",
      "2",
    ], (line) => lines.push(line));
    assertEquals(
      result.targets.map((t) => [t.target, t.subject]),
      [
        ["training", "deep"],
        ["training", "lstm"],
        ["explaining", "deep lrp-epsilon"],
        ["explaining", "lstm lrp-epsilon"],
        ["both cores", "deep, 2 folds"],
        ["protocol cost", "full protocol"],
      ],
    );
    const lstm = result.targets[1];
    assertEquals([lstm.measured, lstm.met], [null, null], "no PyTorch reference of the LSTM");
    for (const t of result.targets.filter((t) => t !== lstm)) {
      assert(t.measured !== null && t.measured > 0, `${t.target} measured: ${t.detail}`);
      assertEquals(typeof t.met, "boolean");
    }
    const train = result.rows.find((r) => r.case === "train")!;
    assertEquals(result.targets[0].measured, train.ratio, "paired with PyTorch");
    const explained = result.rows.find((r) => r.case === "explain")!;
    assertEquals(result.targets[2].measured, explained.training_ratio, "paired with training");
    assertEquals(explained.rounds, 1);
    assertEquals(result.workers.map((w) => w.jobs), [1, 2, 1], "one worker before and after two");
    // the protocol's cost comes from a fresh calibration of every cell of the full profile
    for (const cell of ["lenet5", "deep", "rlstm", "convdeep", "conv+deep", "conv+rlstm-sd"]) {
      assert(
        lines.some((l) => l.startsWith(`protocol: calibrating ${cell} T`)),
        `${cell} calibrated`,
      );
    }
    const runs = Number(
      /for (\d+) runs/.exec(lines.find((l) => l.includes("core-hours for"))!)![1],
    );
    assert(runs >= 154, `the thesis's 154 runs at least, found ${runs}`);
    const report = benchReport(result);
    assertStringIncludes(report, "| training | deep |");
    assert(report.indexOf("targets:") < report.indexOf("local workers:"), "verdicts first");
  },
});

Deno.test("a value shown next to its verdict is never rounded across its threshold", () => {
  const table = targetsTable(assessTargets({
    ...measured,
    workers: workers(57.5, 32),
    protocol: { coreHours: 150.04, runs: 182 },
  }));
  // 57.5 / 32 = 1.797: "1.80" would read as met
  assertStringIncludes(
    table,
    "| both cores | deep, 4 folds | 1.797 | ≥ 1.8 × one worker | missed |",
  );
  assertStringIncludes(
    table,
    "| protocol cost | full protocol | 150.04 | ≤ 150 core-hours | missed |",
  );
  assertStringIncludes(
    targetsTable(assessTargets({ ...measured, workers: workers(72, 40) })),
    "| both cores | deep, 4 folds | 1.80 | ≥ 1.8 × one worker | met |",
  );
});

Deno.test("bench refuses fewer than 2 folds for the targets case", async () => {
  await assertRejects(
    () => runBench(["--cases", "targets", "--folds", "1"]),
    Error,
    "--folds must be at least 2 for workers and targets",
  );
});

Deno.test("bench refuses to store rates measured on the better of two thread counts", async () => {
  for (const args of [["--cases", "train", "--vs-pytorch"], ["--cases", "targets"]]) {
    await assertRejects(
      () => runBench([...args, "--save-rates"]),
      Error,
      "--save-rates stores the one-thread rates a sweep's workers run at",
    );
  }
});
