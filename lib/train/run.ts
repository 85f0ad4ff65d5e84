/**
 * Training runs end to end: load the task, train every requested fold (or the
 * single Experiment-1 split) under a profile, evaluate it and store the result
 * (see `store.ts` for the layout); read stored runs back.
 *
 * @module
 */
import { join } from "node:path";
import { backendInfo, initBackend } from "../backend/mod.ts";
import {
  analyseCell,
  BIAS_MODES,
  type BiasMode,
  buildCell,
  type CellModel,
  type CellSpec,
  countParameters,
  createModel,
  disposeModel,
  loadModel,
  parseCellId,
  saveWeights,
} from "../cells/mod.ts";
import {
  createStagingFolder,
  loadTask,
  Prng,
  type SequenceSource,
  type Task,
  TASK_IDS,
  type TaskOptions,
  UnknownDatasetError,
  writeFileAtomic,
} from "../data/mod.ts";
import { readCheckpoint, removeCheckpoint, writeCheckpoint } from "./checkpoint.ts";
import { RunOptionError, RunStoreError } from "./errors.ts";
import { evaluateModel, type Predictions } from "./evaluate.ts";
import { ADAM_DEFAULTS, BATCH_SIZE, KEEP_PROB, learningRate } from "./hyperparameters.ts";
import { cellBudget, defaultProfileName, getProfile, type TrainProfile } from "./profiles.ts";
import { createProgressDisplay, type ProgressDisplay, type ProgressMode } from "./progress.ts";
import { isMajTask, sequenceLength } from "./sequence_length.ts";
import { acquireRunLock, describeHolder, type RunLock } from "./run_lock.ts";
import {
  readPredictions,
  readPredictionsFrame,
  type StoredPredictions,
  writePredictions,
} from "./predictions.ts";
import {
  checkpointDir,
  commitStagingDir,
  defaultRunsRoot,
  describeFile,
  gitState,
  pathExists,
  readManifest,
  removeStaleStaging,
  RUN_FILES,
  runDir,
  type RunKey,
  type RunManifest,
  type StoredRun,
  trainingSeconds,
} from "./store.ts";
import { firstStop, holdOut, stopLabel } from "./stopping.ts";
import { type TrainCheckpoint, trainModel, type TrainProgress } from "./trainer.ts";
import type pl from "nodejs-polars";

/** Options of {@link trainRun}. */
export interface TrainRunOptions {
  /** Task id: mnist, fashion-mnist (single split) or mnist-maj, fashion-mnist-maj (folds). */
  dataset: string;
  /** Cell id. */
  cell: string;
  /** Sequence length (default 12 for MAJ; required for plain datasets when the cell has several). */
  T?: number;
  /** Profile name or object (default: env `RNNX_PROFILE`, else `quick`). */
  profile?: string | TrainProfile;
  /** Run seed: initialisation, sample order, dropout (default 0). */
  seed?: number;
  /** Number of folds K for MAJ datasets (default: the profile's). */
  folds?: number;
  /** Which folds to train (default all 0..K−1). */
  fold?: number | readonly number[];
  /** Bias mode (default `code`). */
  biasMode?: BiasMode;
  /** Runs root (default env `RNNX_RUNS_DIR` or `<repo>/runs`). */
  root?: string;
  /** Retrain folds even when a complete run is stored. */
  force?: boolean;
  /** Where progress goes (default `auto`); or a display of your own. */
  progress?: ProgressMode | ProgressDisplay;
  /** Also called with every progress snapshot. */
  onProgress?: (p: TrainProgress) => void | Promise<void>;
  /** A task loaded before (must be `dataset`); avoids loading it again. */
  task?: Task;
  /** Options for loading the task. */
  taskOptions?: TaskOptions;
  /** Stops training between batches. */
  signal?: AbortSignal;
  /**
   * The accuracy (fraction) at which a profile with early stopping stops: the
   * thesis's reported accuracy of the model (`lib/experiments` knows it);
   * absent: stop on a plateau or at the epoch limit only.
   */
  targetAccuracy?: number;
  /**
   * The held-out accuracy (fraction) a model must reach before a plateau may
   * stop it (the Table 3.2 minimum plus a margin, `lib/experiments` knows
   * it); absent: a plateau always stops.
   */
  floorAccuracy?: number;
  /**
   * The epoch limit of a profile with early stopping, in place of the
   * profile's (the thesis trained some models longer; `lib/experiments`
   * knows which); ignored by profiles without early stopping.
   */
  epochLimit?: number;
  /**
   * Only reuse stored runs: a fold without a complete stored run (made with
   * the plan's settings) is announced and left out of the result, and nothing
   * is trained.
   */
  storedOnly?: boolean;
}

