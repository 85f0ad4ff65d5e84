/**
 * Training profiles: how much data and compute one run gets. `full` is the
 * thesis protocol; `quick` makes every model of the four notebooks in well
 * under half of a 45-minute budget on a 2-core CPU; `smoke` takes seconds per
 * model, for CI.
 *
 * How `quick` was sized. Throughput of one Adam step with dropout (batch 50)
 * and of evaluation (batch 250) at T = 12, wasm backend with OpenBLAS, one
 * thread, measured on the 2-core development machine with
 * `deno task bench --cases train,eval` (sequences per second):
 *
 * | cell (T = 12) | train seq/s | eval seq/s |
 * | --- | ---: | ---: |
 * | Shallow, Deep, DeepV2, Deep-SD | 3,388 / 3,129 / 3,460 / 4,361 | 17,918 / 21,322 / 19,090 / 20,490 |
 * | R-LSTM, R-LSTM-SD | 3,191 / 2,915 | 16,210 / 16,130 |
 * | ConvDeep, ConvR-LSTM-SD | 638 / 644 | 1,829 / 1,747 |
 * | Conv⁺Deep, Conv⁺R-LSTM-SD | 113 / 111 | 380 / 391 |
 *
 * The notebooks train 2 LeNet-5 + 12 Experiment-1 models (Shallow and Deep at
 * T = 1, 4, 7 on both datasets) and 10 MAJ cells × 2 datasets × 2 folds = 40
 * MAJ models, and the standard LSTM and GRU beside them (8 more dense MAJ
 * models, not in the estimate below). `quick` gives each 3 epochs over 20,000 training samples
 * (60,000 sequences), the conv cells 6,000 samples and the literal-connection
 * cells 1,000, and evaluates 2,000 test samples. Predicted training time: the
 * 24 dense MAJ models about 440 s, the 8 conv models about 230 s, the 8 Conv⁺
 * models about 215 s, the 14 Experiment-1 and LeNet-5 models about 190 s:
 * about 18 minutes, leaving the rest of the 45-minute budget to data loading,
 * explanations, evaluation and figures (measured: see the README). With
 * 100× fewer optimiser steps than the thesis, `quick` and `smoke` scale the
 * thesis's learning rate up (5× and 10×): at the thesis's 0.0002, Deep needs
 * about 1,000 steps to leave the initial plateau (ln 11 ≈ 2.40), at 0.001 a
 * few hundred.
 *
 * @module
 */
import { UnknownProfileError } from "./errors.ts";
import type { StoppingRule } from "./stopping.ts";

/** Per-cell overrides of a profile's subset size and epochs. */
export interface CellBudget {
  /** Training samples (null: all). */
  trainSamples?: number | null;
  /** Epochs. */
  epochs?: number;
  /** Test samples explained per fold or split by the quantitative evaluation (null: all). */
  explainSamples?: number | null;
}

/** The names of the defined profiles. */
export type ProfileName = "smoke" | "quick" | "converged" | "full";

/** A training profile. */
export interface TrainProfile {
  /** Profile name. */
  readonly name: ProfileName;
  /** One line on what it is for. */
  readonly description: string;
  /** Epochs. */
  readonly epochs: number;
  /** Number of cross-validation folds K for MAJ datasets. */
  readonly folds: number;
  /** Training samples per fold or split (a seeded random subset), or null for all. */
  readonly trainSamples: number | null;
  /** Test samples per fold or split (a seeded random subset), or null for all. */
  readonly testSamples: number | null;
  /** Factor applied to the thesis's learning rate. */
  readonly learningRateScale: number;
  /** Write a resumable checkpoint every this many epochs (0: never). */
  readonly checkpointEvery: number;
  /** Smaller budgets for expensive cells, by cell id. */
  readonly cells: Readonly<Record<string, CellBudget>>;
  /**
   * Test samples explained per fold or split by the quantitative evaluation
   * of the notebooks (a seeded subset of the evaluated test samples; null:
   * all; absent: as many as `testSamples`). Cells may override it.
   */
  readonly explainSamples?: number | null;
  /** Early stopping on held-out training samples (absent: train all `epochs`). */
  readonly stopping?: StoppingRule;
  /** MAJ folds trained when none are named (absent: all `folds`). */
  readonly trainFolds?: number;
}

/** CI: a few seconds per model. */
export const SMOKE: TrainProfile = {
  name: "smoke",
  description: "CI check: 500 training and 200 test samples, 1 epoch, 2 folds",
  epochs: 1,
  folds: 2,
  trainSamples: 500,
  testSamples: 200,
  learningRateScale: 10,
  checkpointEvery: 0,
  cells: {},
  explainSamples: 40,
};

