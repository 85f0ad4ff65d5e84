/**
 * The error of the cell floor: a cell description that cannot be built or analysed.
 *
 * @module
 */

/** Raised for an unknown cell id or node kind, an unsupported sequence length or an inconsistent description. */
export class CellSpecError extends Error {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "CellSpecError";
  }
}