/** The outcome of one fold (or the single split). */
export interface RunResult {
  /** The run's identity. */
  key: RunKey;
  /** Its directory. */
  dir: string;
  /** Its manifest. */
  manifest: RunManifest;
  /** True when a complete stored run was found and nothing was trained. */
  skipped: boolean;
  /**
   * Set when a stored run was read (stored runs only) although the current
   * stopping rule would have stopped it elsewhere: how it differs. Training
   * would replace it.
   */
  earlierRule?: string;
}

/** A validated run request. */
export interface RunPlan {
  /** Task id. */
  dataset: string;
  /** The cell description. */
  spec: CellSpec;
  /** The profile. */
  profile: TrainProfile;
  /** Run seed. */
  seed: number;
  /** Bias mode. */
  biasMode: BiasMode;
  /** K, or null for a single split. */
  folds: number | null;
  /** Folds to train (`[null]` for the single split). */
  foldList: (number | null)[];
  /** Learning rate (thesis rate × profile scale). */
  learningRate: number;
  /** Training samples per fold (null: all). */
  trainSamples: number | null;
  /** Epochs. */
  epochs: number;
  /** The target and floor accuracies of the profile's early stopping (both null without one). */
  stopGoal: { target: number | null; floor: number | null };
}

/**
 * Checks a run request and works out its settings without loading data.
 * Unknown datasets, cells, profiles and bias modes fail listing the valid ones.
 */
export function planRun(opts: TrainRunOptions): RunPlan {
  if (!(TASK_IDS as readonly string[]).includes(opts.dataset)) {
    throw new UnknownDatasetError(opts.dataset, TASK_IDS, "dataset");
  }
  const cell = parseCellId(opts.cell);
  const profile = typeof opts.profile === "object"
    ? opts.profile
    : getProfile(opts.profile ?? defaultProfileName());
  if (opts.force && opts.storedOnly) {
    throw new RunOptionError("force (train again) and storedOnly (never train) exclude each other");
  }
  const biasMode = opts.biasMode ?? "code";
  if (!BIAS_MODES.includes(biasMode)) {
    throw new RunOptionError(`unknown bias mode "${biasMode}"; valid: ${BIAS_MODES.join(", ")}`);
  }
  const maj = isMajTask(opts.dataset);
  const spec = buildCell(cell, sequenceLength(cell, opts.dataset, opts.T));
  const seed = opts.seed ?? 0;
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new RunOptionError(`seed must be a non-negative integer, found ${seed}`);
  }
  let folds: number | null = null;
  let foldList: (number | null)[] = [null];
  if (maj) {
    folds = opts.folds ?? profile.folds;
    if (!Number.isInteger(folds) || folds < 2) {
      throw new RunOptionError(`folds must be an integer of at least 2, found ${folds}`);
    }
    const all = Array.from({ length: folds }, (_, k) => k);
    if (opts.fold === undefined) {
      foldList = all.slice(0, opts.folds === undefined ? profile.trainFolds ?? folds : folds);
    } else {
      foldList = [...(typeof opts.fold === "number" ? [opts.fold] : opts.fold)];
      for (const k of foldList) {
        if (!Number.isInteger(k) || k! < 0 || k! >= folds) {
          throw new RunOptionError(`fold ${k} does not exist; valid folds: 0..${folds - 1}`);
        }
      }
    }
  } else if (opts.folds !== undefined || opts.fold !== undefined) {
    throw new RunOptionError(
      `${opts.dataset} uses the single Experiment-1 split (48k/12k/10k); folds exist only for ` +
        `${TASK_IDS.filter(isMajTask).join(", ")}`,
    );
  }
  const budget = cellBudget(profile, cell);
  if (
    opts.epochLimit !== undefined && (!Number.isSafeInteger(opts.epochLimit) || opts.epochLimit < 1)
  ) {
    throw new RunOptionError(`epoch limit must be a positive integer, found ${opts.epochLimit}`);
  }
  return {
    dataset: opts.dataset,
    spec,
    profile,
    seed,
    biasMode,
    folds,
    foldList,
    learningRate: learningRate(cell, opts.dataset, spec.T) * profile.learningRateScale,
    trainSamples: budget.trainSamples,
    epochs: profile.stopping ? opts.epochLimit ?? budget.epochs : budget.epochs,
    stopGoal: {
      target: profile.stopping ? checkedAccuracy("targetAccuracy", opts.targetAccuracy) : null,
      floor: profile.stopping ? checkedAccuracy("floorAccuracy", opts.floorAccuracy) : null,
    },
  };
}

