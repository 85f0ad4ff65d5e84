/**
 * Slurm: a batch becomes one job array, one array task per run
 * (`--array=0-N%K`). Every task runs the worker command with
 * `SLURM_ARRAY_TASK_ID` as its index, the same code path as a local worker,
 * and writes its own log. Slurm gives one time limit to a whole array: the
 * script asks for the largest task's (estimate × {@link TIME_MARGIN} +
 * {@link TIME_SLACK_SECONDS}), and each task lowers its own limit to its
 * estimate with `scontrol update` as it starts (lowering is allowed to users).
 * Memory is the largest measured peak resident memory × 1.5 (see `plan.ts`).
 *
 * The runs directory, the dataset cache and the repository must be on a
 * filesystem every node sees at the same path (the script `cd`s into the
 * repository and the tasks write into the runs directory).
 *
 * @module
 */
import { join } from "node:path";
import { writeFileAtomic } from "../data/mod.ts";
import type { Batch } from "./batch.ts";

/** Factor on a run's estimated time for its time limit. */
export const TIME_MARGIN = 2;

/** Seconds added to every time limit. */
export const TIME_SLACK_SECONDS = 600;

/** What {@link sbatchScript} needs. */
export interface ArrayScriptOptions {
  /** The batch folder. */
  batchDir: string;
  /** Its content. */
  batch: Batch;
  /** The worker command without an index (the task adds none: it reads SLURM_ARRAY_TASK_ID). */
  command: readonly string[];
  /** Folder the tasks run in (the repository). */
  cwd: string;
  /** Environment the tasks need (runs root, data folders, backend). */
  env: Readonly<Record<string, string>>;
  /** Partition. */
  partition?: string;
  /** Most tasks running at once. */
  maxParallel?: number;
}

/** A time limit `D-HH:MM:SS` for a run estimated at `seconds`. */
export function slurmTimeLimit(seconds: number): string {
  const total = Math.ceil((seconds * TIME_MARGIN + TIME_SLACK_SECONDS) / 60) * 60;
  const d = Math.floor(total / 86400);
  const h = Math.floor((total % 86400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d}-${p(h)}:${p(m)}:00`;
}

/** Single-quotes a word for bash. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * The sbatch array script of a batch.
 *
 * @example
 * ```ts ignore
 * const text = sbatchScript({ batchDir, batch, command, cwd: repo, env: {}, maxParallel: 4 });
 * ```
 */
export function sbatchScript(o: ArrayScriptOptions): string {
  const n = o.batch.entries.length;
  if (n === 0) throw new RangeError("a Slurm array needs at least one run");
  const limits = o.batch.entries.map((e) => slurmTimeLimit(e.cost.remaining));
  const longest = Math.max(...o.batch.entries.map((e) => e.cost.remaining));
  const memory = Math.max(...o.batch.entries.map((e) => e.memoryMb));
  const parallel = o.maxParallel ? `%${o.maxParallel}` : "";
  const lines = [
    "#!/bin/bash",
    `#SBATCH --job-name=rnnx-${o.batch.profile.name}`,
    `#SBATCH --array=0-${n - 1}${parallel}`,
    "#SBATCH --ntasks=1",
    "#SBATCH --cpus-per-task=1",
    `#SBATCH --mem=${memory}M`,
    `#SBATCH --time=${slurmTimeLimit(longest)}`,
    `#SBATCH --output=${join(o.batchDir, "logs", "task-%a.log")}`,
    ...(o.partition ? [`#SBATCH --partition=${o.partition}`] : []),
    "#",
    `# rnn-explain sweep: ${n} runs of profile ${o.batch.profile.name}, one per array task.`,
    `# Task i runs entry i of ${join(o.batchDir, "plan.json")}.`,
    "# The repository, the runs directory and the dataset cache must be on a",
    "# filesystem every node sees at the same path.",
    "set -euo pipefail",
    "# each task's own time limit: its estimate × " + TIME_MARGIN + " + " +
    TIME_SLACK_SECONDS / 60 + " min",
    `limits=(${limits.join(" ")})`,
    'limit="${limits[$SLURM_ARRAY_TASK_ID]}"',
    'scontrol update JobId="${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}" TimeLimit="$limit" ||',
    '  echo "could not lower the time limit to $limit; keeping the array\'s" >&2',
    ...Object.entries(o.env).map(([k, v]) => `export ${k}=${shellQuote(v)}`),
    // one CPU per task: one thread for each native library, whatever the submitter's shell set
    "export OPENBLAS_NUM_THREADS=1 RNNX_BLAS_THREADS=1 RNNX_DNNL_THREADS=1",
    `cd ${shellQuote(o.cwd)}`,
    `exec ${o.command.map(shellQuote).join(" ")}`,
    "",
  ];
  return lines.join("\n");
}

