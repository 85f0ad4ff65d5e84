/**
 * The quantitative evaluation of Experiments 2 and 3: every fold's model
 * explains a seeded subset of the fold's evaluated test samples (as many as
 * the profile gives the cell, see `explainSampleCount`), each heatmap becomes
 * an evaluation row (block shares, cosine, percentage), the rows of a fold are
 * stored as Parquet inside the run's directory (so retraining a run discards
 * them) and reused when present, and the rows of all folds are aggregated
 * into fold means with 95% Student t intervals over the folds.
 *
 * @module
 */
import { join } from "node:path";
import pl from "nodejs-polars";
import type { DataFrame } from "nodejs-polars";
import { makeBatch } from "../data/mod.ts";
import {
  aggregateEval,
  type ChanceLevels,
  chanceLevels,
  evalFilePath,
  evalFrame,
  type EvalRow,
  evaluateMaj,
  storedEvalRows,
  writeEvalFold,
} from "../eval/mod.ts";
import {
  formatDuration,
  loadStoredRun,
  type ProgressDisplay,
  readPredictions,
  type RunResult,
  type TrainProfile,
} from "../train/mod.ts";
import { disposeModel } from "../cells/mod.ts";
import { methodsFor } from "./cell_methods.ts";
import { explainSampleCount } from "./context.ts";
import { ExperimentInputError } from "./errors.ts";
import { checkMethods, explainBatch } from "./explanations.ts";
import { cachedTask, majEntries, type RunGrid, runIds } from "./grid.ts";
import { pickSamples } from "./samples.ts";
import { notebookProgress } from "./notebook_progress.ts";
import { storedRows } from "./rows_made_by.ts";
import { settleDisplays } from "./settle.ts";

/** What {@link explanationEvaluation} evaluates. */
export interface EvaluationRequest {
  /** Cell ids (default: every MAJ cell of the grid). */
  cells?: readonly string[];
  /** MAJ task ids (default: every MAJ dataset of the grid). */
  datasets?: readonly string[];
  /**
   * Method ids; each cell is evaluated with those of them that apply to it
   * (default: every method of `evaluationMethods`, e.g. SA, GB, DTD,
   * LRP-α1.5β0.5 for the thesis's cells, SA, GB, LRP-ε for LSTM and GRU).
   */
  methods?: readonly string[];
}

/** Options of {@link explanationEvaluation}. */
export interface EvaluationOptions {
  /** Progress display (default: in place in Jupyter and on terminals, lines otherwise). */
  progress?: ProgressDisplay;
  /** Recompute even when stored rows are present. */
  force?: boolean;
}

/** The chance levels of the samples one (dataset, cell) explained, over all its folds. */
export interface ChancePoint extends ChanceLevels {
  /** Task id. */
  dataset: string;
  /** Cell id. */
  cell: string;
}

/** Per-sample rows and their aggregate. */
export interface EvaluationResult {
  /** Per-sample rows of every fold, cell and method (`lib/eval` schema). */
  rows: DataFrame;
  /** `aggregateEval` by dataset, cell and method: fold means, mean, sd, 95% t interval. */
  aggregate: DataFrame;
  /** The Parquet file of every fold. */
  files: string[];
  /** Run directories (relative to the runs root) the rows come from. */
  runs: string[];
  /** What uniform and random relevance score on the same samples, per (dataset, cell). */
  chance: ChancePoint[];
  /** Folds explained now. */
  computed: number;
  /** Folds whose stored rows were reused. */
  reused: number;
}

/** The explained samples of a fold: a seeded subset of its evaluated test samples. */
export function foldSamples(
  evaluated: ArrayLike<number>,
  count: number | null,
  dataset: string,
  fold: number,
  folds: number,
): Int32Array {
  return pickSamples(evaluated, count, `${dataset}/fold-${fold}of${folds}`);
}

function sameSamples(df: DataFrame, samples: Int32Array, methods: readonly string[]): boolean {
  if (df.height !== samples.length * methods.length) return false;
  const want = new Set(samples);
  for (const method of methods) {
    const ids = df.filter(pl.col("method").eq(pl.lit(method))).getColumn("sample").toArray();
    if (ids.length !== samples.length || !ids.every((i) => want.has(Number(i)))) return false;
  }
  return true;
}

/** The evaluation rows of one fold, as {@link evaluateRun} returns them. */
export interface FoldEvaluation {
  /** Their Parquet file (inside the run's directory). */
  file: string;
  /** The rows. */
  rows: DataFrame;
  /** Whether stored rows were reused. */
  reused: boolean;
  /** Why stored rows for the same samples and methods were not reused (`rows_made_by.ts`). */
  stale?: string;
  /** Samples explained per method. */
  count: number;
  /** The mark vectors of the explained samples, [count × 3] (for the chance levels). */
  marks: Uint8Array;
}

/**
 * Explains and evaluates the test samples of one stored MAJ fold with every
 * method, stores the rows inside the run's directory with how they were made and
 * returns them; rows stored before for the same samples and methods are reused
 * unless `force` or unless other code made them (`rows_made_by.ts`).
 */