function checkedAccuracy(name: string, value: number | undefined): number | null {
  if (value === undefined) return null;
  if (!(value > 0 && value <= 1)) {
    throw new RunOptionError(`${name} must be a fraction in (0, 1], found ${value}`);
  }
  return value;
}

/** The key of one fold of a plan. */
export function runKey(plan: RunPlan, fold: number | null): RunKey {
  return {
    dataset: plan.dataset,
    cell: plan.spec.id,
    T: plan.spec.T,
    profile: plan.profile.name,
    seed: plan.seed,
    biasMode: plan.biasMode,
    folds: plan.folds,
    fold,
  };
}

/**
 * A seeded random subset of `count` of the positions 0..n−1, ascending (all
 * when `count` is null or at least n). Depends only on `label`, not on the
 * cell or the run seed, so every cell sees the same samples.
 */
export function sampleSubset(n: number, count: number | null, label: string): Int32Array {
  if (count === null || count >= n) return Int32Array.from({ length: n }, (_, i) => i);
  if (!Number.isInteger(count) || count < 1) {
    throw new RunOptionError(`sample count must be a positive integer, found ${count}`);
  }
  return new Prng(`subset/${label}`).permutation(n).slice(0, count).sort();
}

/**
 * The settings a stored run (or its checkpoint) must have been made with to be
 * reused; the profile's description is prose, not a setting, and is left out.
 * With early stopping the epoch limit is part of the rule, not of the
 * settings: a checkpoint made under another limit is resumed where its history
 * replays under the current rule ({@link stopDifference}).
 */
export function settingsFingerprint(plan: RunPlan, key: RunKey): string {
  return JSON.stringify({
    key,
    profile: profileSettings(plan.profile),
    learningRate: plan.learningRate,
    epochs: plan.profile.stopping ? cellBudget(plan.profile, key.cell).epochs : plan.epochs,
    trainSamples: plan.trainSamples,
    batchSize: BATCH_SIZE,
    keepProb: KEEP_PROB,
  });
}

/**
 * Whether a checkpoint's recorded fingerprint has the settings of
 * {@link settingsFingerprint}; fingerprints written before the description was
 * left out still carry it, and are read without it.
 *
 * @example
 * ```ts
 * import { planRun, runKey, sameSettings, settingsFingerprint } from "./run.ts";
 * const plan = planRun({ dataset: "mnist-maj", cell: "deep", profile: "converged", fold: 0 });
 * const key = runKey(plan, 0);
 * const current = settingsFingerprint(plan, key);
 * const older = current.replace('"name":"converged",', '"name":"converged","description":"x",');
 * if (!sameSettings(plan, key)(older)) throw new Error("the description is not a setting");
 * if (sameSettings(plan, key)(current.replace('"seed":0', '"seed":1'))) throw new Error();
 * ```
 */
export function sameSettings(plan: RunPlan, key: RunKey): (stored: string) => boolean {
  const current = settingsFingerprint(plan, key);
  return (stored) => {
    if (stored === current) return true;
    try {
      const parsed = JSON.parse(stored);
      if (parsed?.profile && typeof parsed.profile === "object") {
        parsed.profile = profileSettings(parsed.profile);
      }
      return JSON.stringify(parsed) === current;
    } catch {
      return false;
    }
  };
}

/** A profile's settings: all of it but its description, which is prose. */
function profileSettings(profile: object): object {
  return { ...profile, description: undefined };
}

/**
 * How a stored run's settings differ from the plan's, or null when they are
 * the same. Whether the native BLAS is used counts too (it changes the
 * weights); which BLAS library does not.
 */
