/**
 * Training (or reusing) every model an experiment needs: a grid of datasets ×
 * cells × sequence lengths, each trained under the experiment's profile with
 * all its folds. Completed folds stored under the runs root are reused, so a
 * notebook that runs again, or a later notebook that needs the same baseline,
 * trains nothing twice. Progress goes to one display that updates in place.
 *
 * @module
 */
import { relative } from "node:path";
import { CELL_LABELS, CELL_LENGTHS, type CellId, parseCellId } from "../cells/mod.ts";
import { datasetLabel } from "../eval/mod.ts";
import { loadTask, type Task } from "../data/mod.ts";
import {
  createProgressDisplay,
  formatDuration,
  type ProgressDisplay,
  type RunResult,
  type TrainProgress,
  trainRun,
} from "../train/mod.ts";
import { type ExperimentContext, fromRepo } from "./context.ts";
import { GridLookupError } from "./errors.ts";
import { notebookProgress } from "./notebook_progress.ts";
import { settleDisplays } from "./settle.ts";
import { stoppingGoal } from "./thesis.ts";

/** The models of one (dataset, cell, T): one run per fold, or one for the single split. */
export interface GridEntry {
  /** Task id. */
  dataset: string;
  /** Cell id. */
  cell: CellId;
  /** Sequence length. */
  T: number;
  /** The stored runs, in fold order. */
  runs: RunResult[];
}

/** A model of a request, or some of its folds, without a stored run (training mode `never`). */
export interface UntrainedModel {
  /** Task id. */
  dataset: string;
  /** Cell id. */
  cell: CellId;
  /** Sequence length. */
  T: number;
  /** The folds without a run (empty for a plain dataset's single split). */
  folds: number[];
  /** True when no fold at all has a run: the model is left out of the grid's entries. */
  whole: boolean;
}

/** The trained models of an experiment. */
export interface RunGrid {
  /** The context they were trained in. */
  ctx: ExperimentContext;
  /** One entry per (dataset, cell, T) with at least one run, in request order. */
  entries: GridEntry[];
  /** What the request asked for and no stored run provides (only under training mode `never`). */
  untrained?: UntrainedModel[];
}

/** What {@link trainGrid} trains. */
export interface GridRequest {
  /** Task ids. */
  datasets: readonly string[];
  /** Cell ids. */
  cells: readonly string[];
  /**
   * Sequence lengths for plain datasets (each cell gets those it is defined
   * for); MAJ datasets always use T = 12, cells with one length use it.
   */
  T?: readonly number[];
}

/** Options of {@link trainGrid}. */
export interface GridOptions {
  /** Progress display (default: in place in Jupyter and on terminals, lines otherwise). */
  progress?: ProgressDisplay;
}

/**
 * Progress as plain lines on the standard error of the process (the
 * terminal that runs the kernel), never in a notebook's outputs.
 *
 * @example
 * ```ts ignore
 * const grid = await trainGrid(exp, request, { progress: terminalProgress() });
 * ```
 */
export function terminalProgress(): ProgressDisplay {
  return createProgressDisplay("lines");
}

const tasks = new Map<string, Promise<Task>>();

/**
 * Loads a task once per process (MAJ tasks with `folds` folds) and keeps it
 * for every later request.
 */
export function cachedTask(dataset: string, folds?: number): Promise<Task> {
  const maj = dataset.endsWith("-maj");
  const key = maj ? `${dataset}/${folds}` : dataset;
  let task = tasks.get(key);
  if (!task) {
    task = loadTask(dataset, maj && folds !== undefined ? { folds } : {});
    tasks.set(key, task);
    task.catch(() => tasks.delete(key));
  }
  return task;
}

