/**
 * Error classes of the evaluation layer. Every message names what was
 * expected and what was found.
 *
 * @module
 */

/** An id (cell, method, metric, column) that is not one of the known ones. */
export class UnknownIdError extends Error {
  /** Creates the error for `kind` (e.g. "cell") with the offending id and the valid ids. */
  constructor(kind: string, id: string, valid: readonly string[]) {
    super(`Unknown ${kind} "${id}"; valid ${kind}s: ${valid.join(", ")}`);
    this.name = "UnknownIdError";
  }
}

/** An array, heatmap or batch whose length or layout does not match what was asked for. */
export class EvalShapeError extends Error {
  /** Creates the error with a message describing expected and found shapes. */
  constructor(message: string) {
    super(message);
    this.name = "EvalShapeError";
  }
}

/** A DataFrame that lacks columns of the evaluation schema or has the wrong types. */
export class EvalSchemaError extends Error {
  /** Creates the error with a message naming the columns expected and found. */
  constructor(message: string) {
    super(message);
    this.name = "EvalSchemaError";
  }
}

/**
 * Rows that cannot be aggregated as asked: a group mixing sequence lengths or
 * profiles, a sample counted twice, a missing baseline.
 */
export class EvalGroupError extends Error {
  /** Creates the error with a message naming the offending groups. */
  constructor(message: string) {
    super(message);
    this.name = "EvalGroupError";
  }
}
