import {
  assert,
  assertEquals,
  assertGreater,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import { join } from "node:path";
import { initBackend } from "../lib/backend/mod.ts";
import {
  ExperimentInputError,
  protocolItems,
  runProtocolItem,
  setupExperiment,
} from "../lib/experiments/mod.ts";
import {
  buildPlan,
  coreHours,
  foldSizes,
  planJson,
  planText,
  rateKey,
  ratesPath,
  readBatch,
  readRates,
  runCost,
  sbatchScript,
  slurmTimeLimit,
  STARTUP_SECONDS,
  writeBatch,
} from "../lib/sweep/mod.ts";
import { backendInfo } from "../lib/backend/mod.ts";
import { getProfile, SMOKE, trainRun } from "../lib/train/mod.ts";
import { runBench } from "../lib/cli/bench.ts";
import { ensureDataMirror, tempRunsRoot, tinyStoppingProfile } from "./train_fixtures.ts";
import { runScript } from "./script_fixtures.ts";

Deno.test("the full protocol is 14 Experiment-1 runs and 12 MAJ cells × 2 datasets × 7 folds", () => {
  const items = protocolItems(getProfile("full"));
  assertEquals(items.length, 14 + 12 * 2 * 7);
  const exp1 = items.filter((i) => i.experiments.includes("exp1"));
  assertEquals(exp1.length, 14);
  assert(exp1.every((i) => i.fold === null && i.folds === null));
  // a model both Experiments 2 and 3 train is one run, listed for both
  const shared = items.filter((i) => i.experiments.join() === "exp2,exp3");
  assertEquals(shared.length, 4 * 2 * 7);
  assertEquals(
    new Set(shared.map((i) => i.cell)),
    new Set(["shallow", "deep", "deepv2", "convdeep"]),
  );
  assertEquals(
    new Set(items.map((i) => `${i.dataset}/${i.cell}/${i.T}/${i.fold}`)).size,
    items.length,
  );
});

Deno.test("the standard LSTM and GRU are Experiment-3 runs: folds 0-2 of 7 under converged", () => {
  const items = protocolItems(getProfile("converged"), { only: ["exp3"], cells: ["lstm", "gru"] });
  assertEquals(items.length, 2 * 2 * 3);
  assert(items.every((i) => i.experiments.join() === "exp3" && i.T === 12 && i.folds === 7));
  assertEquals(
    items.filter((i) => i.dataset === "mnist-maj" && i.cell === "lstm").map((i) => i.fold),
    [0, 1, 2],
  );
  assertEquals(protocolItems(getProfile("full"), { only: ["exp2"], cells: ["lstm"] }), []);
});

Deno.test("a selection keeps only the given experiments, cells and datasets", () => {
  const smoke = getProfile("smoke");
  const items = protocolItems(smoke, { only: ["exp2"], cells: ["deep"], datasets: ["mnist-maj"] });
  assertEquals(items.map((i) => [i.experiments, i.fold, i.folds]), [
    [["exp2"], 0, 2],
    [["exp2"], 1, 2],
  ]);
  const exp1 = protocolItems(smoke, { only: ["exp1"], cells: ["shallow"] });
  assertEquals(exp1.map((i) => `${i.dataset}/${i.T}`), [
    "mnist/1",
    "mnist/4",
    "mnist/7",
    "fashion-mnist/1",
    "fashion-mnist/4",
    "fashion-mnist/7",
  ]);
  assertThrows(
    () => protocolItems(smoke, { only: ["exp4"] }),
    ExperimentInputError,
    "exp1, exp2, exp3",
  );
});

Deno.test("fold sizes come from the registry: 48,000/10,000 for a split, n − n/K for a fold", () => {
  assertEquals(foldSizes("mnist", null), { train: 48000, test: 10000 });
  assertEquals(foldSizes("fashion-mnist-maj", 7), { train: 60000, test: 10000 });
  assertEquals(foldSizes("mnist-maj", 2), { train: 35000, test: 35000 });
});

Deno.test("a run's cost is its samples over the measured rates; epochs done are not counted again", () => {
  const full = getProfile("full");
  const item = protocolItems(full, { only: ["exp2"], cells: ["deep"], datasets: ["mnist-maj"] })[0];
  const rates = { train: 1000, eval: 5000, explain: 2000, measuredAt: "" };
  const fresh = runCost(full, item, rates, 0, false);
  assertEquals(fresh.train, 100 * 60000 / 1000);
  assertEquals(fresh.eval, 10000 / 5000);
  assertEquals(fresh.explain, 10000 * 4 / 2000);
  assertEquals(fresh.total, STARTUP_SECONDS + 6000 + 2 + 20);
  assertEquals(fresh.remaining, fresh.total);
  const half = runCost(full, item, rates, 50, false);
  assertEquals(half.remaining, STARTUP_SECONDS + 3000 + 2 + 20);
  const trained = runCost(full, item, rates, 100, false);
  assertEquals(trained.remaining, STARTUP_SECONDS + 20);
  assertEquals(runCost(full, item, rates, 100, true).remaining, 0);
  // the standard LSTM explains with its three methods (SA, GB, LRP-ε)
  const lstm = protocolItems(full, { only: ["exp3"], cells: ["lstm"], datasets: ["mnist-maj"] })[0];
  assertEquals(runCost(full, lstm, rates, 0, false).explain, 10000 * 3 / 2000);
});

Deno.test("with early stopping a run costs its epoch limit, the thesis's longer one where it has one", () => {
  const converged = getProfile("converged");
  const rates = { train: 1000, eval: 5000, explain: 2000, measuredAt: "" };
  const item = (cell: string, dataset: string) =>
    protocolItems(converged, { only: ["exp3"], cells: [cell], datasets: [dataset] })[0];
  // 55,000 samples trained per epoch (1/12 of the fold's 60,000 held out for the rule)
  const perEpoch = runCost(converged, item("rlstm-sd", "mnist-maj"), rates, 0, false).train / 100;
  assertEquals(
    runCost(converged, item("rlstm", "mnist-maj"), rates, 0, false).train,
    200 * perEpoch,
  );
  assertEquals(
    runCost(converged, item("rlstm", "fashion-mnist-maj"), rates, 0, false).train,
    100 * perEpoch,
  );
  // the full protocol has no early stopping: 100 epochs for every model
  const full = getProfile("full");
  const fullItem = protocolItems(full, {
    only: ["exp3"],
    cells: ["rlstm"],
    datasets: ["mnist-maj"],
  });
  assertEquals(runCost(full, fullItem[0], rates, 0, false).train, 100 * 60000 / 1000);
});

Deno.test("time limits carry the margin and the slack, in Slurm's D-HH:MM:SS", () => {
  assertEquals(slurmTimeLimit(0), "0-00:10:00");
  assertEquals(slurmTimeLimit(3600), "0-02:10:00");
  assertEquals(slurmTimeLimit(86400), "2-00:10:00");
  assertEquals(slurmTimeLimit(61), "0-00:13:00");
});

ensureDataMirror();
await initBackend({ quiet: true });

/** Stored rates for Deep at T = 12, so the plan needs no calibration. */
async function storeRates(root: string, cell = "deep"): Promise<void> {
  const key = rateKey(backendInfo().name, cell, 12);
  await Deno.mkdir(join(root, ".sweep"), { recursive: true });
  await Deno.writeTextFile(
    ratesPath(root),
    JSON.stringify({
      format: "rnnx-rates/1",
      rates: { [key]: { train: 500, eval: 1000, explain: 100, measuredAt: "", cpu: "" } },
    }),
  );
}

Deno.test("the plan reads states off disk: missing, trained but not evaluated, done", async () => {
  const root = await tempRunsRoot();
  try {
    await storeRates(root);
    const selection = { only: ["exp2"], cells: ["deep"], datasets: ["mnist-maj"] };
    const plan0 = await buildPlan({ profile: SMOKE, seed: 0, root, selection });
    assertEquals(plan0.entries.map((e) => e.state), ["missing", "missing"]);
    assertEquals(plan0.entries[0].cost.train, 500 / 500);
    assertEquals(plan0.entries[0].memoryFrom, "default");

    await trainRun({
      dataset: "mnist-maj",
      cell: "deep",
      profile: SMOKE,
      root,
      fold: 0,
      progress: "none",
    });
    const plan1 = await buildPlan({ profile: SMOKE, seed: 0, root, selection });
    assertEquals(plan1.entries.map((e) => [e.state, e.epoch, e.evaluated]), [
      ["partial", 1, false],
      ["missing", null, false],
    ]);
    assertEquals(plan1.entries[0].cost.remaining, STARTUP_SECONDS + 40 * 4 / 100);

    const ctx = await setupExperiment({ profile: SMOKE, runsRoot: root, log: null });
    const r = await runProtocolItem(ctx, plan1.entries[0], { progress: "none" });
    assert(r.run.skipped, "the stored run is reused, not retrained");
    assert(r.evaluated && r.evaluationFile !== null);
    const plan2 = await buildPlan({ profile: SMOKE, seed: 0, root, selection });
    assertEquals(plan2.entries.map((e) => e.state), ["done", "missing"]);
    assertEquals(plan2.entries[0].cost.remaining, 0);
    // 500 samples are too few batches to price the cell: the calibrated rate stays
    assertEquals(plan2.entries[0].trainRateFrom, "calibration");
    assertGreater(coreHours(plan2.entries, "total"), coreHours(plan2.entries, "remaining"));
    const json = JSON.parse(planJson(plan2));
    assertEquals(json.runs.length, 2);
    assertEquals(json.totals.at(-1).experiment, "all");
    assertEquals(json.totals.at(-1).done, 1);

    const dir = await writeBatch(plan2, SMOKE, plan2.entries.slice(1), "slurm");
    const batch = await readBatch(dir);
    assertEquals(batch.entries.map((e) => e.id), [plan2.entries[1].id]);
    const script = sbatchScript({
      batchDir: dir,
      batch,
      command: ["deno", "run", "worker.ts", "--worker", dir],
      cwd: "/repo with space",
      env: { RNNX_RUNS_DIR: root },
      partition: "cpu",
      maxParallel: 3,
    });
    assertStringIncludes(script, "#SBATCH --array=0-0%3\n");
    assertStringIncludes(script, "#SBATCH --partition=cpu\n");
    assertStringIncludes(script, `#SBATCH --mem=${batch.entries[0].memoryMb}M\n`);
    assertStringIncludes(script, `#SBATCH --output=${dir}/logs/task-%a.log\n`);
    assertStringIncludes(script, `limits=(${slurmTimeLimit(batch.entries[0].cost.remaining)})`);
    assertStringIncludes(script, "cd '/repo with space'\n");
    // one CPU per task: the native libraries on one thread each, whatever the shell set
    assertStringIncludes(script, "#SBATCH --cpus-per-task=1\n");
    assertStringIncludes(
      script,
      "export OPENBLAS_NUM_THREADS=1 RNNX_BLAS_THREADS=1 RNNX_DNNL_THREADS=1\n",
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a stored run that an earlier stopping rule stopped is planned again and says why", async () => {
  const root = await tempRunsRoot();
  try {
    await storeRates(root);
    const profile = tinyStoppingProfile({ epochs: 3, trainFolds: 1 });
    // Trained without a floor: a plateau stops it after epoch 2, far below the 98.5 % floor
    // the protocol gives Deep on MNIST-MAJ, under which the rule trains on.
    const [run] = await trainRun({
      dataset: "mnist-maj",
      cell: "deep",
      profile,
      fold: 0,
      root,
      progress: "none",
    });
    assertEquals(run.manifest.training.stopping?.epoch, 2);
    const selection = { only: ["exp2"], cells: ["deep"], datasets: ["mnist-maj"] };
    const plan = await buildPlan({ profile, seed: 0, root, selection });
    assertEquals(plan.entries.map((e) => [e.state, e.stale]), [
      ["missing", "stored run stopped by an earlier rule"],
    ]);
    assertStringIncludes(planText(plan, 1), "| missing (stored run stopped by an earlier rule) |");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("the plan gives each run its epoch limit: the thesis's 200 for R-LSTM on MNIST-MAJ", async () => {
  const root = await tempRunsRoot();
  try {
    await storeRates(root, "rlstm");
    const selection = { only: ["exp3"], cells: ["rlstm"] };
    const plan = await buildPlan({ profile: getProfile("converged"), seed: 0, root, selection });
    assertEquals(plan.entries.map((e) => [e.dataset, e.epochs]), [
      ...[0, 1, 2].map(() => ["mnist-maj", 200]),
      ...[0, 1, 2].map(() => ["fashion-mnist-maj", 100]),
    ]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("usage errors of deno task sweep exit 2 and say what was wrong", async () => {
  const cases: [string[], string][] = [
    [["--only", "exp9", "--dry-run"], 'unknown experiment "exp9"; valid: exp1, exp2, exp3'],
    [["--datasets", "cifar", "--dry-run"], 'unknown dataset "cifar"; valid datasets: mnist'],
    [["--jobs", "0"], "--jobs must be an integer of at least 1"],
    [["--print"], "--print goes with --slurm"],
    [["--index", "3"], "--index goes with --worker"],
    [["--frobnicate"], "frobnicate"],
    [
      ["--cells", "peephole-lstm", "--dry-run"],
      'unknown cell "peephole-lstm"; valid cells: shallow',
    ],
    [["--profile", "huge", "--dry-run"], '"huge"'],
  ];
  for (const [args, message] of cases) {
    const { code, stderr } = await runScript("lib/cli/sweep.ts", args);
    assertEquals(code, 2, `${args.join(" ")}: ${stderr}`);
    assertStringIncludes(stderr, message);
    if (args[0] !== "--cells" && args[0] !== "--datasets" && args[0] !== "--profile") {
      assertStringIncludes(stderr, "usage: deno task sweep");
    }
  }
});

Deno.test("deno task bench --save-rates stores the rates the plan prices runs with", async () => {
  const root = await tempRunsRoot();
  const before = Deno.env.get("RNNX_RUNS_DIR");
  Deno.env.set("RNNX_RUNS_DIR", root);
  try {
    const args = ["--cells", "deep", "--methods", "dtd", "--warmup", "0", "--repeats", "1"];
    const trainOnly = await runBench([...args, "--cases", "train", "--save-rates"]);
    assertEquals(trainOnly.rows.length, 1);
    assertEquals(await readRates(root), { format: "rnnx-rates/1", rates: {} });

    const { rows } = await runBench([...args, "--cases", "train,eval,explain", "--save-rates"]);
    const key = rateKey(backendInfo().name, "deep", 12);
    const stored = (await readRates(root)).rates[key];
    const median = (c: string) => rows.find((r) => r.case === c)!.median_per_s;
    assertEquals([stored.train, stored.eval, stored.explain], [
      median("train"),
      median("eval"),
      median("explain"),
    ]);
    const calibrated: string[] = [];
    const plan = await buildPlan({
      profile: SMOKE,
      seed: 0,
      root,
      selection: { only: ["exp2"], cells: ["deep"], datasets: ["mnist-maj"] },
      onCalibrate: (cell, T) => {
        calibrated.push(`${cell}-T${T}`);
      },
    });
    assertEquals(calibrated, []);
    assertEquals(plan.entries[0].cost.train, 500 / stored.train);
  } finally {
    if (before === undefined) Deno.env.delete("RNNX_RUNS_DIR");
    else Deno.env.set("RNNX_RUNS_DIR", before);
    await Deno.remove(root, { recursive: true });
  }
});
