/**
 * `deno task sweep [--profile quick] [--only exp1,exp2,exp3] [--cells c,…]
 * [--datasets d,…] [--dry-run] [--json] [--jobs N]
 * [--slurm [--partition X] [--max-parallel K] [--print]] [--status]`
 *
 * Runs the thesis protocol (or the selected part of it): every training run,
 * each followed by the explanations and metrics its notebook needs, so that
 * `deno task report` afterwards only reads.
 *
 * - `--dry-run` prints the plan: every run with its state (done, partial with
 *   the epoch reached, missing), its estimated cost from measured throughput
 *   (a short calibration measures what `<runs>/.sweep/rates.json` lacks) and
 *   the core-hours per experiment; `--json` prints it as records.
 * - Without `--slurm`: runs the pending runs in `--jobs N` local worker
 *   processes (default: the number of cores), with progress on stderr.
 * - `--slurm`: writes an sbatch array script (one task per pending run) and
 *   submits it, or only writes and prints it with `--print`.
 * - `--status`: the tasks of every Slurm submission: finished, running,
 *   queued or failed.
 * - `--worker DIR [--index i]`: runs entry i (default `SLURM_ARRAY_TASK_ID`)
 *   of the batch in DIR; what local workers and array tasks execute.
 *
 * Runs go under `runs/` (env `RNNX_RUNS_DIR`).
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { dirname, join, resolve } from "node:path";
import { type BackendName, initBackend } from "../backend/mod.ts";
import { EXPERIMENT_IDS, EXPERIMENT_SEED } from "../experiments/mod.ts";
import {
  activeRunIds,
  buildPlan,
  type LocalSweepResult,
  pendingEntries,
  planJson,
  planText,
  readBatch,
  runLocalSweep,
  runWorker,
  sbatchScript,
  slurmAvailable,
  statusText,
  submitScript,
  sweepStatus,
  WORKER_BUSY_EXIT,
  writeBatch,
  writeScript,
} from "../sweep/mod.ts";
import { defaultProfileName, defaultRunsRoot, getProfile } from "../train/mod.ts";
import { parseOptions, reportError, UsageError, wantsHelp } from "./usage.ts";

const USAGE =
  "usage: deno task sweep [--profile smoke|quick|converged|full] [--only exp1,exp2,exp3] " +
  "[--cells c,…] [--datasets d,…] [--dry-run] [--json] [--jobs N] " +
  "[--slurm [--partition X] [--max-parallel K] [--print]] [--status] [--backend name]";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The environment variables a worker elsewhere needs to see the same data and runs. */
const FORWARDED_ENV = ["RNNX_DATA_DIR", "RNNX_DATA_MIRROR", "RNNX_BACKEND", "RNNX_BLAS"];

/**
 * The command line of a worker on batch folder `batchDir`: entry `index`, or
 * (without one) the entry named by `SLURM_ARRAY_TASK_ID`.
 */
export function workerCommand(batchDir: string, index?: number): string[] {
  return [
    Deno.execPath(),
    "run",
    "--allow-all",
    "--config",
    join(REPO, "deno.json"),
    join(REPO, "lib", "cli", "sweep.ts"),
    "--worker",
    batchDir,
    ...(index === undefined ? [] : ["--index", String(index)]),
  ];
}

function list(v: string | undefined): string[] | undefined {
  return v === undefined ? undefined : v.split(",").map((s) => s.trim()).filter(Boolean);
}

function integer(name: string, v: string, min: number): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < min) {
    throw new UsageError(`--${name} must be an integer of at least ${min}, found "${v}"`, USAGE);
  }
  return n;
}

function stderr(line: string): void {
  console.error(line);
}

function stopSignal(): AbortController {
  const controller = new AbortController();
  const stop = () => controller.abort(new Error("stopped by a signal"));
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  return controller;
}

async function worker(dir: string, index: string | undefined): Promise<number> {
  const controller = stopSignal();
  const i = index === undefined ? undefined : integer("index", index, 0);
  try {
    const r = await runWorker(resolve(dir), i, controller.signal);
    return r.outcome === "busy" ? WORKER_BUSY_EXIT : 0;
  } catch (e) {
    if (controller.signal.aborted) {
      stderr(
        "worker stopped by a signal; the run keeps its last checkpoint, if its profile writes them",
      );
      return 130;
    }
    throw e;
  }
}

function summary(r: LocalSweepResult): string {
  return [
    `sweep: ${r.done.length} done, ${r.failed.length} failed, ${r.busy.length} left to other ` +
    `processes${r.aborted ? `, ${r.stopped.length} stopped (run the sweep again to resume)` : ""}`,
    ...r.failed.map((f) => `  failed: ${f.id} (${f.exit}), log ${f.log}`),
  ].join("\n");
}

