/**
 * Error classes of the experiments layer. Each message names what was
 * expected and what was found.
 *
 * @module
 */

/** A model asked of a grid that the grid does not hold, or a request it cannot serve. */
export class GridLookupError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "GridLookupError";
  }
}

/** A figure, table or claim asked for under a name the thesis does not use. */
export class UnknownArtifactError extends Error {
  /** Creates the error for `requested`, listing the `valid` names. */
  constructor(kind: string, requested: string, valid: readonly string[]) {
    super(`unknown ${kind} "${requested}"; valid: ${valid.join(", ")}`);
    this.name = "UnknownArtifactError";
  }
}

/** Numbers handed to a claim or a table that do not fit it (missing rows, wrong shapes). */
export class ExperimentInputError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "ExperimentInputError";
  }
}
