/**
 * The thesis protocol as data: which models each experiment trains (the same
 * grids the notebooks request), expanded into one item per training run (one
 * fold of a MAJ model, or the single split of an Experiment-1 model), and
 * {@link runProtocolItem}, which trains one item and computes the evaluation
 * rows its notebook needs, through the same functions the notebooks call.
 *
 * @module
 */
import { type CellId, parseCellId } from "../cells/mod.ts";
import { TASK_IDS, UnknownDatasetError } from "../data/mod.ts";
import {
  acquireRunLock,
  type RunResult,
  type TrainProfile,
  type TrainProgress,
  trainRun,
} from "../train/mod.ts";
import type { ExperimentContext } from "./context.ts";
import { ExperimentInputError } from "./errors.ts";
import { evaluateRun } from "./evaluation.ts";
import { cachedTask, expandGrid, type GridRequest } from "./grid.ts";
import { evaluationMethods, STANDARD_CELLS } from "./cell_methods.ts";
import { stoppingGoal } from "./thesis.ts";

/** The experiment ids of the protocol. */
export const EXPERIMENT_IDS = ["exp1", "exp2", "exp3"] as const;

/** One experiment id. */
export type ExperimentId = typeof EXPERIMENT_IDS[number];

/** The Experiment-2 cells (notebook 02). */
const EXP2_CELLS = ["shallow", "deep", "deepv2", "convdeep"];

/**
 * The models of every experiment, as the notebooks request them: Experiment 1
 * (notebooks 00 and 01) is LeNet-5 and Shallow and Deep at T = 1, 4, 7 on both
 * plain datasets; Experiment 2 (notebook 02) four MAJ cells; Experiment 3
 * (notebook 03) all ten MAJ cells and the standard LSTM and GRU beside them,
 * on both MAJ datasets with every fold.
 */
export const PROTOCOL: Readonly<Record<ExperimentId, readonly GridRequest[]>> = {
  exp1: [
    { datasets: ["mnist", "fashion-mnist"], cells: ["lenet5"] },
    { datasets: ["mnist", "fashion-mnist"], cells: ["shallow", "deep"], T: [1, 4, 7] },
  ],
  exp2: [{ datasets: ["mnist-maj", "fashion-mnist-maj"], cells: EXP2_CELLS }],
  exp3: [{
    datasets: ["mnist-maj", "fashion-mnist-maj"],
    cells: [
      ...EXP2_CELLS,
      "deep-sd",
      "rlstm",
      "rlstm-sd",
      "conv+deep",
      "convrlstm-sd",
      "conv+rlstm-sd",
      ...STANDARD_CELLS,
    ],
  }],
};

/** One training run of the protocol. */
export interface ProtocolItem {
  /** The experiments that need it, in protocol order. */
  experiments: ExperimentId[];
  /** Task id. */
  dataset: string;
  /** Cell id. */
  cell: CellId;
  /** Sequence length. */
  T: number;
  /** Fold k, or null for the single split. */
  fold: number | null;
  /** K, or null for the single split. */
  folds: number | null;
}

/** Which part of the protocol {@link protocolItems} lists (every field optional; unknown names throw). */
export interface ProtocolSelection {
  /** Experiments (default all). */
  only?: readonly string[];
  /** Keep only these cells. */
  cells?: readonly string[];
  /** Keep only these datasets. */
  datasets?: readonly string[];
}

/** Checks experiment ids; an unknown one throws {@link ExperimentInputError} listing the valid ones. */
export function parseExperimentIds(ids: readonly string[]): ExperimentId[] {
  for (const id of ids) {
    if (!(EXPERIMENT_IDS as readonly string[]).includes(id)) {
      throw new ExperimentInputError(
        `unknown experiment "${id}"; valid: ${EXPERIMENT_IDS.join(", ")}`,
      );
    }
  }
  return EXPERIMENT_IDS.filter((id) => ids.includes(id));
}