/** Runs the command line `args`; returns the exit status. */
export async function runSweepCli(args: string[]): Promise<number> {
  const values = parseOptions(
    args,
    {
      profile: { type: "string" },
      only: { type: "string" },
      cells: { type: "string" },
      datasets: { type: "string" },
      "dry-run": { type: "boolean" },
      json: { type: "boolean" },
      jobs: { type: "string" },
      slurm: { type: "boolean" },
      partition: { type: "string" },
      "max-parallel": { type: "string" },
      print: { type: "boolean" },
      status: { type: "boolean" },
      backend: { type: "string" },
      worker: { type: "string" },
      index: { type: "string" },
    },
    USAGE,
  );
  const str = (k: string) => values[k] as string | undefined;
  if (str("worker") !== undefined) return await worker(str("worker")!, str("index"));
  if (str("index") !== undefined) throw new UsageError("--index goes with --worker", USAGE);
  if (!values.slurm) {
    for (const k of ["partition", "max-parallel", "print"]) {
      if (values[k] !== undefined) throw new UsageError(`--${k} goes with --slurm`, USAGE);
    }
  }
  const root = defaultRunsRoot();
  // workers, local or on the cluster, use the backend the costs were measured on; whether a
  // stored run counts as done depends on it too (a run's identity includes the native BLAS)
  if (str("backend") !== undefined) Deno.env.set("RNNX_BACKEND", str("backend")!);
  await initBackend({ backend: str("backend") as BackendName | undefined, quiet: true });
  if (values.status) {
    const tasks = await sweepStatus(root);
    console.log(values.json ? JSON.stringify(tasks, null, 2) : statusText(tasks));
    return 0;
  }
  const only = list(str("only"));
  for (const x of only ?? []) {
    if (!(EXPERIMENT_IDS as readonly string[]).includes(x)) {
      throw new UsageError(`unknown experiment "${x}"; valid: ${EXPERIMENT_IDS.join(", ")}`, USAGE);
    }
  }
  const datasets = list(str("datasets"));
  const profile = getProfile(str("profile") ?? defaultProfileName());
  const jobs = str("jobs") === undefined
    ? navigator.hardwareConcurrency || 1
    : integer("jobs", str("jobs")!, 1);
  const plan = await buildPlan({
    profile,
    seed: EXPERIMENT_SEED,
    root,
    selection: { only, cells: list(str("cells")), datasets },
    onCalibrate: (cell, T) =>
      stderr(`sweep: calibrating ${cell} T${T} (no stored rate for this backend)`),
  });
  if (plan.entries.length === 0) {
    throw new UsageError("the selection holds no runs (check --only, --cells, --datasets)", USAGE);
  }
  if (values["dry-run"]) {
    console.log(values.json ? planJson(plan) : planText(plan, jobs));
    return 0;
  }
  if (values.json) throw new UsageError("--json goes with --dry-run or --status", USAGE);
  let pending = pendingEntries(plan);
  if (values.slurm) {
    const active = activeRunIds(await sweepStatus(root));
    const held = pending.filter((e) => active.has(e.id)).length;
    pending = pending.filter((e) => !active.has(e.id));
    if (pending.length === 0) {
      console.log(
        `nothing to submit: ${plan.entries.length - held} runs done` +
          (held ? `, ${held} queued or running in earlier submissions` : ""),
      );
      return 0;
    }
    const dir = await writeBatch(plan, profile, pending, "slurm");
    const env: Record<string, string> = { RNNX_RUNS_DIR: root, NO_COLOR: "1" };
    for (const k of FORWARDED_ENV) {
      const v = Deno.env.get(k);
      if (v) env[k] = k === "RNNX_BACKEND" ? v : resolve(v);
    }
    if (!env.RNNX_BACKEND) env.RNNX_BACKEND = plan.backend;
    const script = sbatchScript({
      batchDir: dir,
      batch: await readBatch(dir),
      command: workerCommand(dir),
      cwd: REPO,
      env,
      partition: str("partition"),
      maxParallel: str("max-parallel") === undefined
        ? undefined
        : integer("max-parallel", str("max-parallel")!, 1),
    });
    const path = await writeScript(dir, script);
    if (values.print) {
      console.log(script);
      stderr(`sweep: batch written to ${dir}; submit it with: sbatch ${path}`);
      return 0;
    }
    if (!(await slurmAvailable())) {
      throw new Error(`Slurm does not answer here (sinfo failed); the script is ${path}`);
    }
    const s = await submitScript(dir, pending.length);
    console.log(
      `submitted job ${s.jobId}: ${pending.length} array tasks (${held} runs already queued or ` +
        `running, ${plan.entries.length - pending.length - held} done); script ${path}; ` +
        `logs ${join(dir, "logs")}; follow with: deno task sweep --status`,
    );
    return 0;
  }
  if (pending.length === 0) {
    console.log(`nothing to run: all ${plan.entries.length} runs are done`);
    return 0;
  }
  const dir = await writeBatch(plan, profile, pending, "local");
  stderr(
    `sweep: ${pending.length} of ${plan.entries.length} runs to do with ${jobs} worker(s); ` +
      `batch ${dir}`,
  );
  const controller = stopSignal();
  const result = await runLocalSweep(dir, {
    jobs,
    command: (i) => workerCommand(dir, i),
    cwd: REPO,
    signal: controller.signal,
  });
  console.log(summary(result));
  return result.aborted ? 130 : result.failed.length > 0 ? 1 : 0;
}

if (import.meta.main) {
  if (wantsHelp(Deno.args)) {
    console.log(USAGE);
    Deno.exit(0);
  }
  try {
    Deno.exit(await runSweepCli(Deno.args));
  } catch (e) {
    Deno.exit(reportError(e));
  }
}