export function settingsDifference(m: RunManifest, plan: RunPlan): string | null {
  const settings = (p: object) => JSON.stringify(profileSettings(p));
  if (settings(m.profile) !== settings(plan.profile)) {
    return `profile settings ${settings(m.profile)}, now ${settings(plan.profile)}`;
  }
  if (m.training.learningRate !== plan.learningRate) {
    return `learning rate ${m.training.learningRate}, now ${plan.learningRate}`;
  }
  // with early stopping the limit is part of the rule, which stopDifference replays
  if (!plan.profile.stopping && m.training.epochs !== plan.epochs) {
    return `${m.training.epochs} epochs, now ${plan.epochs}`;
  }
  const [then, now] = [storedBlas(m), backendInfo().blas ?? null];
  if ((then === null) !== (now === null)) {
    return `trained ${then === null ? "without BLAS" : `with ${then}`}, this process runs ${
      now === null ? "without BLAS" : `with ${now}`
    }`;
  }
  return null;
}

/**
 * How a stored run's stop differs from where the plan's stopping rule (with
 * its target and floor) stops the same held-out history, or null when they
 * agree: a run stopped by an earlier rule is kept exactly when its history
 * replays to the epoch it stopped at.
 */
export function stopDifference(m: RunManifest, plan: RunPlan): string | null {
  const rule = plan.profile.stopping;
  if (!rule) return null;
  const stopped = m.training.stopping;
  const heldOut = m.training.history.map((h) => h.heldOutAccuracy ?? NaN);
  const now = firstStop(heldOut, rule, { ...plan.stopGoal, epochs: plan.epochs });
  if (stopped && now?.epoch === stopped.epoch) return null;
  const then = stopped ? `stopped at epoch ${stopped.epoch} (${stopLabel(stopped)})` : "no stop";
  return now
    ? `${then}; the current rule stops its history at epoch ${now.epoch} (${stopLabel(now)})`
    : `${then}; the current rule trains on (${goalWords(plan.stopGoal)})`;
}

function goalWords(goal: RunPlan["stopGoal"]): string {
  const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
  const parts = [
    goal.target === null ? null : `target ${pct(goal.target)}`,
    goal.floor === null ? null : `no plateau stop below ${pct(goal.floor)}`,
  ].filter((p) => p !== null);
  return parts.length ? parts.join(", ") : "no target";
}

/** Whether this process trains on the native BLAS. */
function usesBlas(): boolean {
  return (backendInfo().blas ?? null) !== null;
}

/**
 * The BLAS library a stored run was trained with, or null for none. Manifests
 * written before the field existed are read from the backend detail, which
 * names the library after a "+" when one was used.
 */
export function storedBlas(m: RunManifest): string | null {
  if (m.environment.blas !== undefined) return m.environment.blas;
  const plus = m.environment.backendDetail.indexOf(" + ");
  return plus < 0 ? null : m.environment.backendDetail.slice(plus + 3);
}

interface FoldSources {
  train: SequenceSource;
  /** Experiment 1's validation split (MAJ folds hold samples out of `train` instead). */
  val: SequenceSource | null;
  test: SequenceSource;
  /** Maps a test position to the sample id stored in the predictions. */
  testIds: (local: Int32Array) => Int32Array;
  trainName: string;
  testName: string;
}

function foldSources(task: Task, fold: number | null): FoldSources {
  if (task.kind === "single") {
    return {
      train: task.train,
      val: task.val,
      test: task.test,
      testIds: (local) => local,
      trainName: `${task.id} train split (${task.train.n} samples)`,
      testName: `${task.id} official test set (${task.test.n} samples)`,
    };
  }
  const f = task.fold(fold!);
  return {
    train: f.train,
    val: null,
    test: f.test,
    testIds: (local) => local.map((i) => f.test.indices[i]),
    trainName: `${task.id} fold ${fold} of ${task.k}: training part (${f.train.n} samples)`,
    testName: `${task.id} fold ${fold} of ${task.k}: test part (${f.test.n} samples)`,
  };
}

/**
 * The checkpoint to resume from: none when forced (an existing one is removed
 * first) or when the profile writes none; one of other settings is announced
 * and not used; a damaged one throws {@link CheckpointError}.
 */
