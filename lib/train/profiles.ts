/**
 * Training profiles: how much data and compute one run gets. `full` is the
 * thesis protocol; `quick` makes every model of the four notebooks in well
 * under half of a 45-minute budget on a 2-core CPU; `smoke` takes seconds per
 * model, for CI.
 *
 * How `quick` was sized. Throughput of one Adam step with dropout (batch 50)
 * and of evaluation (batch 250), wasm backend, single-threaded, measured on
 * the 2-core development machine as sequences per CPU-second (wall-clock on
 * a busy machine was up to 2× lower; `deno task bench` re-measures):
 *
 * | cell (T) | train seq/s | eval seq/s |
 * | --- | ---: | ---: |
 * | Shallow 1 / 4 / 7 | 4,428 / 3,074 / 1,971 | 36,865 / 12,950 / 11,002 |
 * | Deep 1 / 4 / 7 | 4,932 / 2,201 / 1,635 | 47,348 / 16,240 / 10,855 |
 * | LeNet-5 (1) | 1,413 | 7,900 |
 * | Shallow, Deep, DeepV2, Deep-SD (12) | 1,059 / 857 / 940 / 978 | 4,435 / 5,264 / 5,068 / 5,337 |
 * | R-LSTM, R-LSTM-SD (12) | 803 / 916 | 4,313 / 4,406 |
 * | ConvDeep, ConvR-LSTM-SD (12) | 292 / 279 | 1,133 / 1,364 |
 * | Conv⁺Deep, Conv⁺R-LSTM-SD (12) | 70 / 70 | 262 / 288 |
 *
 * The notebooks train 2 LeNet-5 + 12 Experiment-1 models (Shallow and Deep at
 * T = 1, 4, 7 on both datasets) and 10 MAJ cells × 2 datasets × 2 folds = 40
 * MAJ models. With 2 epochs over 10,000 training samples, 2,000 test samples,
 * and smaller subsets for the conv cells (3,000) and the literal-connection
 * cells (1,000), the predicted cost is: Experiment 1 + LeNet 121 s; the six
 * dense MAJ cells 522 s; ConvDeep and ConvR-LSTM-SD 168 s; Conv⁺Deep and
 * Conv⁺R-LSTM-SD 229 s; evaluation 86 s; model set-up and saving about 30 s.
 * In total about 1,160 s (19 minutes), leaving more than half of the budget
 * to data loading and explanations. Measured end to end (all 54 models, one
 * process, on a machine shared with other jobs): 1,076 CPU-seconds, 1,190 s
 * wall-clock. Test accuracies reached: Experiment 1 MNIST 88–93 %, Fashion
 * 73–82 %, LeNet-5 96 % / 78 %; MAJ dense cells 54–84 %; ConvDeep and
 * ConvR-LSTM-SD 32–62 %; the Conv⁺ cells 9–38 % (about 40 optimiser steps,
 * far from trained: use `full` for conclusions about them). Explaining the
 * Conv⁺ models is costly too (their forward pass runs at about 270 seq/s).
 *
 * With some 300× fewer optimiser steps than the thesis, `quick` and `smoke`
 * scale the thesis's learning rate up (5× and 10×): after 200 steps, Deep at
 * T = 7 reached 44 % MNIST test accuracy with the thesis's 0.0002 and 78 %
 * with 0.001.
 *
 * @module
 */
import { UnknownProfileError } from "./errors.ts";

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
export type ProfileName = "smoke" | "quick" | "full";

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

/** The notebooks' default: every notebook model in about 19 minutes on 2 cores (see above). */
export const QUICK: TrainProfile = {
  name: "quick",
  description: "notebooks: 2 epochs over 10,000 training samples (fewer for conv cells), " +
    "2,000 test samples, 2 folds",
  epochs: 2,
  folds: 2,
  trainSamples: 10000,
  testSamples: 2000,
  learningRateScale: 5,
  checkpointEvery: 0,
  explainSamples: 500,
  cells: {
    "convdeep": { trainSamples: 3000, explainSamples: 300 },
    "convrlstm-sd": { trainSamples: 3000, explainSamples: 300 },
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

/** Every profile by name. */
export const PROFILES: Readonly<Record<ProfileName, TrainProfile>> = {
  smoke: SMOKE,
  quick: QUICK,
  full: FULL,
};

/** The profile names. */
export const PROFILE_NAMES: readonly ProfileName[] = ["smoke", "quick", "full"];

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
