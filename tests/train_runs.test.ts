import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertGreater,
  assertLess,
  assertRejects,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import { join } from "node:path";
import { initBackend, tf } from "../lib/backend/mod.ts";
import { CellSpecError, disposeModel, forward } from "../lib/cells/mod.ts";
import { loadTask, makeBatch, UnknownDatasetError } from "../lib/data/mod.ts";
import {
  checkpointDir,
  isRunComplete,
  listRuns,
  loadRun,
  planRun,
  readManifest,
  RUN_FILES,
  runDir,
  type RunKey,
  RunOptionError,
  runPredictionsFrame,
  RunStoreError,
  SMOKE,
  trainingSeconds,
  trainRun,
  UnknownProfileError,
} from "../lib/train/mod.ts";
import { ensureDataMirror, tempRunsRoot } from "./train_fixtures.ts";
import { runScript } from "./script_fixtures.ts";

await initBackend({ quiet: true });
ensureDataMirror();
const majTask = await loadTask("mnist-maj", { folds: 2 });

const base = { dataset: "mnist-maj", cell: "deep", profile: "smoke", progress: "none" } as const;

Deno.test("run directories follow <dataset>/<cell>-T<T>/<profile>-seed<S>/<fold>", () => {
  const key: RunKey = {
    dataset: "mnist-maj",
    cell: "deep",
    T: 12,
    profile: "quick",
    seed: 3,
    biasMode: "code",
    folds: 7,
    fold: 2,
  };
  assertEquals(runDir("/r", key), "/r/mnist-maj/deep-T12/quick-seed3/fold-2of7");
  assertEquals(
    runDir("/r", { ...key, dataset: "mnist", T: 7, folds: null, fold: null, biasMode: "thesis" }),
    "/r/mnist/deep-T7/quick-seed3-thesis-bias/split",
  );
});

