/**
 * The sweep's plan: every run of the selected part of the protocol with its
 * state on disk (done; partial, with the epoch reached or trained but not yet
 * evaluated; missing), its estimated cost from measured throughput, and the
 * memory to ask for.
 *
 * Cost of one run, in seconds of one core: (epochs left × training samples) /
 * training rate (the median epoch throughput of stored runs of the cell with
 * at least 100 batches an epoch, else the calibrated rate) + evaluated test samples / evaluation rate + (MAJ runs)
 * explained samples × methods / explanation rate + a fixed start-up (process,
 * backend and dataset loading). The explanation rate is that of the cell's
 * relevance-propagation method (DTD; LRP-ε for LSTM and GRU) for every method
 * (the gradient methods are cheaper, so this errs on the long side).
 *
 * @module
 */
import { relative } from "node:path";
import { datasetInfo, trainValSplit } from "../data/mod.ts";
import { evalFilePath } from "../eval/mod.ts";
import {
  evaluationMethods,
  type ExperimentId,
  explainSampleCount,
  type ProtocolItem,
  protocolItems,
  type ProtocolSelection,
  stoppingGoal,
} from "../experiments/mod.ts";
import {
  checkpointDir,
  CheckpointError,
  planRun,
  readCheckpoint,
  readManifest,
  runDir,
  runKey,
  type RunManifest,
  type RunPlan,
  RunStoreError,
  sameSettings,
  settingsDifference,
  stopDifference,
  type TrainProfile,
} from "../train/mod.ts";
import { backendInfo } from "../backend/mod.ts";
import { type CellRates, rateKey, ratesFor } from "./rates.ts";
import { readUsage } from "./usage.ts";

/** Seconds every run spends outside training and explaining (start-up, data loading). */
export const STARTUP_SECONDS = 10;

/** Training samples a stored run needs (100 batches an epoch) for its throughput to be used. */
export const RUN_RATE_MIN_SAMPLES = 5000;

/** Memory asked for a run of a cell and dataset no run has measured yet, MiB. */
export const DEFAULT_MEMORY_MB = 2048;

/** Factor on the measured peak resident memory when asking for memory. */
export const MEMORY_MARGIN = 1.5;

/** A run's state on disk. */
export type RunState = "done" | "partial" | "missing";

/** Estimated seconds of one run on one core. */
export interface RunCost {
  /** Training, all epochs. */
  train: number;
  /** Evaluating the test samples. */
  eval: number;
  /** Explaining and scoring (MAJ runs). */
  explain: number;
  /** The whole run from scratch, start-up included. */
  total: number;
  /** What is left of it given its state. */
  remaining: number;
}

/** One run of the plan. */
export interface PlanEntry extends ProtocolItem {
  /** The run's directory relative to the runs root (its id). */
  id: string;
  /** Its directory. */
  dir: string;
  /** Its state. */
  state: RunState;
  /** Epochs reached (checkpoint or complete run), null when nothing is stored. */
  epoch: number | null;
  /** Epochs the profile gives it. */
  epochs: number;
  /** MAJ runs: whether the notebooks' evaluation rows are stored; null for plain datasets. */
  evaluated: boolean | null;
  /** Estimated cost. */
  cost: RunCost;
  /** Whether the training rate comes from stored runs of the cell or from the calibration. */
  trainRateFrom: "runs" | "calibration";
  /** Why a stored run is trained again (see {@link RunStanding}). */
  stale?: string;
  /** Memory to ask for, MiB. */
  memoryMb: number;
  /** Whether `memoryMb` comes from a measured run or the default. */
  memoryFrom: "measured" | "default";
}

/** The plan of a sweep. */
export interface SweepPlan {
  /** Profile name. */
  profile: string;
  /** Run seed. */
  seed: number;
  /** Runs root. */
  root: string;
  /** Backend the rates were measured on. */
  backend: string;
  /** Every run, in protocol order. */
  entries: PlanEntry[];
}

/** What {@link buildPlan} plans. */
export interface PlanOptions {
  /** The profile. */
  profile: TrainProfile;
  /** Run seed (the notebooks use 0). */
  seed: number;
  /** Runs root. */
  root: string;
  /** Part of the protocol (default all). */
  selection?: ProtocolSelection;
  /** Hears about each calibration before it starts. */
  onCalibrate?: (cell: string, T: number) => void | Promise<void>;
}