/** The (dataset, cell, T) triples a request stands for, in request order. */
export function expandGrid(
  request: GridRequest,
): { dataset: string; cell: CellId; T: number }[] {
  const out: { dataset: string; cell: CellId; T: number }[] = [];
  for (const dataset of request.datasets) {
    const maj = dataset.endsWith("-maj");
    for (const name of request.cells) {
      const cell = parseCellId(name);
      const valid = CELL_LENGTHS[cell].filter((t) => maj ? t === 12 : t !== 12);
      if (valid.length === 0) {
        throw new GridLookupError(
          `cell "${cell}" is not defined for ${dataset}: it runs with T = ${
            CELL_LENGTHS[cell].join(", ")
          } (T = 12 on MAJ datasets, other lengths on plain ones)`,
        );
      }
      let lengths = valid;
      if (valid.length > 1) {
        if (!request.T) {
          throw new GridLookupError(
            `cell "${cell}" on ${dataset} needs T; valid: ${valid.join(", ")}`,
          );
        }
        lengths = valid.filter((t) => request.T!.includes(t));
        if (lengths.length === 0) {
          throw new GridLookupError(
            `none of T = ${request.T.join(", ")} is valid for ${cell} on ${dataset}; ` +
              `valid: ${valid.join(", ")}`,
          );
        }
      }
      for (const T of lengths) out.push({ dataset, cell, T });
    }
  }
  return out;
}

/** Forwards progress to a display, numbering the models and keeping it open between them. */
class GridDisplay implements ProgressDisplay {
  #inner: ProgressDisplay;
  #total: number;
  index = 0;

  constructor(inner: ProgressDisplay, total: number) {
    this.#inner = inner;
    this.#total = total;
  }

  update(p: TrainProgress): void | Promise<void> {
    return this.#inner.update(p);
  }

  message(line: string): void | Promise<void> {
    return this.#inner.message(`[${this.index}/${this.#total}] ${line}`);
  }

  close(): void {}

  finish(line: string): Promise<void> {
    return (async () => {
      await this.#inner.message(line);
      await this.#inner.close();
    })();
  }
}

/**
 * Trains every model of the request that is not stored yet (all folds of MAJ
 * datasets, the single split of plain ones) and returns them all.
 *
 * @example
 * ```ts ignore
 * import { setupExperiment } from "./context.ts";
 * import { trainGrid } from "./grid.ts";
 * const exp = await setupExperiment();
 * const grid = await trainGrid(exp, { datasets: ["mnist"], cells: ["shallow", "deep"], T: [1, 4, 7] });
 * ```
 */
export async function trainGrid(
  ctx: ExperimentContext,
  request: GridRequest,
  options: GridOptions = {},
): Promise<RunGrid> {
  const plan = expandGrid(request);
  const display = new GridDisplay(options.progress ?? notebookProgress(), plan.length);
  const started = performance.now();
  const entries: GridEntry[] = [];
  const untrained: UntrainedModel[] = [];
  const storedOnly = ctx.training === "never";
  let trained = 0;
  let reused = 0;
  for (const item of plan) {
    display.index++;
    const maj = item.dataset.endsWith("-maj");
    const task = await cachedTask(item.dataset, maj ? ctx.profile.folds : undefined);
    const runs = await trainRun({
      dataset: item.dataset,
      cell: item.cell,
      T: item.T,
      profile: ctx.profile,
      seed: ctx.seed,
      root: ctx.runsRoot,
      task,
      progress: display,
      ...stoppingGoal(item.dataset, item.cell, item.T),
      storedOnly,
    });
    for (const r of runs) r.skipped ? reused++ : trained++;
    if (runs.length > 0) entries.push({ ...item, runs });
    const expected = maj ? trainedFolds(ctx) : [];
    const missing = expected.filter((k) => !runs.some((r) => r.key.fold === k));
    if (runs.length === 0 || missing.length > 0) {
      untrained.push({ ...item, folds: missing, whole: runs.length === 0 });
    }
  }
  await display.finish(
    `${plan.length} models (${trained + reused} runs): ${trained} trained, ${reused} reused ` +
      `from ${fromRepo(ctx.runsRoot)}, ${formatDuration(performance.now() - started)}` +
      (untrained.length ? `; without stored runs (not trained): ${untrainedList(untrained)}` : ""),
  );
  await settleDisplays();
  return storedOnly ? { ctx, entries, untrained } : { ctx, entries };
}