async function checkpointToResume(
  ckptDir: string,
  matches: (stored: string) => boolean,
  model: CellModel,
  plan: RunPlan,
  opts: TrainRunOptions,
  say: (line: string) => void | Promise<void>,
): Promise<TrainCheckpoint | undefined> {
  if (opts.force) {
    if (await pathExists(ckptDir)) {
      await removeCheckpoint(ckptDir);
      await say(`removed the checkpoint ${ckptDir} (forced: training from scratch)`);
    }
    return undefined;
  }
  if (plan.profile.checkpointEvery <= 0) return undefined;
  const sizes = new Map([...model.params].map(([name, p]) => [name, p.size]));
  const state = await readCheckpoint(ckptDir, matches, sizes, usesBlas());
  if (state.status === "other-settings") {
    await say(`the checkpoint ${state.path} was written for other settings; training from scratch`);
  }
  if (state.status !== "ok") return undefined;
  const rule = plan.profile.stopping;
  const past = rule
    ? firstStop(state.checkpoint.history.map((h) => h.heldOutAccuracy ?? NaN), rule, {
      ...plan.stopGoal,
      epochs: plan.epochs,
    })
    : null;
  if (past && past.epoch < state.checkpoint.epoch) {
    await say(
      `the checkpoint ${state.path} (epoch ${state.checkpoint.epoch}) trained past epoch ` +
        `${past.epoch}, where the current rule stops (${stopLabel(past)}); training from scratch`,
    );
    return undefined;
  }
  await say(
    `resuming after epoch ${state.checkpoint.epoch} from ${state.path}${
      state.verified ? "" : " (written without a checksum: not verified)"
    }`,
  );
  return state.checkpoint;
}

/** The held-out samples of an early-stopping rule, and the training positions left. */
interface HeldOut {
  source: SequenceSource;
  indices: Int32Array;
  /** Training positions not held out (null: all of them, Experiment 1). */
  remaining: Int32Array | null;
  name: string;
}

/**
 * Experiment 1 decides on its 12k validation split; a MAJ fold holds a seeded
 * share of its training samples out (the fold's test samples stay unseen).
 */
function heldOutSamples(sources: FoldSources, share: number, label: string): HeldOut {
  if (sources.val) {
    return {
      source: sources.val,
      indices: Int32Array.from({ length: sources.val.n }, (_, i) => i),
      remaining: null,
      name: `validation split (${sources.val.n} samples)`,
    };
  }
  const { heldOut, remaining } = holdOut(sources.train.n, share, label);
  return {
    source: sources.train,
    indices: heldOut,
    remaining,
    name: `${heldOut.length} samples held out of the fold's training part`,
  };
}