/** Training and test samples of a fold (MAJ, K folds) or of the single split. */
export function foldSizes(dataset: string, folds: number | null): { train: number; test: number } {
  const base = datasetInfo(dataset.replace(/-maj$/, ""));
  const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
  const nTrain = sum(base.classCounts.train);
  const nTest = sum(base.classCounts.test);
  if (folds === null) return { train: trainValSplit(nTrain).train.length, test: nTest };
  const all = nTrain + nTest;
  return { train: all - Math.floor(all / folds), test: Math.floor(all / folds) };
}

/** The run plan of a protocol item, with the thesis's stopping goal (and epoch limit) for it. */
function itemPlan(profile: TrainProfile, item: ProtocolItem, seed?: number): RunPlan {
  return planRun({
    dataset: item.dataset,
    cell: item.cell,
    T: item.T,
    profile,
    ...(seed === undefined ? {} : { seed }),
    ...(item.folds === null ? {} : { folds: item.folds, fold: item.fold! }),
    ...stoppingGoal(item.dataset, item.cell, item.T),
  });
}

/** The cost of a run from its rates (see the module description). */
export function runCost(
  profile: TrainProfile,
  item: ProtocolItem,
  rates: CellRates,
  epochsDone: number,
  evaluated: boolean,
): RunCost {
  const plan = itemPlan(profile, item);
  const sizes = foldSizes(item.dataset, item.folds);
  const trainN = Math.min(plan.trainSamples ?? sizes.train, sizes.train);
  const testN = Math.min(profile.testSamples ?? sizes.test, sizes.test);
  const explainN = item.folds === null
    ? 0
    : Math.min(explainSampleCount(profile, item.cell) ?? testN, testN);
  const perEpoch = trainN / rates.train;
  const train = plan.epochs * perEpoch;
  const evaluation = testN / rates.eval;
  const explain = explainN * evaluationMethods(item.cell).length / rates.explain;
  const total = STARTUP_SECONDS + train + evaluation + explain;
  const trained = epochsDone >= plan.epochs;
  const remaining = trained && evaluated ? 0 : STARTUP_SECONDS +
    (trained ? 0 : (plan.epochs - epochsDone) * perEpoch + evaluation) + explain;
  return { train, eval: evaluation, explain, total, remaining };
}

/** Where a run stands on disk (see {@link runState}). */
export interface RunStanding {
  /** Its directory. */
  dir: string;
  /** Its state. */
  state: RunState;
  /** Epochs reached, null when nothing is stored. */
  epoch: number | null;
  /** MAJ runs: whether the evaluation rows are stored; null for plain datasets. */
  evaluated: boolean | null;
  /** The manifest of a trained run with the profile's settings, else null. */
  manifest: RunManifest | null;
  /** Why a complete stored run does not count as done, when one is stored (it is trained again). */
  stale?: string;
}

/**
 * The state of one run under a root: done (a complete run with the profile's
 * settings and, for a MAJ fold, its evaluation rows), partial (a checkpoint,
 * or trained but not evaluated) or missing.
 */
export async function runState(
  profile: TrainProfile,
  seed: number,
  root: string,
  item: ProtocolItem,
): Promise<RunStanding> {
  const plan = itemPlan(profile, item, seed);
  const key = runKey(plan, item.fold);
  const dir = runDir(root, key);
  let manifest: RunManifest | null = null;
  let stale: { stale?: string } = {};
  try {
    const m = await readManifest(dir, key);
    if (settingsDifference(m, plan) !== null) stale = { stale: "stored run has other settings" };
    else if (stopDifference(m, plan) !== null) {
      stale = { stale: "stored run stopped by an earlier rule" };
    } else manifest = m;
  } catch (e) {
    if (!(e instanceof RunStoreError)) throw e;
  }
  if (manifest) {
    const epoch = plan.epochs;
    if (item.fold === null) return { dir, state: "done", epoch, evaluated: null, manifest };
    const file = evalFilePath(dir, {
      ...key,
      fold: item.fold,
      methods: evaluationMethods(item.cell),
    });
    const evaluated = await Deno.stat(file).then(() => true, () => false);
    return { dir, state: evaluated ? "done" : "partial", epoch, evaluated, manifest };
  }
  // a damaged checkpoint is reported by the worker that meets it; here it counts as none
  const checkpoint = await readCheckpoint(checkpointDir(dir), sameSettings(plan, key))
    .catch((e) => {
      if (e instanceof CheckpointError) return null;
      throw e;
    });
  const evaluated = item.fold === null ? null : false;
  return checkpoint?.status === "ok"
    ? { dir, state: "partial", epoch: checkpoint.checkpoint.epoch, evaluated, manifest, ...stale }
    : { dir, state: "missing", epoch: null, evaluated, manifest, ...stale };
}

