/**
 * `deno task train --cell deep --dataset mnist-maj [--profile quick] [--T 12]
 * [--folds K] [--fold k] [--seed S] [--bias-mode code|thesis] [--backend wasm]
 * [--force] [--progress auto|tty|lines|none] [--json]`
 *
 * Trains, evaluates and stores one cell (or a comma-separated list) on a
 * dataset: every fold of a MAJ dataset, or the single Experiment-1 split of a
 * plain one (`--dataset mnist --T 7`). Completed folds are skipped; `--force`
 * trains them again. Results go under `runs/` (env `RNNX_RUNS_DIR`).
 *
 * @module
 */
import { type BackendName, initBackend } from "../backend/mod.ts";
import type { BiasMode } from "../cells/mod.ts";
import {
  planRun,
  PROGRESS_MODES,
  type ProgressMode,
  type RunResult,
  stopLabel,
  trainingSeconds,
  trainRun,
  type TrainRunOptions,
} from "../train/mod.ts";
import { stoppingGoal } from "../experiments/thesis.ts";
import { TASK_IDS } from "../data/mod.ts";
import { parseOptions, reportError, UsageError, wantsHelp } from "./usage.ts";

const USAGE =
  "usage: deno task train --cell <id>[,<id>...] --dataset <task> [--profile smoke|quick|converged|full] " +
  "[--T n] [--folds K] [--fold k] [--seed S] [--bias-mode code|thesis] [--backend name] " +
  "[--force] [--progress auto|tty|lines|none] [--json]";

function integer(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n)) {
    throw new UsageError(`--${name} must be a non-negative integer, found "${v}"`, USAGE);
  }
  return n;
}

/** The stopping goal of a thesis model; an unknown dataset is left to `planRun`, which names the valid ones. */
function goal(dataset: string, cell: string, T?: number) {
  return (TASK_IDS as readonly string[]).includes(dataset) ? stoppingGoal(dataset, cell, T) : {};
}

/** One line per result: fold, status, accuracy, time and directory. */
export function resultTable(results: readonly RunResult[]): string {
  const lines = [
    "| dataset | cell | T | fold | status | test accuracy | samples | epochs | stop | training s | directory |",
    "| --- | --- | ---: | --- | --- | ---: | ---: | ---: | --- | ---: | --- |",
  ];
  for (const r of results) {
    const m = r.manifest;
    const fold = r.key.fold === null ? "split" : `${r.key.fold}/${r.key.folds}`;
    lines.push(
      `| ${r.key.dataset} | ${r.key.cell} | ${r.key.T} | ${fold} | ${
        r.skipped ? "stored" : "trained"
      } | ${
        (100 * m.evaluation.accuracy).toFixed(2)
      }% | ${m.evaluation.samples} | ${m.training.history.length} | ${
        stopLabel(m.training.stopping)
      } | ${trainingSeconds(m).toFixed(1)} | ${r.dir} |`,
    );
  }
  return lines.join("\n");
}

/** Runs the command line `args`; returns the results and whether JSON output was asked for. */
export async function runTrainCli(
  args: string[],
): Promise<{ results: RunResult[]; json: boolean }> {
  const values = parseOptions(
    args,
    {
      cell: { type: "string" },
      dataset: { type: "string" },
      profile: { type: "string" },
      T: { type: "string" },
      folds: { type: "string" },
      fold: { type: "string" },
      seed: { type: "string" },
      "bias-mode": { type: "string" },
      backend: { type: "string" },
      progress: { type: "string" },
      force: { type: "boolean" },
      json: { type: "boolean" },
    },
    USAGE,
  );
  const str = (k: string) => values[k] as string | undefined;
  if (!str("cell")) throw new UsageError("--cell is required", USAGE);
  if (!str("dataset")) throw new UsageError("--dataset is required", USAGE);
  const progress = str("progress") ?? "auto";
  if (!(PROGRESS_MODES as readonly string[]).includes(progress)) {
    throw new UsageError(
      `unknown progress mode "${progress}"; valid: ${PROGRESS_MODES.join(", ")}`,
      USAGE,
    );
  }
  const cells = str("cell")!.split(",").map((c) => c.trim()).filter(Boolean);
  const runs: TrainRunOptions[] = cells.map((cell) => ({
    dataset: str("dataset")!,
    cell,
    T: integer("T", str("T")),
    profile: str("profile"),
    seed: integer("seed", str("seed")),
    folds: integer("folds", str("folds")),
    fold: integer("fold", str("fold")),
    biasMode: str("bias-mode") as BiasMode | undefined,
    force: Boolean(values.force),
    progress: progress as ProgressMode,
    ...goal(str("dataset")!, cell, integer("T", str("T"))),
  }));
  // every cell is checked before any is trained
  for (const run of runs) planRun(run);
  await initBackend({ backend: str("backend") as BackendName | undefined });
  const results: RunResult[] = [];
  for (const run of runs) results.push(...await trainRun(run));
  return { results, json: Boolean(values.json) };
}

if (import.meta.main) {
  if (wantsHelp(Deno.args)) {
    console.log(USAGE);
    Deno.exit(0);
  }
  try {
    const { results, json } = await runTrainCli(Deno.args);
    console.log(
      json
        ? JSON.stringify(
          results.map((r) => ({
            ...r.key,
            dir: r.dir,
            skipped: r.skipped,
            accuracy: r.manifest.evaluation.accuracy,
            samples: r.manifest.evaluation.samples,
            seconds: r.manifest.timings.totalSeconds,
            trainingSeconds: trainingSeconds(r.manifest),
            epochs: r.manifest.training.history.length,
            stopping: r.manifest.training.stopping ?? null,
          })),
          null,
          2,
        )
        : resultTable(results),
    );
  } catch (e) {
    Deno.exit(reportError(e));
  }
}
