/**
 * Error classes of the figure layer. Every message names what was expected
 * and what was found.
 *
 * @module
 */

/** A figure description that cannot be drawn (shapes, missing inputs, bad options). */
export class FigureSpecError extends Error {
  /** Creates the error with a message naming what was expected and found. */
  constructor(message: string) {
    super(message);
    this.name = "FigureSpecError";
  }
}

/** A figure or table that cannot be saved (bad name, unreadable manifest). */
export class FigureSaveError extends Error {
  /** Creates the error with a message naming the file and the problem. */
  constructor(message: string) {
    super(message);
    this.name = "FigureSaveError";
  }
}