export async function evaluateRun(
  profile: TrainProfile,
  run: RunResult,
  methods: readonly string[],
  force = false,
): Promise<FoldEvaluation> {
  const key = run.key;
  if (key.fold === null || key.folds === null) {
    throw new ExperimentInputError(
      `${key.dataset}/${key.cell}: the evaluation needs cross-validation folds (MAJ datasets)`,
    );
  }
  const file = evalFilePath(run.dir, {
    dataset: key.dataset,
    cell: key.cell,
    T: key.T,
    profile: key.profile,
    seed: key.seed,
    fold: key.fold,
    methods,
  });
  const predictions = readPredictions(join(run.dir, run.manifest.files.predictions.name));
  const samples = foldSamples(
    predictions.sample,
    explainSampleCount(profile, key.cell),
    key.dataset,
    key.fold,
    key.folds,
  );
  const task = await cachedTask(key.dataset, key.folds);
  if (task.kind !== "cv" || !task.all.marks) {
    throw new ExperimentInputError(`${key.dataset} is not a cross-validation task with marks`);
  }
  const marks = new Uint8Array(samples.length * 3);
  samples.forEach((s, i) => marks.set(task.all.marks!(s), 3 * i));
  const { rows: stored, stale, madeBy } = await storedRows(
    file,
    force,
    storedEvalRows,
    (rows) => sameSamples(rows, samples, methods),
  );
  if (stored) return { file, rows: stored, reused: true, count: samples.length, marks };
  const batch = makeBatch(task.all, samples);
  const loaded = await loadStoredRun(run.dir, key);
  let rows: EvalRow[];
  try {
    rows = methods.flatMap((method) => {
      const e = explainBatch(loaded.model, batch, method);
      return evaluateMaj(
        {
          relevance: e.relevance,
          marks: batch.marks!,
          labels: batch.labels,
          predictions: e.predictions,
          sampleIds: samples,
          width: batch.width,
        },
        {
          dataset: key.dataset,
          cell: key.cell,
          T: key.T,
          fold: key.fold!,
          profile: key.profile,
          seed: key.seed,
          method,
        },
      );
    });
  } finally {
    disposeModel(loaded.model);
  }
  const df = evalFrame(rows);
  await writeEvalFold(run.dir, df, madeBy);
  return { file, rows: df, reused: false, stale, count: samples.length, marks };
}

/**
 * Explains and evaluates every fold of the requested MAJ models (reusing
 * stored rows) and aggregates the cosine and percentage metrics.
 *
 * @example
 * ```ts ignore
 * const ev = await explanationEvaluation(grid, { cells: ["shallow", "deep", "deepv2", "convdeep"] });
 * await publish(exp, await cosineFigure(grid, ev, "3.12"));
 * ```
 */
export async function explanationEvaluation(
  grid: RunGrid,
  request: EvaluationRequest = {},
  options: EvaluationOptions = {},
): Promise<EvaluationResult> {
  const asked = request.methods ?? null;
  if (asked) checkMethods(asked);
  const entries = majEntries(grid, request);
  const display = options.progress ?? notebookProgress();
  const started = performance.now();
  const frames: DataFrame[] = [];
  const files: string[] = [];
  let computed = 0;
  let reused = 0;
  const total = entries.reduce((n, e) => n + e.runs.length, 0);
  const chance: ChancePoint[] = [];
  let done = 0;
  try {
    for (const entry of entries) {
      const methods = methodsFor(entry.cell, asked);
      const marks: Uint8Array[] = [];
      for (const run of entry.runs) {
        const t0 = performance.now();
        const r = await evaluateRun(grid.ctx.profile, run, methods, options.force ?? false);
        done++;
        r.reused ? reused++ : computed++;
        frames.push(r.rows);
        files.push(r.file);
        marks.push(r.marks);
        await display.message(
          `[${done}/${total}] ${entry.dataset} ${entry.cell} fold ${run.key.fold}/${run.key.folds}: ` +
            (r.reused
              ? `stored rows reused (${r.count} samples × ${methods.length} methods)`
              : `explained ${r.count} samples × ${methods.length} methods in ${
                formatDuration(performance.now() - t0)
              }${r.stale ? ` (the stored rows were ${r.stale})` : ""}`),
        );
      }
      const all = new Uint8Array(marks.reduce((n, m) => n + m.length, 0));
      marks.reduce((at, m) => (all.set(m, at), at + m.length), 0);
      if (all.length) {
        chance.push({ dataset: entry.dataset, cell: entry.cell, ...chanceLevels(all) });
      }
    }
    await display.message(
      `${total} folds evaluated (${computed} explained, ${reused} reused) in ${
        formatDuration(performance.now() - started)
      }`,
    );
  } finally {
    await display.close();
    await settleDisplays();
  }
  if (frames.length === 0) {
    throw new ExperimentInputError("no MAJ runs to evaluate in the grid");
  }
  const rows = frames.length === 1 ? frames[0] : pl.concat(frames, { how: "vertical" });
  const aggregate = aggregateEval(rows, { by: ["dataset", "cell", "method"] });
  return { rows, aggregate, files, runs: runIds(grid, entries), chance, computed, reused };
}
