/**
 * Error classes of the training layer. Each message names what was expected
 * and what was found.
 *
 * @module
 */

/** Where in training a problem happened. */
export interface TrainingPlace {
  /** Cell id. */
  cell: string;
  /** Fold number (0-based), or null for the single Experiment-1 split. */
  fold: number | null;
  /** Epoch (1-based). */
  epoch: number;
  /** Batch within the epoch (1-based). */
  batch: number;
}

/**
 * The loss became NaN or infinite; training stops at once.
 *
 * @example
 * ```ts
 * import { TrainingDivergedError } from "./errors.ts";
 * const e = new TrainingDivergedError({ cell: "deep", fold: 2, epoch: 3, batch: 17 }, NaN);
 * if (!e.message.includes("fold 2, epoch 3, batch 17")) throw e;
 * ```
 */
export class TrainingDivergedError extends Error {
  /** Where it happened. */
  readonly place: TrainingPlace;
  /** The loss value that was seen. */
  readonly loss: number;

  /** Creates the error for `place` and the offending `loss`. */
  constructor(place: TrainingPlace, loss: number) {
    const fold = place.fold === null ? "single split" : `fold ${place.fold}`;
    super(
      `training of ${place.cell} diverged at ${fold}, epoch ${place.epoch}, batch ${place.batch}: ` +
        `loss is ${loss}, expected a finite number`,
    );
    this.name = "TrainingDivergedError";
    this.place = place;
    this.loss = loss;
  }
}

/** A profile name that is not defined. */
export class UnknownProfileError extends Error {
  /** Creates the error for `requested`, listing the `valid` names. */
  constructor(requested: string, valid: readonly string[]) {
    super(`unknown profile "${requested}"; valid profiles: ${valid.join(", ")}`);
    this.name = "UnknownProfileError";
  }
}

/** A run option that is out of range or does not fit the task (fold number, sample counts...). */
export class RunOptionError extends Error {
  /** Creates the error with a message naming the option, what was expected and what was found. */
  constructor(message: string) {
    super(message);
    this.name = "RunOptionError";
  }
}

/** A stored run that is missing, incomplete or does not match what was asked for. */
export class RunStoreError extends Error {
  /** The run directory concerned. */
  readonly dir: string;

  /** Creates the error for run directory `dir`. */
  constructor(dir: string, problem: string) {
    super(`${dir}: ${problem}`);
    this.name = "RunStoreError";
    this.dir = dir;
  }
}

/** A checkpoint that cannot be used: corrupted, incomplete or not matching the model. */
export class CheckpointError extends Error {
  /** The checkpoint file. */
  readonly path: string;

  /** Creates the error for checkpoint file `path`. */
  constructor(path: string, problem: string) {
    super(
      `checkpoint ${path}: ${problem}; train with --force to remove it and start from scratch`,
    );
    this.name = "CheckpointError";
    this.path = path;
  }
}
