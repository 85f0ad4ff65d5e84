/**
 * The explanation-quality evaluation of notebook 04: every fold's model of
 * the requested MAJ cells is scored by the measures of `evaluateExplanations`
 * (perturbation over time steps and 7×7 patches, localisation against the
 * marks, cascading and independent parameter randomisation) for the
 * experiments' four methods and the three chance-level baselines. It runs on
 * the stored runs of Experiments 2 and 3 (no training), on the first quarter
 * (at most {@link QUALITY_SAMPLES}) of the fold's explained test samples,
 * {@link RANDOMISATION_SAMPLES} of them for randomisation; the rows of a fold
 * are stored as `quality.parquet` inside the run's directory and reused.
 *
 * @module
 */
import { join } from "node:path";
import pl from "nodejs-polars";
import type { DataFrame } from "nodejs-polars";
import { disposeModel } from "../cells/mod.ts";
import { makeBatch } from "../data/mod.ts";
import {
  aggregateQuality,
  BASELINE_METHODS,
  evaluateExplanations,
  isBaselineMethod,
  type QualityAggregateRow,
  qualityFrame,
  validateQualityFrame,
  writeQualityRows,
} from "../eval/mod.ts";
import { formatDuration, loadStoredRun, readPredictions, type RunResult } from "../train/mod.ts";
import { evaluationMethods, methodsFor, STANDARD_CELLS } from "./cell_methods.ts";
import { EXPERIMENT_METHODS } from "./heatmaps.ts";
import { explainSampleCount } from "./context.ts";
import { ExperimentInputError } from "./errors.ts";
import { type EvaluationOptions, type EvaluationRequest, foldSamples } from "./evaluation.ts";
import { checkMethods, methodOptions } from "./explanations.ts";
import {
  cachedTask,
  type GridEntry,
  majEntries,
  type RunGrid,
  runIds,
  terminalProgress,
} from "./grid.ts";
import { storedRows } from "./rows_made_by.ts";
import { settleDisplays } from "./settle.ts";

/**
 * The most samples per fold the quality measures use: the first quarter of
 * the fold's seeded explained subset, at most this many. Every sample goes
 * through 26 forward passes per method and order, so they are fewer than the
 * cosine evaluation's.
 */
export const QUALITY_SAMPLES = 100;

/**
 * The most of those samples the randomisation check re-explains (once per
 * layer and mode, e.g. 14 times for ConvDeep).
 */
export const RANDOMISATION_SAMPLES = 50;

/** How many of a fold's `explained` samples the quality measures use. */
export function qualitySampleCount(explained: number): number {
  return Math.max(1, Math.min(QUALITY_SAMPLES, Math.ceil(explained / 4)));
}

/** The file of a fold's quality rows inside its run directory. */
export const QUALITY_FILE = "quality.parquet";

/**
 * What {@link qualityEvaluation} scores: the models and methods of an
 * explanation evaluation (each cell with the methods that apply to it, as
 * there; the chance baselines are always added).
 */
export type QualityRequest = EvaluationRequest;

/**
 * Options of {@link qualityEvaluation}, as those of an explanation evaluation
 * (progress defaults to lines on the terminal's standard error, none in
 * notebooks).
 */
export type QualityEvaluationOptions = EvaluationOptions;

/** Quality rows of every fold and their aggregate. */
export interface QualityResult {
  /** The grid the models came from. */
  grid: RunGrid;
  /** Evaluated methods of every cell together (the baselines last); see {@link qualityMethodsOf}. */
  methods: string[];
  /** The evaluated grid entries. */
  entries: GridEntry[];
  /** Per-sample and curve rows of every fold (`lib/eval` quality schema). */
  rows: DataFrame;
  /** Fold means, mean and 95 % t interval of every group. */
  aggregate: QualityAggregateRow[];
  /** Run directories (relative to the runs root). */
  runs: string[];
  /** Folds scored now. */
  computed: number;
  /** Folds whose stored rows were reused. */
  reused: number;
}

function storedMatches(df: DataFrame, samples: Int32Array, methods: readonly string[]): boolean {
  const have = new Set(df.getColumn("method").unique().toArray() as string[]);
  if (have.size !== methods.length || !methods.every((m) => have.has(m))) return false;
  const ids = new Set(
    (df.filter(pl.col("sample").gtEq(0)).getColumn("sample").unique().toArray() as number[]).map(
      Number,
    ),
  );
  return ids.size === samples.length && samples.every((s) => ids.has(s));
}

async function scoreFold(
  grid: RunGrid,
  entry: GridEntry,
  run: RunResult,
  methods: readonly string[],
  force: boolean,
): Promise<{ rows: DataFrame; reused: boolean; stale?: string; count: number }> {
  const key = run.key;
  if (key.fold === null || key.folds === null) {
    throw new ExperimentInputError(
      `${entry.dataset}/${entry.cell}: the quality measures need cross-validation folds (MAJ datasets)`,
    );
  }
  const file = join(run.dir, QUALITY_FILE);
  const predictions = readPredictions(join(run.dir, run.manifest.files.predictions.name));
  const explained = foldSamples(
    predictions.sample,
    explainSampleCount(grid.ctx.profile, entry.cell),
    key.dataset,
    key.fold,
    key.folds,
  );
  const samples = explained.slice(0, qualitySampleCount(explained.length));
  const { rows: stored, stale, madeBy } = await storedRows(
    file,
    force,
    validateQualityFrame,
    (rows) => storedMatches(rows, samples, methods),
  );
  if (stored) return { rows: stored, reused: true, count: samples.length };
  const task = await cachedTask(key.dataset, key.folds);
  if (task.kind !== "cv") {
    throw new ExperimentInputError(`${key.dataset} is not a cross-validation task`);
  }
  const batch = makeBatch(task.all, samples);
  const loaded = await loadStoredRun(run.dir, key);
  let rows: DataFrame;
  try {
    rows = qualityFrame(
      evaluateExplanations(loaded.model, {
        x: batch.x,
        labels: batch.labels,
        marks: batch.marks,
        sampleIds: samples,
      }, {
        methods,
        seed: key.seed,
        randomisationSamples: RANDOMISATION_SAMPLES,
        context: { dataset: key.dataset, fold: key.fold, profile: key.profile, seed: key.seed },
        explainOptions: (method) => methodOptions(method),
      }),
    );
  } finally {
    disposeModel(loaded.model);
  }
  await writeQualityRows(file, rows, madeBy);
  return { rows, reused: false, stale, count: samples.length };
}

