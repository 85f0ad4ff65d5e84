/**
 * One worker: runs entry `index` of a batch (see `batch.ts`), the same way
 * for a local worker process and for a Slurm array task. The run is trained
 * (resuming from its checkpoint, reusing it when complete) and, for a MAJ
 * fold, explained and scored by `runProtocolItem`, the code the notebooks
 * use; its peak memory and time are recorded for later plans. A run whose
 * lock another process holds is left to that process.
 *
 * @module
 */
import { join, relative } from "node:path";
import { runProtocolItem, setupExperiment } from "../experiments/mod.ts";
import { acquireRunLock, formatDuration, RunLockedError } from "../train/mod.ts";
import { type Batch, readBatch } from "./batch.ts";
import { peakRssMb, writeUsage } from "./usage.ts";

/** Longest stretch of training, in milliseconds, before a worker lets signals through. */
export const EVENT_LOOP_TURN_MS = 200;

/** What a worker did. */
export interface WorkerOutcome {
  /** The batch entry index. */
  index: number;
  /** The run's id. */
  id: string;
  /** `done`: trained and evaluated (or found so); `busy`: another process holds its lock. */
  outcome: "done" | "busy";
}

/** The index of a worker: the one given, else Slurm's `SLURM_ARRAY_TASK_ID`, checked against the batch. */
export function workerIndex(given: number | undefined, batch: Batch): number {
  const raw = given ?? Deno.env.get("SLURM_ARRAY_TASK_ID");
  if (raw === undefined) {
    throw new RangeError("a worker needs --index or SLURM_ARRAY_TASK_ID");
  }
  const index = Number(raw);
  if (!Number.isInteger(index) || index < 0 || index >= batch.entries.length) {
    throw new RangeError(
      `worker index ${raw} is out of range: the batch has entries 0..${batch.entries.length - 1}`,
    );
  }
  return index;
}

/**
 * Runs entry `index` of the batch in folder `dir`; logs go to stderr.
 *
 * @example
 * ```ts ignore
 * await runWorker("runs/.sweep/local-20260101T000000Z-123", 0);
 * ```
 */
export async function runWorker(
  dir: string,
  index: number | undefined,
  signal?: AbortSignal,
): Promise<WorkerOutcome> {
  const batch = await readBatch(dir);
  const i = workerIndex(index, batch);
  const item = batch.entries[i];
  const t0 = performance.now();
  const ctx = await setupExperiment({
    profile: batch.profile,
    seed: batch.seed,
    training: "missing",
    runsRoot: batch.root,
    log: null,
  });
  const runDirectory = join(batch.root, item.id);
  try {
    const probe = await acquireRunLock(runDirectory);
    await probe.release();
  } catch (e) {
    if (!(e instanceof RunLockedError)) throw e;
    console.error(`${item.id}: ${e.message}; left to it`);
    return { index: i, id: item.id, outcome: "busy" };
  }
  console.error(`${item.id}: worker ${i} (pid ${Deno.pid}) starts`);
  // training keeps the event loop busy: give it a turn now and then, so that
  // SIGINT/SIGTERM listeners run and the signal stops training between batches
  let turn = performance.now();
  const r = await runProtocolItem(ctx, item, {
    signal,
    progress: "lines",
    onProgress: async () => {
      if (performance.now() - turn < EVENT_LOOP_TURN_MS) return;
      await new Promise((resolve) => setTimeout(resolve, 0));
      turn = performance.now();
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  await writeUsage(batch.root, {
    run: relative(batch.root, r.run.dir),
    dataset: item.dataset,
    cell: item.cell,
    T: item.T,
    peakRssMb: peakRssMb(),
    seconds,
    finishedAt: new Date().toISOString(),
  });
  console.error(
    `${item.id}: ${r.run.skipped ? "stored run reused" : "trained"}, ` +
      (r.evaluationFile === null
        ? "no evaluation rows needed"
        : `evaluation rows ${r.evaluated ? "computed" : "reused"}`) +
      `, ${formatDuration(seconds * 1000)}, peak memory ${peakRssMb().toFixed(0)} MiB`,
  );
  return { index: i, id: item.id, outcome: "done" };
}