async function trainFold(
  plan: RunPlan,
  key: RunKey,
  dir: string,
  task: Task,
  display: ProgressDisplay,
  lock: RunLock,
  opts: TrainRunOptions,
): Promise<RunManifest> {
  const started = new Date();
  const t0 = performance.now();
  const sources = foldSources(task, key.fold);
  const leaf = key.fold === null ? "split" : `fold-${key.fold}of${key.folds}`;
  const stopping = plan.profile.stopping;
  const heldOut = stopping
    ? heldOutSamples(sources, stopping.holdOut, `${plan.dataset}/${leaf}`)
    : null;
  const trainable = heldOut?.remaining ?? null;
  const subset = sampleSubset(
    trainable?.length ?? sources.train.n,
    plan.trainSamples,
    `${plan.dataset}/${leaf}/train`,
  );
  const trainIdx = trainable ? subset.map((i) => trainable[i]) : subset;
  const testIdx = sampleSubset(
    sources.test.n,
    plan.profile.testSamples,
    `${plan.dataset}/${leaf}/test`,
  );
  const fingerprint = settingsFingerprint(plan, key);
  const ckptDir = checkpointDir(dir);
  const model = createModel(plan.spec, {
    seed: plan.seed,
    biasMode: plan.biasMode,
    keepProb: KEEP_PROB,
  });
  try {
    const resume = await checkpointToResume(
      ckptDir,
      sameSettings(plan, key),
      model,
      plan,
      opts,
      (line) => display.message(`${leafLabel(key)}: ${line}`),
    );
    const trained = await trainModel(model, sources.train, {
      epochs: plan.epochs,
      learningRate: plan.learningRate,
      seed: plan.seed,
      indices: trainIdx,
      fold: key.fold,
      resume,
      signal: opts.signal,
      stopping: stopping && heldOut
        ? {
          rule: stopping,
          source: heldOut.source,
          indices: heldOut.indices,
          target: plan.stopGoal.target,
          floor: plan.stopGoal.floor,
        }
        : undefined,
      onProgress: async (p) => {
        lock.refresh();
        await display.update(p);
        await opts.onProgress?.(p);
      },
      onEpoch: plan.profile.checkpointEvery > 0
        ? async (c) => {
          if (c.epoch % plan.profile.checkpointEvery === 0 && c.epoch < plan.epochs) {
            await writeCheckpoint(ckptDir, c, fingerprint, usesBlas());
          }
        }
        : undefined,
    });
    const t1 = performance.now();
    const local = await evaluateModel(model, sources.test, {
      indices: testIdx,
      onProgress: () => lock.refresh(),
    });
    const predictions: Predictions = { ...local, sample: sources.testIds(local.sample) };
    const t2 = performance.now();
    const staging = await createStagingFolder(dir);
    try {
      await saveWeights(model, join(staging, RUN_FILES.weights), {
        dataset: key.dataset,
        profile: key.profile,
        seed: String(key.seed),
        fold: key.fold === null ? "split" : `${key.fold}/${key.folds}`,
      });
      await writePredictions(join(staging, RUN_FILES.predictions), predictions);
      const counts = countParameters(analyseCell(plan.spec));
      const backend = backendInfo();
      const git = await gitState();
      const manifest: RunManifest = {
        format: "rnnx-run/1",
        key,
        cell: {
          id: plan.spec.id,
          label: plan.spec.label,
          T: plan.spec.T,
          width: plan.spec.width,
          columns: plan.spec.columns,
          params: counts.params,
          params_thesis: counts.paramsThesis,
          notes: plan.spec.notes,
        },
        profile: { ...plan.profile },
        training: {
          epochs: plan.epochs,
          batchSize: BATCH_SIZE,
          learningRate: plan.learningRate,
          optimizer: { name: "adam", ...ADAM_DEFAULTS },
          keepProb: KEEP_PROB,
          biasMode: plan.biasMode,
          loss: "softmax cross-entropy over the 10 logits and a constant zero logit",
          trainSamples: trainIdx.length,
          trainSource: sources.trainName,
          resumedFromEpoch: resume?.epoch ?? 0,
          history: trained.history,
          ...(trained.stop && heldOut
            ? { stopping: { ...trained.stop, rule: stopping!, heldOutSource: heldOut.name } }
            : {}),
        },
        evaluation: {
          source: sources.testName,
          samples: testIdx.length,
          accuracy: predictions.accuracy,
          loss: predictions.loss,
        },
        timings: {
          startedAt: started.toISOString(),
          finishedAt: new Date().toISOString(),
          trainSeconds: (t1 - t0) / 1000,
          evalSeconds: (t2 - t1) / 1000,
          totalSeconds: (performance.now() - t0) / 1000,
        },
        environment: {
          backend: backend.name,
          backendDetail: backend.detail,
          blas: backend.blas ?? null,
          tfjs: backend.tfjsVersion,
          deno: Deno.version.deno,
          os: `${Deno.build.os}-${Deno.build.arch}`,
          gitCommit: git.commit,
          gitDirty: git.dirty,
        },
        files: {
          weights: await describeFile(staging, RUN_FILES.weights),
          predictions: await describeFile(staging, RUN_FILES.predictions),
        },
      };
      await writeFileAtomic(
        join(staging, RUN_FILES.manifest),
        JSON.stringify(manifest, null, 2) + "\n",
      );
      await commitStagingDir(staging, dir, key);
    } catch (e) {
      await Deno.remove(staging, { recursive: true }).catch(() => {});
      throw e;
    }
    await removeCheckpoint(ckptDir);
    return await readManifest(dir, key);
  } finally {
    disposeModel(model);
  }
}

const taskCache = new Map<string, Promise<Task>>();

/**
 * Loads the task of a plan once per process (with default task options), so
 * that training one cell after another does not rebuild the MAJ sets.
 */