/** The Slurm job of a submitted batch (`<batch>/submission.json`). */
export interface Submission {
  /** The array's job id. */
  jobId: string;
  /** When it was submitted (ISO time). */
  submittedAt: string;
  /** Array tasks. */
  tasks: number;
}

async function run(program: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(program, { args, stdout: "piped", stderr: "piped" })
    .output();
  const text = new TextDecoder();
  if (!out.success) {
    throw new Error(
      `${program} ${args.join(" ")} failed (exit ${out.code}): ${text.decode(out.stderr).trim()}`,
    );
  }
  return text.decode(out.stdout);
}

/** Whether Slurm's client commands work here (`sinfo` answers). */
export async function slurmAvailable(): Promise<boolean> {
  try {
    await run("sinfo", ["-h", "-o", "%P"]);
    return true;
  } catch {
    return false;
  }
}

/** Writes `<batch>/sweep.sbatch` and returns its path. */
export async function writeScript(batchDir: string, script: string): Promise<string> {
  const path = join(batchDir, "sweep.sbatch");
  await writeFileAtomic(path, script);
  await Deno.chmod(path, 0o755);
  return path;
}

/** Submits a batch's script with `sbatch` and records the job id in `<batch>/submission.json`. */
export async function submitScript(batchDir: string, tasks: number): Promise<Submission> {
  const out = await run("sbatch", ["--parsable", join(batchDir, "sweep.sbatch")]);
  const jobId = out.trim().split(";")[0];
  if (!/^\d+$/.test(jobId)) {
    throw new Error(`sbatch answered ${JSON.stringify(out)}, expected a job id`);
  }
  const submission: Submission = { jobId, submittedAt: new Date().toISOString(), tasks };
  await writeFileAtomic(
    join(batchDir, "submission.json"),
    JSON.stringify(submission, null, 2) + "\n",
  );
  return submission;
}

/** The submission of a batch, or null when it was never submitted. */
export async function readSubmission(batchDir: string): Promise<Submission | null> {
  try {
    return JSON.parse(await Deno.readTextFile(join(batchDir, "submission.json")));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw new Error(`${join(batchDir, "submission.json")}: ${(e as Error).message}`);
  }
}

/**
 * The queue states of the array tasks of jobs (`squeue -r`): task index by
 * job id → state (PENDING, RUNNING, …). Null when squeue cannot be asked.
 */
export async function queuedTasks(
  jobIds: readonly string[],
): Promise<Map<string, Map<number, string>> | null> {
  const out = new Map<string, Map<number, string>>();
  if (jobIds.length === 0) return out;
  let text: string;
  try {
    text = await run("squeue", ["-h", "-r", "-j", jobIds.join(","), "-o", "%F|%K|%T"]);
  } catch (e) {
    // squeue fails for job ids it no longer knows: then nothing of them is queued
    if (/Invalid job id/i.test((e as Error).message)) return out;
    return null;
  }
  for (const line of text.split("\n")) {
    const [job, index, state] = line.trim().split("|");
    if (!job || !/^\d+$/.test(index ?? "")) continue;
    if (!out.has(job)) out.set(job, new Map());
    out.get(job)!.set(Number(index), state);
  }
  return out;
}

/**
 * The accounting states of finished array tasks (`sacct`): `<job>_<index>` →
 * state (COMPLETED, FAILED, TIMEOUT, OUT_OF_MEMORY, …). Null when accounting
 * is not available.
 */
export async function accountedTasks(
  jobIds: readonly string[],
): Promise<Map<string, string> | null> {
  if (jobIds.length === 0) return new Map();
  let text: string;
  try {
    text = await run("sacct", ["-n", "-P", "-X", "-j", jobIds.join(","), "-o", "JobID,State"]);
  } catch {
    return null;
  }
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    const [id, state] = line.trim().split("|");
    if (id && /^\d+_\d+$/.test(id) && state) out.set(id, state.split(" ")[0]);
  }
  return out;
}
