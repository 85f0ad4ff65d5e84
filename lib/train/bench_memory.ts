/**
 * Memory of a 7-fold MAJ run, measured on what such a run holds at once: the
 * whole task (70,000 MAJ sequences and the fold index), one model with its
 * optimiser, the training batches, and the evaluation of a fold's 10,000 test
 * sequences. A full run repeats exactly this per fold (one model at a time),
 * so training `steps` batches of the first folds shows its peak and whether
 * memory grows from fold to fold; training every batch of every epoch would
 * take hours and hold nothing more.
 *
 * The process's resident set size (`Deno.memoryUsage().rss`) is sampled after
 * every phase, every training batch and every evaluation batch.
 *
 * @module
 */
import { backendInfo } from "../backend/mod.ts";
import { buildCell, createModel, disposeModel } from "../cells/mod.ts";
import { loadTask, Prng, TASK_IDS, type TaskOptions } from "../data/mod.ts";
import { evaluateModel } from "./evaluate.ts";
import { BATCH_SIZE, DEFAULT_LEARNING_RATE } from "./hyperparameters.ts";
import { trainModel } from "./trainer.ts";

/** The result of {@link benchMemory}. */
export interface MemoryRow {
  /** Always `memory`. */
  case: "memory";
  /** Cell id. */
  cell: string;
  /** Sequence length (12: MAJ). */
  T: number;
  /** Training batch size. */
  batch: number;
  /** The MAJ task. */
  dataset: string;
  /** Training batches per measured fold. */
  steps: number;
  /** Folds measured. */
  folds: number;
  /** The tfjs backend. */
  backend: string;
  /** Resident set size in MiB after each phase, in order. */
  rss_mb: Record<string, number>;
  /** The largest resident set size sampled, MiB. */
  peak_rss_mb: number;
}

/** Options of {@link benchMemory}. */
export interface MemoryBenchOptions {
  /** A MAJ task id (default `mnist-maj`). */
  dataset?: string;
  /** Training batches per fold (default 20). */
  steps?: number;
  /** Folds to run, of the task's 7 (default 2). */
  folds?: number;
  /** Options for loading the task (data folder, mirror). */
  taskOptions?: TaskOptions;
  /** Seed of the model and the batch order (default 0). */
  seed?: number;
}

function rssMb(): number {
  return Deno.memoryUsage().rss / 2 ** 20;
}

/**
 * Measures the resident memory of a MAJ run of `cell` (see the module
 * description for what is run).
 *
 * @throws RangeError when the dataset is not a MAJ task or steps/folds are out of range.
 */
export async function benchMemory(cell: string, opts: MemoryBenchOptions = {}): Promise<MemoryRow> {
  const dataset = opts.dataset ?? "mnist-maj";
  const steps = opts.steps ?? 20;
  const folds = opts.folds ?? 2;
  const seed = opts.seed ?? 0;
  if (!Number.isInteger(steps) || steps < 1) {
    throw new RangeError(`steps must be a positive integer, found ${steps}`);
  }
  const maj = TASK_IDS.filter((id) => id.endsWith("-maj"));
  if (!(maj as readonly string[]).includes(dataset)) {
    throw new RangeError(
      `the memory case needs a MAJ task (${maj.join(", ")}), found "${dataset}"`,
    );
  }
  const spec = buildCell(cell, 12);
  let peak = rssMb();
  const rss: Record<string, number> = { start: peak };
  const sample = () => {
    peak = Math.max(peak, rssMb());
  };
  const mark = (phase: string) => {
    const now = rssMb();
    peak = Math.max(peak, now);
    rss[phase] = now;
  };
  const task = await loadTask(dataset, { folds: 7, ...opts.taskOptions });
  if (task.kind !== "cv") throw new RangeError(`${dataset} did not load as a MAJ task`);
  if (!Number.isInteger(folds) || folds < 1 || folds > task.k) {
    throw new RangeError(`folds must be an integer in 1..${task.k}, found ${folds}`);
  }
  mark("data");
  for (let f = 0; f < folds; f++) {
    const fold = task.fold(f);
    const model = createModel(spec, { seed: seed + f });
    try {
      const order = new Prng(seed).fork(`memory/fold-${f}`).permutation(fold.train.n);
      await trainModel(model, fold.train, {
        epochs: 1,
        learningRate: DEFAULT_LEARNING_RATE,
        seed: seed + f,
        indices: order.subarray(0, Math.min(fold.train.n, steps * BATCH_SIZE)),
        onProgress: sample,
      });
      mark(`fold${f}_train`);
      await evaluateModel(model, fold.test, { onProgress: sample });
      mark(`fold${f}_eval`);
    } finally {
      disposeModel(model);
    }
  }
  return {
    case: "memory",
    cell: spec.id,
    T: spec.T,
    batch: BATCH_SIZE,
    dataset,
    steps,
    folds,
    backend: backendInfo().name,
    rss_mb: rss,
    peak_rss_mb: peak,
  };
}

/** Memory rows as a Markdown table. */
export function memoryTable(rows: readonly MemoryRow[]): string {
  const f = (v: number) => v.toFixed(0);
  return [
    "| case | cell | dataset | folds × steps | backend | RSS by phase (MiB) | peak RSS (MiB) |",
    "| --- | --- | --- | --- | --- | --- | ---: |",
    ...rows.map((r) =>
      `| memory | ${r.cell} | ${r.dataset} | ${r.folds} × ${r.steps} | ${r.backend} | ${
        Object.entries(r.rss_mb).map(([k, v]) => `${k} ${f(v)}`).join(", ")
      } | ${f(r.peak_rss_mb)} |`
    ),
  ].join("\n");
}