/** The notebooks' default: every notebook model in about 18 minutes on 2 cores (see above). */
export const QUICK: TrainProfile = {
  name: "quick",
  description: "notebooks: 3 epochs over 20,000 training samples (fewer for conv cells), " +
    "2,000 test samples, 2 folds",
  epochs: 3,
  folds: 2,
  trainSamples: 20000,
  testSamples: 2000,
  learningRateScale: 5,
  checkpointEvery: 0,
  explainSamples: 500,
  cells: {
    "convdeep": { trainSamples: 6000, explainSamples: 300 },
    "convrlstm-sd": { trainSamples: 6000, explainSamples: 300 },
    "conv+deep": { trainSamples: 1000, explainSamples: 200 },
    "conv+rlstm-sd": { trainSamples: 1000, explainSamples: 200 },
  },
};

/** The thesis protocol: all data, 100 epochs, 7 folds, the thesis's learning rates. */
export const FULL: TrainProfile = {
  name: "full",
  description: "thesis protocol: all samples, 100 epochs, 7 folds, thesis learning rates",
  epochs: 100,
  folds: 7,
  trainSamples: null,
  testSamples: null,
  learningRateScale: 1,
  checkpointEvery: 1,
  cells: {},
  explainSamples: null,
};

/**
 * The thesis's models at the thesis's accuracy: all training samples, the
 * thesis's learning rates and at most its 100 epochs (200 for the models the
 * thesis's own code trained that long: the caller's `epochLimit`), stopped early by the
 * rule of `stopping.ts` (target: the thesis's reported accuracy of the model,
 * at least the Table 3.2 minimum plus 0.5 pp; plateau: no gain of 0.05 pp in
 * held-out accuracy for 8 epochs, once the best reaches that floor). The rule
 * decides on 1/12 of each fold's training samples (5,000 of 60,000), held out
 * from training, and on the 12k validation split in Experiment 1; the tables
 * report the test samples. MAJ uses the thesis's 7 folds of 10,000 test
 * samples and trains the first 3 unless folds are named.
 */
export const CONVERGED: TrainProfile = {
  name: "converged",
  description: "thesis accuracy: all samples, thesis learning rates, at most 100 epochs " +
    "(200 where the thesis trained longer), " +
    "early stopping on held-out training samples, folds 0-2 of 7",
  epochs: 100,
  folds: 7,
  trainFolds: 3,
  trainSamples: null,
  testSamples: null,
  learningRateScale: 1,
  checkpointEvery: 1,
  cells: {},
  explainSamples: 2000,
  stopping: { patience: 8, minDelta: 0.0005, holdOut: 1 / 12 },
};

/** Every profile by name. */
export const PROFILES: Readonly<Record<ProfileName, TrainProfile>> = {
  smoke: SMOKE,
  quick: QUICK,
  converged: CONVERGED,
  full: FULL,
};

/** The profile names. */
export const PROFILE_NAMES: readonly ProfileName[] = ["smoke", "quick", "converged", "full"];

/** The environment variable that sets the default profile (e.g. for notebooks). */
export const PROFILE_ENV = "RNNX_PROFILE";

/**
 * Checks a profile name; an unknown name throws {@link UnknownProfileError}
 * listing the valid ones.
 */
export function parseProfileName(name: string): ProfileName {
  if ((PROFILE_NAMES as readonly string[]).includes(name)) return name as ProfileName;
  throw new UnknownProfileError(name, PROFILE_NAMES);
}

/** The default profile name: env `RNNX_PROFILE` if set (validated), else `quick`. */
export function defaultProfileName(): ProfileName {
  let env: string | undefined;
  try {
    env = Deno.env.get(PROFILE_ENV)?.trim();
  } catch {
    env = undefined;
  }
  return env ? parseProfileName(env) : "quick";
}

/**
 * The profile called `name`; an unknown name throws {@link UnknownProfileError}
 * listing the valid ones.
 *
 * @example
 * ```ts
 * import { getProfile } from "./profiles.ts";
 * if (getProfile("full").epochs !== 100) throw new Error();
 * ```
 */
export function getProfile(name: string): TrainProfile {
  return PROFILES[parseProfileName(name)];
}

/** The subset size and epochs a profile gives a cell. */
export function cellBudget(
  profile: TrainProfile,
  cell: string,
): { trainSamples: number | null; epochs: number } {
  const o = Object.hasOwn(profile.cells, cell) ? profile.cells[cell] : {};
  return {
    trainSamples: o.trainSamples !== undefined ? o.trainSamples : profile.trainSamples,
    epochs: o.epochs ?? profile.epochs,
  };
}