function cachedTask(plan: RunPlan, options?: TaskOptions): Promise<Task> {
  const taskOptions = { ...options, ...(plan.folds === null ? {} : { folds: plan.folds }) };
  if (options && Object.keys(options).length > 0) return loadTask(plan.dataset, taskOptions);
  const id = `${plan.dataset}/${plan.folds}`;
  let p = taskCache.get(id);
  if (!p) {
    p = loadTask(plan.dataset, taskOptions);
    p.catch(() => taskCache.delete(id));
    taskCache.set(id, p);
  }
  return p;
}

function leafLabel(key: RunKey): string {
  const where = key.fold === null ? "split" : `fold ${key.fold}/${key.folds}`;
  return `${key.dataset} ${key.cell} T${key.T} ${where}`;
}

/** What {@link inspectStored} found in a run directory. */
interface StoredState {
  /** The stored run, when it is complete and made with the plan's settings. */
  run: RunResult | null;
  /** What to tell the user; null when nothing is stored at all. */
  note: string | null;
}

/**
 * Whether `dir` holds a complete run made with the plan's settings, and what
 * to say about it. A run whose stop the current rule would not repeat
 * ({@link stopDifference}) is trained again, except when only stored runs are
 * read: then it is read as stored and says so.
 */
async function inspectStored(
  dir: string,
  key: RunKey,
  plan: RunPlan,
  storedOnly: boolean,
): Promise<StoredState> {
  let m: RunManifest;
  try {
    m = await readManifest(dir, key);
  } catch (e) {
    if (!(e instanceof RunStoreError)) throw e;
    const stored = await pathExists(dir);
    return {
      run: null,
      note: stored ? `stored run is unusable (${e.message}), training again` : null,
    };
  }
  const difference = settingsDifference(m, plan);
  if (difference !== null) {
    return { run: null, note: `stored run has other settings (${difference}), training again` };
  }
  const found = `complete run found (accuracy ${(100 * m.evaluation.accuracy).toFixed(2)}%)`;
  const earlier = stopDifference(m, plan);
  if (earlier === null) {
    return { run: { key, dir, manifest: m, skipped: true }, note: `${found}, skipped` };
  }
  if (!storedOnly) {
    return {
      run: null,
      note: `stored run was stopped by an earlier rule (${earlier}), training again`,
    };
  }
  return {
    run: { key, dir, manifest: m, skipped: true, earlierRule: earlier },
    note: `${found}, read as stored although it was stopped by an earlier rule (${earlier}); ` +
      "training would replace it",
  };
}

/**
 * Trains, evaluates and stores every requested fold of a cell on a dataset
 * under a profile; folds with a complete stored run (same settings) are
 * skipped. Returns one result per fold, in fold order.
 *
 * @example
 * ```ts ignore
 * import { trainRun } from "./run.ts";
 * const results = await trainRun({ dataset: "mnist-maj", cell: "deep", profile: "smoke" });
 * for (const r of results) console.log(r.key.fold, r.manifest.evaluation.accuracy, r.skipped);
 * ```
 */
export async function trainRun(opts: TrainRunOptions): Promise<RunResult[]> {
  const plan = planRun(opts);
  const root = opts.root ?? defaultRunsRoot();
  await initBackend({ quiet: true });
  const display = typeof opts.progress === "object"
    ? opts.progress
    : createProgressDisplay(opts.progress ?? "auto");
  if (opts.task && opts.task.id !== plan.dataset) {
    throw new RunOptionError(`the given task is ${opts.task.id}, expected ${plan.dataset}`);
  }
  let task: Task | undefined = opts.task;
  const results: RunResult[] = [];
  try {
    for (const fold of plan.foldList) {
      const key = runKey(plan, fold);
      const dir = runDir(root, key);
      const say = (line: string) => display.message(`${leafLabel(key)}: ${line}`);
      const first = opts.force ? null : await inspectStored(dir, key, plan, !!opts.storedOnly);
      if (first?.run) {
        await say(first.note!);
        results.push(first.run);
        continue;
      }
      if (opts.storedOnly) {
        await say(
          `${
            first?.note?.replace(/, training again$/, "") ?? "not stored"
          }; not trained (stored runs only)`,
        );
        continue;
      }
      const lock = await acquireRunLock(dir, {
        wait: true,
        signal: opts.signal,
        onWait: (holder) => say(`waiting for ${describeHolder(holder)}, which is training it`),
        onStale: (holder, reason) =>
          say(`took over the stale lock of ${describeHolder(holder)}: ${reason}`),
      });
      try {
        for (const line of await removeStaleStaging(dir, key)) await say(line);
        // another process trained it while this one waited: reuse its run, even when forced
        const now = opts.force && !lock.waited ? null : await inspectStored(dir, key, plan, false);
        if (now?.run) {
          await say(now.note!);
          results.push(now.run);
          continue;
        }
        if (now?.note) await say(now.note);
        else if (opts.force && await pathExists(dir)) {
          await say(
            "training again (forced); the stored run is replaced once the new one is complete",
          );
        }
        task ??= await cachedTask(plan, opts.taskOptions);
        if (task.kind === "cv" && task.k !== plan.folds) {
          throw new RunOptionError(`the task has ${task.k} folds, the run asks for ${plan.folds}`);
        }
        const manifest = await trainFold(plan, key, dir, task, display, lock, opts);
        await display.message(
          `${leafLabel(key)}: test accuracy ${(100 * manifest.evaluation.accuracy).toFixed(2)}% ` +
            `on ${manifest.evaluation.samples} samples, ${
              trainingSeconds(manifest).toFixed(1)
            } s of training${
              manifest.training.resumedFromEpoch > 0
                ? ` (${
                  manifest.timings.trainSeconds.toFixed(1)
                } s of it in this process, resumed after epoch ${manifest.training.resumedFromEpoch})`
                : ""
            }`,
        );
        results.push({ key, dir, manifest, skipped: false });
      } finally {
        await lock.release();
      }
    }
  } finally {
    await display.close();
  }
  return results;
}