/**
 * Scores every fold of the requested MAJ models with every quality measure
 * (reusing stored rows) and aggregates them over folds.
 *
 * @example
 * ```ts ignore
 * const quality = await qualityEvaluation(grid, { cells: ["deep", "rlstm"] });
 * await publish(exp, qualityTable(quality));
 * ```
 */
export async function qualityEvaluation(
  grid: RunGrid,
  request: QualityRequest = {},
  options: QualityEvaluationOptions = {},
): Promise<QualityResult> {
  const asked = request.methods ?? null;
  if (asked) checkMethods(asked);
  const entries = majEntries(grid, request);
  const methods = [
    ...new Set(entries.flatMap((e) => methodsFor(e.cell, asked))),
    ...BASELINE_METHODS,
  ];
  const display = options.progress ?? terminalProgress();
  const started = performance.now();
  const frames: DataFrame[] = [];
  let computed = 0;
  let reused = 0;
  const total = entries.reduce((n, e) => n + e.runs.length, 0);
  let done = 0;
  try {
    for (const entry of entries) {
      const own = [...methodsFor(entry.cell, asked), ...BASELINE_METHODS];
      for (const run of entry.runs) {
        const t0 = performance.now();
        const r = await scoreFold(grid, entry, run, own, options.force ?? false);
        done++;
        r.reused ? reused++ : computed++;
        frames.push(r.rows);
        await display.message(
          `[${done}/${total}] quality ${entry.dataset} ${entry.cell} fold ${run.key.fold}: ` +
            (r.reused
              ? `stored rows reused (${r.count} samples)`
              : `${r.count} samples × ${own.length} methods scored in ${
                formatDuration(performance.now() - t0)
              }${r.stale ? ` (the stored rows were ${r.stale})` : ""}`),
        );
      }
    }
    await display.message(
      `${total} folds scored (${computed} computed, ${reused} reused) in ${
        formatDuration(performance.now() - started)
      }`,
    );
  } finally {
    await display.close();
    await settleDisplays();
  }
  const rows = frames.length === 1 ? frames[0] : pl.concat(frames, { how: "vertical" });
  return {
    grid,
    methods,
    entries,
    rows,
    aggregate: aggregateQuality(rows),
    runs: runIds(grid, entries),
    computed,
    reused,
  };
}

/**
 * The methods of a quality evaluation that scored `cell`: those of
 * `evaluationMethods` among the evaluated ones, then the chance baselines.
 *
 * @example
 * ```ts ignore
 * qualityMethodsOf(quality, "lstm"); // ["sa", "gb", "lrp-epsilon", "uniform", "random", "intensity"]
 * ```
 */
export function qualityMethodsOf(quality: Pick<QualityResult, "methods">, cell: string): string[] {
  const own = evaluationMethods(cell);
  return quality.methods.filter((m) => own.includes(m) || isBaselineMethod(m));
}

/**
 * The part of a quality evaluation about the thesis's cells and methods
 * (the standard LSTM and GRU left out), on which the verdicts of notebook 04
 * about the thesis are decided.
 */
export function thesisQuality(quality: QualityResult): QualityResult {
  return qualityPart(
    quality,
    quality.entries.filter((e) => !STANDARD_CELLS.includes(e.cell)),
    quality.methods.filter((m) => EXPERIMENT_METHODS.includes(m) || isBaselineMethod(m)),
  );
}

/**
 * The part of a quality evaluation on one dataset: its models, rows and
 * groups (the verdicts of notebook 04 are decided per dataset).
 */
export function qualityOnDataset(quality: QualityResult, dataset: string): QualityResult {
  return qualityPart(
    quality,
    quality.entries.filter((e) => e.dataset === dataset),
    quality.methods,
  );
}

/** The part of a quality evaluation on some of its models and methods: their rows, groups and runs. */
function qualityPart(
  quality: QualityResult,
  entries: GridEntry[],
  methods: string[],
): QualityResult {
  const datasets = [...new Set(entries.map((e) => e.dataset))];
  const cells = [...new Set<string>(entries.map((e) => e.cell))];
  return {
    ...quality,
    entries,
    methods,
    aggregate: quality.aggregate.filter((r) =>
      datasets.includes(r.dataset) && cells.includes(r.cell) && methods.includes(r.method)
    ),
    rows: quality.rows.filter(
      pl.col("dataset").isIn(datasets).and(pl.col("cell").isIn(cells)).and(
        pl.col("method").isIn(methods),
      ),
    ),
    runs: runIds(quality.grid, entries),
  };
}