Deno.test("a smoke run stores weights, manifest and predictions per fold, then is skipped", async () => {
  const root = await tempRunsRoot();
  try {
    const first = await trainRun({ ...base, root, task: majTask });
    assertEquals(first.map((r) => [r.key.fold, r.skipped]), [[0, false], [1, false]]);
    for (const r of first) {
      const m = r.manifest;
      assertEquals(m.key.folds, 2);
      assertEquals(m.training.trainSamples, 500);
      assertEquals(m.training.epochs, 1);
      assertEquals(m.training.learningRate, 0.002);
      assertEquals(m.training.batchSize, 50);
      assertEquals(m.training.biasMode, "code");
      assertEquals(m.evaluation.samples, 200);
      assertEquals(m.cell.params, 153578);
      assertEquals(m.environment.backend, tf.getBackend());
      assert(m.environment.gitCommit === null || /^[0-9a-f]{40}$/.test(m.environment.gitCommit));
      assertGreater(m.timings.trainSeconds, 0);
      const df = runPredictionsFrame(r);
      assertEquals(df.height, 200);
      assertEquals(df.columns, ["sample", "label", "prediction", "correct"]);
      const stored = await Deno.stat(join(r.dir, r.manifest.files.predictions.name));
      assertLess(stored.size, 200 * 10 * 4, "smaller than the logits alone would be");
      const testSet = new Set(majTask.kind === "cv" ? majTask.folds()[r.key.fold!].test : []);
      const samples = df.getColumn("sample").toArray() as number[];
      assert(samples.every((s) => testSet.has(s)), "sample ids are positions in the 70k set");
      const correct = (df.getColumn("correct").toArray() as boolean[]).filter(Boolean).length;
      assertEquals(correct / 200, m.evaluation.accuracy);
    }
    const second = await trainRun({ ...base, root, task: majTask });
    assertEquals(second.map((r) => r.skipped), [true, true]);
    assertEquals(second[1].manifest, first[1].manifest);
    assertEquals((await listRuns(root, { cell: "deep", profile: "smoke" })).length, 2);
    assertEquals((await listRuns(root, { cell: "rlstm" })).length, 0);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("incomplete, tampered or half-written fold directories are trained again", async () => {
  const root = await tempRunsRoot();
  try {
    const [r0, r1] = await trainRun({ ...base, root, task: majTask });
    // a fold dir without manifest (a run killed while writing it) is not complete
    await Deno.remove(join(r1.dir, RUN_FILES.manifest));
    assertEquals(await isRunComplete(r1.dir), false);
    // a staging dir left by a process that no longer runs is cleaned up
    const stale = `${r1.dir}.partial-999999999-1`;
    await Deno.mkdir(stale);
    // a weights file changed after the run: no longer complete
    const w = join(r0.dir, RUN_FILES.weights);
    const bytes = await Deno.readFile(w);
    bytes[bytes.length - 1] ^= 1;
    await Deno.writeFile(w, bytes);
    await assertRejects(() => readManifest(r0.dir), RunStoreError, "SHA-256");
    const again = await trainRun({ ...base, root, task: majTask });
    assertEquals(again.map((r) => r.skipped), [false, false]);
    assert(await isRunComplete(r0.dir));
    assert(await isRunComplete(r1.dir));
    await assertRejects(() => Deno.stat(stale), Deno.errors.NotFound);
    // same seed, same settings: the retrained fold has the same weights as before
    const fresh = await Deno.readFile(w);
    bytes[bytes.length - 1] ^= 1;
    assertEquals(fresh, bytes);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a stored run loads back into a model that reproduces its predictions", async () => {
  const root = await tempRunsRoot();
  try {
    await trainRun({ ...base, root, task: majTask, fold: 1, seed: 5, biasMode: "thesis" });
    await assertRejects(
      () => loadRun({ dataset: "mnist-maj", cell: "deep", profile: "smoke", fold: 0, root }),
      RunStoreError,
      "incomplete",
    );
    const run = await loadRun({
      dataset: "mnist-maj",
      cell: "deep",
      profile: "smoke",
      fold: 1,
      seed: 5,
      biasMode: "thesis",
      root,
    });
    assertEquals(run.model.options.biasMode, "thesis");
    assertEquals(run.predictions.sample.length, 200);
    assert(majTask.kind === "cv");
    const ids = run.predictions.sample;
    const batch = makeBatch(majTask.all, ids);
    const z = forward(run.model, tf.tensor3d(batch.x, [ids.length, 28, 84]));
    const recomputed = tf.argMax(z, 1);
    assertEquals(Array.from(recomputed.dataSync()), Array.from(run.predictions.prediction));
    assertEquals(Array.from(batch.labels), Array.from(run.predictions.label));
    assertEquals(run.predictions.accuracy, run.manifest.evaluation.accuracy);
    tf.dispose([z, recomputed]);
    disposeModel(run.model);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("an interrupted run resumes from its last epoch checkpoint with identical weights", async () => {
  const profile = { ...SMOKE, epochs: 3, checkpointEvery: 1 };
  const rootA = await tempRunsRoot();
  const rootB = await tempRunsRoot();
  try {
    const [straight] = await trainRun({ ...base, profile, root: rootA, task: majTask, fold: 0 });
    const abort = new AbortController();
    await assertRejects(
      () =>
        trainRun({
          ...base,
          profile,
          root: rootB,
          task: majTask,
          fold: 0,
          signal: abort.signal,
          onProgress: (p) => {
            if (p.epoch === 3 && p.batch === 4) abort.abort(new Error("stopped"));
          },
        }),
      Error,
      "stopped",
    );
    const dir = runDir(rootB, straight.key);
    assertEquals(await isRunComplete(dir), false);
    await Deno.stat(join(checkpointDir(dir), "state.safetensors"));
    const lines: string[] = [];
    const [resumed] = await trainRun({
      ...base,
      profile,
      root: rootB,
      task: majTask,
      fold: 0,
      progress: { update() {}, message: (l) => void lines.push(l), close() {} },
    });
    assert(lines.some((l) => l.includes("resuming after epoch 2")), lines.join("\n"));
    assertEquals(resumed.manifest.training.resumedFromEpoch, 2);
    // the time reported covers every epoch, those before the interruption too
    const history = resumed.manifest.training.history;
    assertEquals(history.map((e) => e.epoch), [1, 2, 3]);
    const total = trainingSeconds(resumed.manifest);
    assertAlmostEquals(total, history.reduce((s, e) => s + e.seconds, 0), 1e-9);
    assert(
      lines.some((l) =>
        l.includes(`${total.toFixed(1)} s of training`) && l.includes("resumed after epoch 2")
      ),
      lines.join("\n"),
    );
    assertEquals(resumed.manifest.files.weights.sha256, straight.manifest.files.weights.sha256);
    await assertRejects(() => Deno.stat(checkpointDir(dir)), Deno.errors.NotFound);
  } finally {
    await Deno.remove(rootA, { recursive: true });
    await Deno.remove(rootB, { recursive: true });
  }
});

Deno.test("an Experiment-1 run trains the single split and predicts the official test set", async () => {
  const root = await tempRunsRoot();
  try {
    const [r] = await trainRun({
      dataset: "mnist",
      cell: "shallow",
      T: 7,
      profile: "smoke",
      progress: "none",
      root,
    });
    assertEquals(r.key.fold, null);
    assert(r.dir.endsWith(join("mnist", "shallow-T7", "smoke-seed0", "split")));
    assertEquals(r.manifest.training.learningRate, 0.0001 * 10);
    assertStringIncludes(r.manifest.evaluation.source, "official test set");
    const samples = runPredictionsFrame(r).getColumn("sample").toArray() as number[];
    assert(samples.every((s) => s >= 0 && s < 10000));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("unknown names and impossible options fail with the valid choices", () => {
  const e1 = assertThrows(() => planRun({ ...base, dataset: "cifar" }), UnknownDatasetError);
  for (const d of ["mnist", "fashion-mnist", "mnist-maj", "fashion-mnist-maj"]) {
    assertStringIncludes(e1.message, d);
  }
  assertThrows(() => planRun({ ...base, cell: "peephole-lstm" }), CellSpecError, "conv+rlstm-sd");
  assertThrows(() => planRun({ ...base, profile: "fast" }), UnknownProfileError, "smoke, quick");
  assertThrows(
    () => planRun({ ...base, biasMode: "zero" as "code" }),
    RunOptionError,
    "thesis, code",
  );
  assertThrows(() => planRun({ ...base, fold: 2 }), RunOptionError, "valid folds: 0..1");
  assertThrows(() => planRun({ ...base, folds: 7, fold: 7 }), RunOptionError, "0..6");
  assertThrows(
    () => planRun({ ...base, dataset: "mnist", T: 4, fold: 0 }),
    RunOptionError,
    "single Experiment-1 split",
  );
  assertThrows(() => planRun({ ...base, dataset: "mnist", T: 12 }), RunOptionError, "1, 4, 7");
  assertThrows(() => planRun({ ...base, dataset: "mnist" }), RunOptionError, "needs T");
  assertThrows(() => planRun({ ...base, T: 7 }), RunOptionError, "valid T for deep on mnist-maj");
  assertThrows(
    () => planRun({ ...base, cell: "lenet5" }),
    RunOptionError,
    "cannot run on mnist-maj",
  );
  assertEquals(planRun({ ...base, dataset: "fashion-mnist", cell: "lenet5" }).spec.T, 1);
  assertEquals(planRun({ ...base, profile: "full" }).foldList, [0, 1, 2, 3, 4, 5, 6]);
});

const cli = (args: string[], env: Record<string, string> = {}) =>
  runScript("lib/cli/train.ts", args, env);

Deno.test("deno task train reports unknown names with the valid ones", async () => {
  // usage errors exit 2, as in every task
  const r1 = await cli(["--cell", "deep", "--dataset", "mnist-maj", "--backend", "gpu"]);
  assertEquals(r1.code, 2);
  assertStringIncludes(r1.stderr, "tensorflow, wasm, cpu");
  const r2 = await cli(["--cell", "deep", "--dataset", "mnist-maj", "--profile", "big"]);
  assertEquals(r2.code, 2);
  assertStringIncludes(r2.stderr, "valid profiles: smoke, quick, converged, full");
  const r3 = await cli(["--cell", "deep", "--dataset", "mnist-maj", "--bogus"]);
  assertEquals(r3.code, 2);
  assertStringIncludes(r3.stderr, "usage: deno task train");
  const r4 = await cli(["--cell", "deep", "--dataset", "mnist-maj", "--fold", "5"]);
  assertEquals(r4.code, 2);
  assertStringIncludes(r4.stderr, "valid folds");
  // every cell is checked before the first is trained
  const root = await tempRunsRoot();
  try {
    const r5 = await cli(
      ["--cell", "deep,bogus", "--dataset", "mnist-maj", "--profile", "smoke"],
      { RNNX_RUNS_DIR: root },
    );
    assertEquals(r5.code, 2);
    assertStringIncludes(r5.stderr, 'unknown cell "bogus"');
    assertEquals(await Array.fromAsync(Deno.readDir(root)), []);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a killed training process leaves no complete-looking fold and resumes on the next run", async () => {
  const root = await tempRunsRoot();
  const args = [
    "--cell",
    "convdeep",
    "--dataset",
    "mnist-maj",
    "--profile",
    "smoke",
    "--progress",
    "none",
    "--json",
  ];
  const env = { NO_COLOR: "1", RNNX_RUNS_DIR: root };
  try {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", "lib/cli/train.ts", ...args],
      cwd: new URL("..", import.meta.url),
      env,
      stdout: "null",
      stderr: "null",
    }).spawn();
    const key: RunKey = {
      dataset: "mnist-maj",
      cell: "convdeep",
      T: 12,
      profile: "smoke",
      seed: 0,
      biasMode: "code",
      folds: 2,
      fold: 0,
    };
    const fold0 = runDir(root, key);
    const fold1 = runDir(root, { ...key, fold: 1 });
    const deadline = Date.now() + 120_000;
    while (!(await isRunComplete(fold0)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill("SIGKILL");
    await child.status;
    assert(await isRunComplete(fold0), "fold 0 finished before the kill");
    assertEquals(await isRunComplete(fold1), false, "fold 1 was still training when killed");
    const out = await cli(args, { RNNX_RUNS_DIR: root });
    assert(out.ok, out.stderr);
    const rows = JSON.parse(out.stdout);
    assertEquals(rows.map((r: { fold: number; skipped: boolean }) => [r.fold, r.skipped]), [
      [0, true],
      [1, false],
    ]);
    assert(await isRunComplete(fold1));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
