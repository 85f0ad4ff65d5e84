/**
 * Explaining stored models on test samples, the way every experiment does:
 * the TRUE class is explained, the Conv⁺ first layer uses the conservative
 * rule ({@link CONV_PLUS_RULE}), and a MAJ sample is explained by the model
 * of the fold that held it out.
 *
 * @module
 */
import { type CellModel, disposeModel } from "../cells/mod.ts";
import type { Batch, SequenceSource, Task } from "../data/mod.ts";
import { explain, methodNames, parseMethod } from "../relevance/mod.ts";
import { loadStoredRun } from "../train/mod.ts";
import { CONV_PLUS_RULE } from "./context.ts";
import { ExperimentInputError, GridLookupError } from "./errors.ts";
import type { GridEntry } from "./grid.ts";

/** A test sample of a task, found in the task's sources. */
export interface LocatedSample {
  /** Position in the test set (official test set, or this project's MAJ test set). */
  position: number;
  /** The source to read it from. */
  source: SequenceSource;
  /** Its index in `source`. */
  index: number;
  /** The fold whose test part holds it (MAJ), or null for the single split. */
  fold: number | null;
}

function bisect(sorted: Int32Array, value: number): boolean {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] === value) return true;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/**
 * Finds test sample `position` of a task. For MAJ tasks the test set is the
 * MAJ construction of the official test set, stacked after the training part
 * (train, test, val); the sample's fold is the one whose test part holds it.
 *
 * @example
 * ```ts ignore
 * const s = locateTestSample(await cachedTask("mnist-maj", 2), 22);
 * console.log(s.index, s.fold); // 48022, 0 or 1
 * ```
 */
export function locateTestSample(
  task: Task,
  position: number,
  folds?: readonly { test: Int32Array }[],
): LocatedSample {
  if (task.kind === "single") {
    if (!(Number.isInteger(position) && position >= 0 && position < task.test.n)) {
      throw new ExperimentInputError(
        `${task.id}: test position ${position} is out of range 0..${task.test.n - 1}`,
      );
    }
    return { position, source: task.test, index: position, fold: null };
  }
  const testPart = task.parts.test;
  if (!(Number.isInteger(position) && position >= 0 && position < testPart.n)) {
    throw new ExperimentInputError(
      `${task.id}: MAJ test position ${position} is out of range 0..${testPart.n - 1}`,
    );
  }
  const start = task.all.parts.indexOf(testPart);
  const index = task.all.offsets[start] + position;
  const fold = (folds ?? task.folds()).findIndex((f) => bisect(f.test, index));
  return { position, source: task.all, index, fold };
}

/** Test samples in folds that have a model: each as asked, or its stand-in. */
export interface FoldSamples {
  /** The samples, in the order asked. */
  samples: LocatedSample[];
  /** Asked positions whose fold has no model, each with the position shown instead. */
  replaced: { asked: number; fold: number; shown: number }[];
}

/**
 * Locates test samples of a MAJ task and replaces every one whose fold is
 * not among `folds` (e.g. a profile that trains folds 0–2 of 7) by the next
 * test position, in order and wrapping round, that a fold of `folds` holds
 * and that is not shown already. Plain tasks have no folds and keep their
 * samples.
 *
 * @example
 * ```ts ignore
 * const { samples, replaced } = samplesInFolds(await cachedTask("mnist-maj", 7), [22, 99], [0, 1, 2]);
 * ```
 */
export function samplesInFolds(
  task: Task,
  positions: readonly number[],
  folds: readonly number[],
): FoldSamples {
  if (task.kind === "single") {
    return { samples: positions.map((p) => locateTestSample(task, p)), replaced: [] };
  }
  if (folds.length === 0) {
    throw new ExperimentInputError(`${task.id}: no fold has a model, so no sample can be shown`);
  }
  const all = task.folds();
  const n = task.parts.test.n;
  const taken = new Set(positions);
  const replaced: FoldSamples["replaced"] = [];
  const samples = positions.map((asked) => {
    const here = locateTestSample(task, asked, all);
    if (folds.includes(here.fold!)) return here;
    for (let step = 1; step < n; step++) {
      const q = (asked + step) % n;
      if (taken.has(q)) continue;
      const there = locateTestSample(task, q, all);
      if (folds.includes(there.fold!)) {
        taken.add(q);
        replaced.push({ asked, fold: here.fold!, shown: q });
        return there;
      }
    }
    throw new ExperimentInputError(
      `${task.id}: no test position outside ${[...taken].join(", ")} lies in folds ${
        folds.join(", ")
      }`,
    );
  });
  return { samples, replaced };
}

/** The explanation of a batch by one method. */
export interface BatchExplanation {
  /** Method id. */
  method: string;
  /** Heatmaps [B, 28, W]. */
  relevance: Float32Array;
  /** Logits [B, 10]. */
  logits: Float32Array;
  /** Predicted class (argmax of the logits) [B]. */
  predictions: Int32Array;
}

/**
 * The explain options the experiments use for `method`: the conservative
 * Conv⁺ rule for the methods that take it (DTD, LRP-αβ), nothing else.
 *
 * @example
 * ```ts
 * import { methodOptions } from "./explanations.ts";
 * if (methodOptions("dtd").convPlusFirstLayer !== "conservative") throw new Error();
 * if ("convPlusFirstLayer" in methodOptions("lrp-epsilon")) throw new Error();
 * ```
 */
export function methodOptions(
  method: string,
): { method: string; convPlusFirstLayer?: "conservative" | "original" } {
  const info = parseMethod(method);
  return Object.hasOwn(info.options, "convPlusFirstLayer")
    ? { method, convPlusFirstLayer: CONV_PLUS_RULE }
    : { method };
}

/** Explains a batch with one method, targeting the true labels. */
export function explainBatch(model: CellModel, batch: Batch, method: string): BatchExplanation {
  const e = explain(model, batch.x, { ...methodOptions(method), targets: batch.labels });
  const predictions = new Int32Array(batch.size);
  for (let b = 0; b < batch.size; b++) {
    let best = 0;
    for (let c = 1; c < 10; c++) if (e.logits[b * 10 + c] > e.logits[b * 10 + best]) best = c;
    predictions[b] = best;
  }
  return { method, relevance: e.relevance, logits: e.logits, predictions };
}

/** Checks method ids against the registry (unknown ones list the valid ones). */
export function checkMethods(methods: readonly string[]): void {
  for (const m of methods) parseMethod(m);
  if (methods.length === 0) {
    throw new ExperimentInputError(`no methods given; valid: ${methodNames().join(", ")}`);
  }
}

/**
 * Loads the model of a grid entry's fold (null: the single split), runs `fn`
 * with it and releases it.
 */
export async function withRunModel<T>(
  entry: GridEntry,
  fold: number | null,
  fn: (model: CellModel, dir: string) => Promise<T> | T,
): Promise<T> {
  const run = entry.runs.find((r) => r.key.fold === fold);
  if (!run) {
    const have = entry.runs.map((r) => r.key.fold === null ? "split" : `fold ${r.key.fold}`);
    throw new GridLookupError(
      `${entry.dataset}/${entry.cell}-T${entry.T} has no run for ${
        fold === null ? "the single split" : `fold ${fold}`
      }; it has ${have.join(", ")}`,
    );
  }
  const loaded = await loadStoredRun(run.dir, run.key);
  try {
    return await fn(loaded.model, run.dir);
  } finally {
    disposeModel(loaded.model);
  }
}
