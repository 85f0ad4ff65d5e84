/**
 * How much faster a multi-fold run finishes with more local workers: the same
 * runs (every fold a profile trains of one cell on one MAJ dataset, training
 * and the notebooks' evaluation rows) done from scratch once per worker count,
 * each time into a fresh runs root, timed from the first worker's start to the
 * last one's end. The runs' weights must come out bit-identical whatever the
 * worker count, or the measurement fails. Each run's seconds in its training
 * epochs are kept beside the total, so a row tells whether more workers slow
 * the training steps themselves or what lies around them (a process's start,
 * data, evaluation).
 *
 * @module
 */
import { readManifest, trainingSeconds, type TrainProfile } from "../train/mod.ts";
import { writeBatch } from "./batch.ts";
import { ratesPath, sweepDir } from "./layout.ts";
import { runLocalSweep } from "./local.ts";
import { buildPlan, pendingEntries } from "./plan.ts";

/** One worker count's measurement. */
export interface WorkerScalingRow {
  /** The cell. */
  cell: string;
  /** The dataset. */
  dataset: string;
  /** The profile's name. */
  profile: string;
  /** Worker processes at once. */
  jobs: number;
  /** Runs (folds) done. */
  runs: number;
  /** Wall-clock seconds for all of them. */
  seconds: number;
  /** The first row's seconds over this row's. */
  speedup: number;
  /** SHA-256 of each run's weights, in fold order. */
  weights: string[];
  /** Each run's seconds in its training epochs, in fold order. */
  training: number[];
}

/** Options of {@link measureWorkerScaling}. */
export interface WorkerScalingOptions {
  /** The profile the runs train under (its folds are the runs). */
  profile: TrainProfile;
  /** The cell. */
  cell: string;
  /** A MAJ dataset. */
  dataset: string;
  /** The worker counts, in order; speedups are relative to the first. */
  jobs: readonly number[];
  /** The command line of worker `index` of the batch in `batchDir` (program first). */
  command: (batchDir: string, index: number) => string[];
  /** Working directory of the workers. */
  cwd?: string;
  /** Run seed (default 0). */
  seed?: number;
  /** Where the sweeps' event and progress lines go (default: nowhere). */
  log?: (line: string) => void;
}

/**
 * Runs the same folds with each worker count of `opts.jobs` and returns one
 * row per count. Throws when a worker fails (keeping that runs root, logs
 * included) or when the weights differ between worker counts.
 */
export async function measureWorkerScaling(
  opts: WorkerScalingOptions,
): Promise<WorkerScalingRow[]> {
  const log = opts.log ?? (() => {});
  const rows: WorkerScalingRow[] = [];
  let rates: string | null = null;
  for (const jobs of opts.jobs) {
    const root = await Deno.makeTempDir({ prefix: "rnnx-workers-" });
    let keep = false;
    try {
      // the first root's calibrated rates price the others' plans: no calibration in between
      if (rates !== null) {
        await Deno.mkdir(sweepDir(root), { recursive: true });
        await Deno.writeTextFile(ratesPath(root), rates);
      }
      const plan = await buildPlan({
        profile: opts.profile,
        seed: opts.seed ?? 0,
        root,
        selection: { cells: [opts.cell], datasets: [opts.dataset] },
      });
      rates ??= await Deno.readTextFile(ratesPath(root)).catch(() => null);
      const entries = pendingEntries(plan);
      if (entries.length === 0) {
        throw new RangeError(
          `${opts.profile.name} plans no run of ${opts.cell} on ${opts.dataset}`,
        );
      }
      const dir = await writeBatch(plan, opts.profile, entries, "local");
      const t0 = performance.now();
      const result = await runLocalSweep(dir, {
        jobs,
        command: (i) => opts.command(dir, i),
        cwd: opts.cwd,
        log,
      });
      const seconds = (performance.now() - t0) / 1000;
      if (result.failed.length > 0 || result.done.length !== entries.length) {
        keep = true;
        throw new Error(
          `the sweep with ${jobs} worker(s) did not finish every run: ${
            result.failed.map((f) => `${f.id} (${f.exit}, log ${f.log})`).join(", ") ||
            `${result.done.length} of ${entries.length} done`
          }; its runs root ${root} is kept`,
        );
      }
      const weights: string[] = [];
      const training: number[] = [];
      for (const e of entries) {
        const manifest = await readManifest(e.dir);
        weights.push(manifest.files.weights.sha256);
        training.push(trainingSeconds(manifest));
      }
      rows.push({
        cell: opts.cell,
        dataset: opts.dataset,
        profile: opts.profile.name,
        jobs,
        runs: entries.length,
        seconds,
        speedup: rows.length === 0 ? 1 : rows[0].seconds / seconds,
        weights,
        training,
      });
    } finally {
      if (!keep) await Deno.remove(root, { recursive: true });
    }
  }
  for (const r of rows.slice(1)) {
    if (r.weights.join() !== rows[0].weights.join()) {
      throw new Error(
        `the weights differ between ${rows[0].jobs} and ${r.jobs} worker(s): ` +
          `${rows[0].weights.join(", ")} against ${r.weights.join(", ")}`,
      );
    }
  }
  return rows;
}

/**
 * The rows as a Markdown table: worker count, runs, wall-clock seconds,
 * speedup over the first row, a run's mean seconds in its training epochs, and
 * the rest of a worker's wall-clock time per run (busy workers × seconds ÷
 * runs, less that mean: start-up, data, evaluation, and any wait for a last
 * run).
 *
 * @example
 * ```ts
 * import { workerScalingTable } from "./scaling.ts";
 * const row = { cell: "deep", dataset: "mnist-maj", profile: "quick", runs: 2, weights: [] };
 * const t = workerScalingTable([
 *   { ...row, jobs: 1, seconds: 100, speedup: 1, training: [44, 46] },
 *   { ...row, jobs: 2, seconds: 52, speedup: 100 / 52, training: [47, 49] },
 * ]);
 * if (!t.includes("| 2 | 2 | 52.0 | 1.92 | 48.0 | 4.0 |")) throw new Error(t);
 * ```
 */
export function workerScalingTable(rows: readonly WorkerScalingRow[]): string {
  const first = rows[0];
  return [
    first
      ? `local workers: ${first.cell} on ${first.dataset}, profile ${first.profile}, ` +
        `${first.runs} folds from scratch (training and evaluation); weights identical across ` +
        "worker counts"
      : "local workers: nothing measured",
    "",
    "| workers | runs | seconds | speedup | training s per run | the rest per run |",
    "| ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows.map((r) => {
      const training = r.training.reduce((a, b) => a + b, 0) / r.training.length;
      const rest = Math.min(r.jobs, r.runs) * r.seconds / r.runs - training;
      return `| ${r.jobs} | ${r.runs} | ${r.seconds.toFixed(1)} | ${r.speedup.toFixed(2)} | ` +
        `${training.toFixed(1)} | ${rest.toFixed(1)} |`;
    }),
  ].join("\n");
}
