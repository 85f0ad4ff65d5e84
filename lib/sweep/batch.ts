/**
 * A batch: the pending runs of a plan, frozen into `<batch>/plan.json` when a
 * local sweep starts or a Slurm array is submitted. Worker `i` (a local
 * process, or Slurm array task `i`) runs entry `i` of it, so every worker
 * follows the same list whatever changes on disk meanwhile.
 *
 * @module
 */
import { join } from "node:path";
import type { ProtocolItem } from "../experiments/mod.ts";
import { writeFileAtomic } from "../data/mod.ts";
import type { TrainProfile } from "../train/mod.ts";
import type { PlanEntry, RunCost, SweepPlan } from "./plan.ts";
import { sweepDir } from "./layout.ts";

/** The `format` of a batch file. */
export const BATCH_FORMAT = "rnnx-sweep-batch/1";

/** One run of a batch. */
export interface BatchEntry extends ProtocolItem {
  /** The run's id (its directory relative to the runs root). */
  id: string;
  /** Its estimated cost when the batch was made. */
  cost: RunCost;
  /** Memory to ask for, MiB. */
  memoryMb: number;
}

/** A batch file's content. */
export interface Batch {
  /** Always {@link BATCH_FORMAT}. */
  format: typeof BATCH_FORMAT;
  /** When it was made (ISO time). */
  createdAt: string;
  /** How it runs. */
  kind: "local" | "slurm";
  /** The profile, in full (workers train with exactly these settings). */
  profile: TrainProfile;
  /** Run seed. */
  seed: number;
  /** Runs root. */
  root: string;
  /** The runs; worker i runs entries[i]. */
  entries: BatchEntry[];
}

function stamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
}

/**
 * Writes a batch of `entries` into a new folder `<root>/.sweep/<kind>-<time>-<pid>/`
 * and returns the folder.
 */
export async function writeBatch(
  plan: SweepPlan,
  profile: TrainProfile,
  entries: readonly PlanEntry[],
  kind: Batch["kind"],
): Promise<string> {
  const now = new Date();
  const dir = join(sweepDir(plan.root), `${kind}-${stamp(now)}-${Deno.pid}`);
  await Deno.mkdir(join(dir, "logs"), { recursive: true });
  const batch: Batch = {
    format: BATCH_FORMAT,
    createdAt: now.toISOString(),
    kind,
    profile,
    seed: plan.seed,
    root: plan.root,
    entries: entries.map((e) => ({
      experiments: e.experiments,
      dataset: e.dataset,
      cell: e.cell,
      T: e.T,
      fold: e.fold,
      folds: e.folds,
      id: e.id,
      cost: e.cost,
      memoryMb: e.memoryMb,
    })),
  };
  await writeFileAtomic(join(dir, "plan.json"), JSON.stringify(batch, null, 2) + "\n");
  return dir;
}

/** Reads `<dir>/plan.json`; a missing or malformed file throws naming the file. */
export async function readBatch(dir: string): Promise<Batch> {
  const path = join(dir, "plan.json");
  let batch: Batch;
  try {
    batch = JSON.parse(await Deno.readTextFile(path));
  } catch (e) {
    throw new Error(`${path}: cannot read the batch: ${(e as Error).message}`);
  }
  if (batch?.format !== BATCH_FORMAT || !Array.isArray(batch.entries)) {
    throw new Error(
      `${path}: format is ${JSON.stringify(batch?.format)}, expected "${BATCH_FORMAT}"`,
    );
  }
  return batch;
}

/** Every batch folder under a runs root, oldest first. */
export async function listBatches(root: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(sweepDir(root))) {
      if (e.isDirectory && /^(local|slurm)-/.test(e.name)) out.push(join(sweepDir(root), e.name));
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return out.sort();
}