/**
 * The grid's record of (dataset, cell, T) when no fold of it has a stored
 * run (training mode `never`); undefined when it has runs or was not asked for.
 */
export function untrainedModel(
  grid: RunGrid,
  dataset: string,
  cell: string,
  T?: number,
): UntrainedModel | undefined {
  return untrainedRecord(grid, true, dataset, cell, T);
}

/** The grid's record of (dataset, cell, T) without a run of any fold (`whole`) or of some. */
function untrainedRecord(
  grid: RunGrid,
  whole: boolean,
  dataset: string,
  cell: string,
  T?: number,
): UntrainedModel | undefined {
  const id = parseCellId(cell);
  return grid.untrained?.find((u) =>
    u.whole === whole && u.dataset === dataset && u.cell === id && (T === undefined || u.T === T)
  );
}

/**
 * The folds of (dataset, cell, T) without a stored run while others have one
 * (training mode `never`), in order; empty when every asked fold has a run,
 * when no fold has one ({@link untrainedModel}), or when it was not asked for.
 *
 * @example
 * ```ts
 * import { missingFolds, type RunGrid } from "./grid.ts";
 * const grid = {
 *   untrained: [{ dataset: "mnist-maj", cell: "conv+deep", T: 12, folds: [1, 2], whole: false }],
 * } as unknown as RunGrid;
 * if (missingFolds(grid, "mnist-maj", "conv+deep", 12).join() !== "1,2") throw new Error();
 * if (missingFolds(grid, "fashion-mnist-maj", "conv+deep", 12).length !== 0) throw new Error();
 * ```
 */
export function missingFolds(
  grid: RunGrid,
  dataset: string,
  cell: string,
  T?: number,
): number[] {
  return [...untrainedRecord(grid, false, dataset, cell, T)?.folds ?? []];
}

/**
 * The MAJ entries of a grid that a request names (all MAJ entries when it
 * names no cells or datasets). A named cell without any entry fails, listing
 * the MAJ cells the grid holds, unless the grid records it as untrained
 * (training mode `never`): then it is left out.
 */
export function majEntries(
  grid: RunGrid,
  request: { cells?: readonly string[]; datasets?: readonly string[] },
): GridEntry[] {
  const entries = grid.entries.filter((e) =>
    e.dataset.endsWith("-maj") &&
    (request.cells === undefined || request.cells.includes(e.cell)) &&
    (request.datasets === undefined || request.datasets.includes(e.dataset))
  );
  for (const cell of request.cells ?? []) {
    const absent = grid.untrained?.some((u) => u.whole && u.cell === cell);
    if (!absent && !entries.some((e) => e.cell === cell)) {
      const held = [
        ...new Set(grid.entries.filter((e) => e.dataset.endsWith("-maj")).map((e) => e.cell)),
      ];
      throw new GridLookupError(
        `no MAJ runs of cell "${cell}" in the grid; MAJ cells in the grid: ${
          held.join(", ") || "none"
        }`,
      );
    }
  }
  if (entries.length === 0) throw new GridLookupError("no MAJ runs in the grid");
  return entries;
}

/** The row label of a model: `Shallow-4` for Experiment-1 models, the cell name otherwise. */
export function modelLabel(cell: string, T: number): string {
  const id = parseCellId(cell);
  return (id === "shallow" || id === "deep") && T !== 12
    ? `${CELL_LABELS[id]}-${T}`
    : CELL_LABELS[id];
}

