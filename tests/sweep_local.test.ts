import { assert, assertEquals, assertGreaterOrEqual, assertStringIncludes } from "@std/assert";
import { backendInfo, initBackend } from "../lib/backend/mod.ts";
import { explanationEvaluation, setupExperiment, trainGrid } from "../lib/experiments/mod.ts";
import {
  buildPlan,
  pendingEntries,
  rateKey,
  RUN_RATE_MIN_SAMPLES,
  runLocalSweep,
  runTrainRates,
  type SweepPlan,
  writeBatch,
} from "../lib/sweep/mod.ts";
import { checkpointDir, readManifest, SMOKE, type TrainProfile } from "../lib/train/mod.ts";
import { workerCommand } from "../lib/cli/sweep.ts";
import { ensureDataMirror, tempRunsRoot } from "./train_fixtures.ts";

ensureDataMirror();
await initBackend({ quiet: true });

// Several epochs with a checkpoint after each, so that a worker can be killed between two.
const PROFILE: TrainProfile = {
  ...SMOKE,
  epochs: 4,
  checkpointEvery: 1,
  trainSamples: RUN_RATE_MIN_SAMPLES,
};
const SELECTION = { only: ["exp2"], cells: ["deep"], datasets: ["mnist-maj"] };

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

async function sweep(plan: SweepPlan, extra: Partial<Parameters<typeof runLocalSweep>[1]> = {}) {
  const dir = await writeBatch(plan, PROFILE, pendingEntries(plan), "local");
  const lines: string[] = [];
  const result = await runLocalSweep(dir, {
    jobs: 2,
    command: (i) => workerCommand(dir, i),
    log: (line) => lines.push(line),
    ...extra,
  });
  return { result, lines };
}

Deno.test("two local workers; a worker killed mid-run is resumed from its checkpoint by the next sweep", async () => {
  const root = await tempRunsRoot();
  try {
    const plan = await buildPlan({ profile: PROFILE, seed: 0, root, selection: SELECTION });
    assertEquals(plan.entries.map((e) => e.state), ["missing", "missing"]);
    const victim = plan.entries[0];
    const checkpoint = `${checkpointDir(victim.dir)}/state.safetensors`;
    let killedAt: number | null = null;
    const { result, lines } = await sweep(plan, {
      onStart: (index, pid) => {
        if (index !== 0) return;
        const watch = setInterval(async () => {
          if (killedAt === null && await exists(checkpoint)) {
            killedAt = Date.now();
            Deno.kill(pid, "SIGKILL");
            clearInterval(watch);
          }
        }, 20);
      },
    });
    assert(killedAt !== null, "the worker was killed after its first checkpoint");
    // both workers ran at once
    const started = lines.findIndex((l) => l.includes("started (worker 1"));
    const firstEnd = lines.findIndex((l) => / done in | FAILED /.test(l));
    assert(started >= 0 && started < firstEnd, lines.join("\n"));
    assertEquals(result.failed.map((f) => [f.id, f.exit]), [[victim.id, "signal SIGKILL"]]);
    assertEquals(result.done, [plan.entries[1].id]);
    assert(lines.some((l) => /ETA/.test(l)), "progress lines carry an ETA");
    const other = await readManifest(plan.entries[1].dir);

    const after = await buildPlan({ profile: PROFILE, seed: 0, root, selection: SELECTION });
    assertEquals(after.entries[1].state, "done");
    assertEquals(after.entries[0].state, "partial");
    assertGreaterOrEqual(after.entries[0].epoch!, 1);
    assertEquals(pendingEntries(after).map((e) => e.id), [victim.id]);

    const second = await sweep(after);
    assertEquals(second.result.done, [victim.id]);
    const resumed = await readManifest(victim.dir);
    assertEquals(resumed.training.resumedFromEpoch, after.entries[0].epoch);
    assertEquals(resumed.training.history.length, PROFILE.epochs);
    assert(!(await exists(checkpoint)), "the checkpoint is removed once the run is complete");
    // the completed run was not touched
    assertEquals(await readManifest(plan.entries[1].dir), other);

    const final = await buildPlan({ profile: PROFILE, seed: 0, root, selection: SELECTION });
    assertEquals(final.entries.map((e) => e.state), ["done", "done"]);
    // the finished runs' own throughput now prices the cell
    const measured = runTrainRates(
      await Promise.all(final.entries.map((e) => readManifest(e.dir))),
      backendInfo().name,
    ).get(rateKey(backendInfo().name, "deep", 12))!;
    assertEquals(final.entries.map((e) => e.trainRateFrom), ["runs", "runs"]);
    assertEquals(final.entries[0].cost.train, PROFILE.epochs * RUN_RATE_MIN_SAMPLES / measured);
    // the notebooks' calls now only read: nothing trained, every fold's rows reused
    const ctx = await setupExperiment({ profile: PROFILE, runsRoot: root, log: null });
    const grid = await trainGrid(ctx, { datasets: ["mnist-maj"], cells: ["deep"] });
    assert(grid.entries[0].runs.every((r) => r.skipped));
    const ev = await explanationEvaluation(grid);
    assertEquals([ev.computed, ev.reused], [0, 2]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("aborting a local sweep stops its workers mid-epoch with SIGTERM and leaves nothing stale", async () => {
  // one long epoch and no checkpoints: nothing but the signal can stop the workers early
  const profile: TrainProfile = { ...SMOKE, epochs: 3, trainSamples: 20000, checkpointEvery: 0 };
  const root = await tempRunsRoot();
  try {
    const plan = await buildPlan({ profile, seed: 0, root, selection: SELECTION });
    const dir = await writeBatch(plan, profile, plan.entries, "local");
    const controller = new AbortController();
    const logs = plan.entries.map((_, i) => `${dir}/logs/task-${i}.log`);
    const watch = setInterval(async () => {
      const texts = await Promise.all(logs.map((l) => Deno.readTextFile(l).catch(() => "")));
      if (texts.every((t) => /epoch 1\/3 batch/.test(t))) {
        clearInterval(watch);
        controller.abort();
      }
    }, 50);
    const lines: string[] = [];
    const result = await runLocalSweep(dir, {
      jobs: 2,
      command: (i) => workerCommand(dir, i),
      log: (line) => lines.push(line),
      signal: controller.signal,
      graceMs: 120_000,
    });
    clearInterval(watch);
    assert(result.aborted);
    assertEquals([result.done, result.failed, result.stopped.length], [[], [], 2]);
    assertStringIncludes(lines.join("\n"), "stopping 2 worker(s)");
    for (const log of logs) {
      assertStringIncludes(await Deno.readTextFile(log), "worker stopped by a signal");
    }
    const after = await buildPlan({ profile, seed: 0, root, selection: SELECTION });
    assertEquals(after.entries.map((e) => e.state), ["missing", "missing"]);
    const group = plan.entries[0].dir.replace(/\/[^/]+$/, "");
    const left = await Array.fromAsync(Deno.readDir(group)).catch(() => []);
    assertEquals(left.map((e) => e.name), [], "no lock, staging or run directory is left");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
