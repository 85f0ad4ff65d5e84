/**
 * `deno task sweep --status`: what became of every array task of every Slurm
 * submission under a runs root. The runs directory is the truth (a task whose
 * run is done has finished, whatever Slurm says); `squeue` tells which tasks
 * are queued or running, `sacct` (where accounting is set up) why others
 * ended; a task that is neither done nor queued but left a log has failed.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { basename } from "node:path";
import { listBatches, readBatch } from "./batch.ts";
import { taskLogPath } from "./layout.ts";
import { type RunState, runState } from "./plan.ts";
import { accountedTasks, queuedTasks, readSubmission } from "./slurm.ts";

/** What became of an array task. */
export type TaskStatus = "finished" | "running" | "queued" | "failed" | "not run";

/** One array task. */
export interface TaskReport {
  /** The batch folder's name. */
  batch: string;
  /** The array's job id. */
  jobId: string;
  /** Array task index. */
  index: number;
  /** The run's id. */
  id: string;
  /** The run's state on disk. */
  disk: RunState;
  /** Slurm's word on it (squeue or sacct), null when it has none. */
  slurm: string | null;
  /** The verdict. */
  status: TaskStatus;
  /** Its log file. */
  log: string;
}

/** Every task of every Slurm submission under `root`, oldest submission first. */
export async function sweepStatus(root: string): Promise<TaskReport[]> {
  const batches: { dir: string; jobId: string }[] = [];
  for (const dir of await listBatches(root)) {
    const submission = await readSubmission(dir);
    if (submission) batches.push({ dir, jobId: submission.jobId });
  }
  const jobIds = batches.map((b) => b.jobId);
  const queued = await queuedTasks(jobIds) ?? new Map<string, Map<number, string>>();
  const accounted = await accountedTasks(jobIds) ?? new Map<string, string>();
  const out: TaskReport[] = [];
  for (const { dir, jobId } of batches) {
    const batch = await readBatch(dir);
    for (const [index, entry] of batch.entries.entries()) {
      const disk = (await runState(batch.profile, batch.seed, batch.root, entry)).state;
      const inQueue = queued.get(jobId)?.get(index);
      const slurm = inQueue ?? accounted.get(`${jobId}_${index}`) ?? null;
      const log = taskLogPath(dir, index);
      let status: TaskStatus;
      if (disk === "done") status = "finished";
      else if (inQueue === "RUNNING" || inQueue === "COMPLETING") status = "running";
      else if (inQueue !== undefined) status = "queued";
      else if (existsSync(log)) status = "failed";
      else status = "not run";
      out.push({ batch: basename(dir), jobId, index, id: entry.id, disk, slurm, status, log });
    }
  }
  return out;
}

/** Run ids that a task of an earlier submission still holds (queued or running). */
export function activeRunIds(tasks: readonly TaskReport[]): Set<string> {
  return new Set(
    tasks.filter((t) => t.status === "queued" || t.status === "running").map((t) => t.id),
  );
}