/**
 * Every training run of the selected experiments under a profile, each once
 * (a model two experiments share is listed once, with both), in protocol
 * order: experiment, grid, dataset, cell, T, fold.
 *
 * @example
 * ```ts
 * import { getProfile } from "../train/mod.ts";
 * import { protocolItems } from "./protocol.ts";
 * const items = protocolItems(getProfile("full"));
 * if (items.length !== 14 + 12 * 2 * 7) throw new Error(`${items.length} runs`);
 * ```
 */
export function protocolItems(
  profile: TrainProfile,
  selection: ProtocolSelection = {},
): ProtocolItem[] {
  const experiments = parseExperimentIds(selection.only ?? EXPERIMENT_IDS);
  for (const cell of selection.cells ?? []) parseCellId(cell);
  for (const dataset of selection.datasets ?? []) {
    if (!(TASK_IDS as readonly string[]).includes(dataset)) {
      throw new UnknownDatasetError(dataset, TASK_IDS, "dataset");
    }
  }
  const byId = new Map<string, ProtocolItem>();
  for (const experiment of experiments) {
    for (const request of PROTOCOL[experiment]) {
      const datasets = request.datasets.filter((d) =>
        selection.datasets === undefined || selection.datasets.includes(d)
      );
      const cells = request.cells.filter((c) =>
        selection.cells === undefined || selection.cells.includes(c)
      );
      if (datasets.length === 0 || cells.length === 0) continue;
      for (const m of expandGrid({ ...request, datasets, cells })) {
        const maj = m.dataset.endsWith("-maj");
        const folds = maj ? profile.folds : null;
        const trained = profile.trainFolds ?? profile.folds;
        const foldList = maj ? Array.from({ length: trained }, (_, k) => k) : [null];
        for (const fold of foldList) {
          const id = `${m.dataset}/${m.cell}/${m.T}/${fold}`;
          const known = byId.get(id);
          if (known) {
            if (!known.experiments.includes(experiment)) known.experiments.push(experiment);
          } else {
            byId.set(id, { experiments: [experiment], ...m, fold, folds });
          }
        }
      }
    }
  }
  return [...byId.values()];
}

/** What {@link runProtocolItem} did. */
export interface ProtocolItemResult {
  /** The stored run. */
  run: RunResult;
  /** The evaluation rows file (MAJ runs), else null. */
  evaluationFile: string | null;
  /** Whether the evaluation rows were computed now (false: reused or none needed). */
  evaluated: boolean;
}

/** Options of {@link runProtocolItem}. */
export interface ProtocolRunOptions {
  /** Stops training between batches. */
  signal?: AbortSignal;
  /** Where training progress goes (default `lines`). */
  progress?: "auto" | "tty" | "lines" | "none";
  /** Also called with every training progress snapshot (awaited between batches). */
  onProgress?: (p: TrainProgress) => void | Promise<void>;
}

/**
 * Trains one run of the protocol (resuming from its checkpoint, reusing it
 * when complete) and, for a MAJ fold, computes and stores the evaluation rows
 * of the notebooks (the methods of the cell, `evaluationMethods`), exactly as
 * `explanationEvaluation` would, so that the notebooks later only read.
 */
export async function runProtocolItem(
  ctx: ExperimentContext,
  item: ProtocolItem,
  options: ProtocolRunOptions = {},
): Promise<ProtocolItemResult> {
  const task = await cachedTask(item.dataset, item.folds ?? undefined);
  const [run] = await trainRun({
    dataset: item.dataset,
    cell: item.cell,
    T: item.T,
    profile: ctx.profile,
    seed: ctx.seed,
    root: ctx.runsRoot,
    task,
    ...(item.fold === null ? {} : { folds: item.folds!, fold: item.fold }),
    progress: options.progress ?? "lines",
    signal: options.signal,
    onProgress: options.onProgress,
    ...stoppingGoal(item.dataset, item.cell, item.T),
  });
  if (item.fold === null) return { run, evaluationFile: null, evaluated: false };
  // one evaluation of a run at a time; a process that waited reuses the rows written meanwhile
  const lock = await acquireRunLock(run.dir, { wait: true, signal: options.signal });
  try {
    const r = await evaluateRun(ctx.profile, run, evaluationMethods(item.cell));
    return { run, evaluationFile: r.file, evaluated: !r.reused };
  } finally {
    await lock.release();
  }
}