/** The MAJ folds a context's profile trains (its `trainFolds` first folds, else all). */
export function trainedFolds(ctx: ExperimentContext): number[] {
  const n = ctx.profile.trainFolds ?? ctx.profile.folds;
  return Array.from({ length: n }, (_, k) => k);
}

/**
 * Folds in words: `fold 1`, `folds 1, 2`.
 *
 * @example
 * ```ts
 * import { foldList } from "./grid.ts";
 * if (foldList([1]) !== "fold 1" || foldList([1, 2]) !== "folds 1, 2") throw new Error();
 * ```
 */
export function foldList(folds: readonly number[]): string {
  return `fold${folds.length === 1 ? "" : "s"} ${folds.join(", ")}`;
}

/**
 * The untrained models of a grid in words, e.g. `MNIST-MAJ Conv⁺Deep, FashionMNIST-MAJ
 * R-LSTM (folds 1, 2)`; only those of the given datasets and cells when given.
 *
 * @example
 * ```ts
 * import { untrainedList } from "./grid.ts";
 * const text = untrainedList([{ dataset: "mnist-maj", cell: "rlstm", T: 12, folds: [1, 2], whole: false }]);
 * if (text !== "MNIST-MAJ R-LSTM (folds 1, 2)") throw new Error(text);
 * ```
 */
export function untrainedList(
  untrained: readonly UntrainedModel[],
  filter: { datasets?: readonly string[]; cells?: readonly string[] } = {},
): string {
  return untrained
    .filter((u) =>
      (filter.datasets === undefined || filter.datasets.includes(u.dataset)) &&
      (filter.cells === undefined || filter.cells.includes(u.cell))
    )
    .map((u) => {
      const name = modelLabel(u.cell, u.T);
      const folds = u.whole ? "" : ` (${foldList(u.folds)})`;
      return `${datasetLabel(u.dataset)} ${name}${folds}`;
    })
    .join(", ");
}

/**
 * The entry of (dataset, cell, T) in a grid; T may be left out when the grid
 * holds one length for the cell. Throws {@link GridLookupError} listing what
 * the grid holds.
 */
export function gridEntry(grid: RunGrid, dataset: string, cell: string, T?: number): GridEntry {
  const found = grid.entries.filter((e) =>
    e.dataset === dataset && e.cell === cell && (T === undefined || e.T === T)
  );
  if (found.length === 1) return found[0];
  const held = grid.entries.map((e) => `${e.dataset}/${e.cell}-T${e.T}`).join(", ");
  throw new GridLookupError(
    found.length === 0
      ? `the grid has no ${dataset}/${cell}${T === undefined ? "" : `-T${T}`}; it holds: ${held}`
      : `${dataset}/${cell} has several lengths (${found.map((e) => e.T).join(", ")}); give T`,
  );
}

/** The run directories of entries, relative to the runs root (for provenance). */
export function runIds(grid: RunGrid, entries: readonly GridEntry[] = grid.entries): string[] {
  return entries.flatMap((e) => e.runs.map((r) => relative(grid.ctx.runsRoot, r.dir)));
}

/** Accuracy of a grid entry over its runs (in %): mean, sample sd (null for one run), count. */
export interface EntryAccuracy {
  /** Mean test accuracy (%). */
  mean: number;
  /** Sample standard deviation over folds (percentage points); null for one run. */
  sd: number | null;
  /** Number of runs (folds). */
  n: number;
  /** Test samples per run. */
  samples: number;
}

/** The test accuracy of an entry: of its single split, or over its folds. */
export function entryAccuracy(entry: GridEntry): EntryAccuracy {
  const values = entry.runs.map((r) => 100 * r.manifest.evaluation.accuracy);
  const n = values.length;
  if (n === 0) throw new GridLookupError(`${entry.dataset}/${entry.cell}-T${entry.T} has no runs`);
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1)) : null;
  return { mean, sd, n, samples: entry.runs[0].manifest.evaluation.samples };
}