/**
 * Training rates measured by stored runs: the median sequences per second of
 * the epochs of runs on `backend` with at least {@link RUN_RATE_MIN_SAMPLES}
 * training samples, by {@link rateKey}.
 */
export function runTrainRates(
  manifests: readonly RunManifest[],
  backend: string,
): Map<string, number> {
  const samples = new Map<string, number[]>();
  for (const m of manifests) {
    if (m.environment.backend !== backend || m.training.trainSamples < RUN_RATE_MIN_SAMPLES) {
      continue;
    }
    const key = rateKey(backend, m.key.cell, m.key.T);
    if (!samples.has(key)) samples.set(key, []);
    samples.get(key)!.push(...m.training.history.map((h) => h.seqPerSec));
  }
  const out = new Map<string, number>();
  for (const [key, values] of samples) {
    if (values.length === 0) continue;
    const sorted = values.sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    out.set(key, sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2);
  }
  return out;
}

/**
 * Plans the selected runs: state, cost and memory of each. Rates missing
 * from `<root>/.sweep/rates.json` are calibrated first (see `rates.ts`).
 *
 * @example
 * ```ts ignore
 * const plan = await buildPlan({ profile: getProfile("full"), seed: 0, root: defaultRunsRoot() });
 * console.log(plan.entries.length, coreHours(plan.entries, "total"));
 * ```
 */
export async function buildPlan(options: PlanOptions): Promise<SweepPlan> {
  const { profile, seed, root } = options;
  const items = protocolItems(profile, options.selection);
  const rates = await ratesFor(root, items, options.onCalibrate);
  const backend = backendInfo().name;
  const usage = await readUsage(root);
  const standings = [];
  for (const item of items) standings.push(await runState(profile, seed, root, item));
  const measuredTrain = runTrainRates(
    standings.flatMap((s) => s.manifest ? [s.manifest] : []),
    backend,
  );
  const entries: PlanEntry[] = [];
  for (const [i, item] of items.entries()) {
    const s = standings[i];
    const key = rateKey(backend, item.cell, item.T);
    const fromRuns = measuredTrain.get(key);
    const measured = usage.filter((u) =>
      u.cell === item.cell && u.T === item.T && u.dataset === item.dataset
    );
    const peak = Math.max(0, ...measured.map((u) => u.peakRssMb));
    entries.push({
      ...item,
      id: relative(root, s.dir),
      dir: s.dir,
      state: s.state,
      ...(s.stale === undefined ? {} : { stale: s.stale }),
      epoch: s.epoch,
      epochs: itemPlan(profile, item).epochs,
      evaluated: s.evaluated,
      cost: runCost(
        profile,
        item,
        { ...rates.get(key)!, ...(fromRuns === undefined ? {} : { train: fromRuns }) },
        s.epoch ?? 0,
        s.evaluated !== false,
      ),
      trainRateFrom: fromRuns === undefined ? "calibration" : "runs",
      memoryMb: measured.length > 0
        ? Math.ceil(peak * MEMORY_MARGIN / 256) * 256
        : DEFAULT_MEMORY_MB,
      memoryFrom: measured.length > 0 ? "measured" : "default",
    });
  }
  return { profile: profile.name, seed, root, backend, entries };
}

/** Core-hours of entries: their whole cost (`total`) or what is left (`remaining`). */
export function coreHours(entries: readonly PlanEntry[], which: "total" | "remaining"): number {
  return entries.reduce((s, e) => s + e.cost[which], 0) / 3600;
}

/** The entries that still need a worker (partial or missing). */
export function pendingEntries(plan: SweepPlan): PlanEntry[] {
  return plan.entries.filter((e) => e.state !== "done");
}

/** Entries that belong to an experiment. */
export function experimentEntries(plan: SweepPlan, experiment: ExperimentId): PlanEntry[] {
  return plan.entries.filter((e) => e.experiments.includes(experiment));
}