/** Which stored run {@link loadRun} reads. */
export interface LoadRunOptions {
  /** Task id. */
  dataset: string;
  /** Cell id. */
  cell: string;
  /** Sequence length (default as in {@link trainRun}). */
  T?: number;
  /** Profile name (default: env `RNNX_PROFILE`, else `quick`). */
  profile?: string;
  /** Run seed (default 0). */
  seed?: number;
  /** K (default: the profile's), MAJ datasets only. */
  folds?: number;
  /** Fold (default 0), MAJ datasets only. */
  fold?: number;
  /** Bias mode (default `code`). */
  biasMode?: BiasMode;
  /** Runs root. */
  root?: string;
}

/** A stored run read back. */
export interface LoadedRun extends StoredRun {
  /** The model with the stored weights (release it with `disposeModel`). */
  model: CellModel;
  /** Per-sample predictions (the logits are recomputed from the model when needed). */
  predictions: StoredPredictions;
}

/**
 * Reads a complete stored run: manifest, model (weights loaded) and
 * predictions. Throws {@link RunStoreError} when it is missing or incomplete.
 *
 * @example
 * ```ts ignore
 * import { loadRun } from "./run.ts";
 * const run = await loadRun({ dataset: "mnist-maj", cell: "deep", profile: "quick", fold: 0 });
 * console.log(run.manifest.evaluation.accuracy, run.predictions.sample.length);
 * ```
 */
export async function loadRun(opts: LoadRunOptions): Promise<LoadedRun> {
  const maj = isMajTask(opts.dataset);
  const plan = planRun({
    dataset: opts.dataset,
    cell: opts.cell,
    T: opts.T,
    profile: opts.profile ?? defaultProfileName(),
    seed: opts.seed,
    biasMode: opts.biasMode,
    folds: maj ? opts.folds : undefined,
    fold: maj ? opts.fold ?? 0 : undefined,
  });
  const key = runKey(plan, plan.foldList[0]);
  const dir = runDir(opts.root ?? defaultRunsRoot(), key);
  return await loadStoredRun(dir, key);
}

/** Reads the run stored in `dir` (see {@link loadRun}); `expected` checks its key. */
export async function loadStoredRun(dir: string, expected?: RunKey): Promise<LoadedRun> {
  const manifest = await readManifest(dir, expected);
  await initBackend({ quiet: true });
  const model = await loadModel(join(dir, manifest.files.weights.name));
  const predictions = readPredictions(
    join(dir, manifest.files.predictions.name),
    manifest.evaluation.loss,
  );
  return { dir, manifest, model, predictions };
}

/** The predictions of a stored run as a polars DataFrame. */
export function runPredictionsFrame(run: StoredRun): pl.DataFrame {
  return readPredictionsFrame(join(run.dir, run.manifest.files.predictions.name));
}
