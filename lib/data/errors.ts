/**
 * Error classes raised by the data layer. Each message names what was expected
 * and what was found.
 *
 * @module
 */

/**
 * A data file is unusable: truncated, wrong magic number, wrong image size,
 * corrupt gzip stream, or a count that does not match its partner file.
 *
 * @example
 * ```ts
 * import { DataFileError } from "./errors.ts";
 * const e = new DataFileError("t10k-labels-idx1-ubyte.gz", "wrong magic 2051, expected 2049");
 * if (!e.message.includes("t10k-labels")) throw e;
 * ```
 */
export class DataFileError extends Error {
  /** The file (path or name) that has the problem. */
  readonly file: string;
  /** What is wrong with it. */
  readonly problem: string;

  /** Creates the error; the message is `<file>: <problem>`. */
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = "DataFileError";
    this.file = file;
    this.problem = problem;
  }
}

/**
 * The SHA-256 of a file's decompressed payload differs from the registered
 * one. Never left behind in the dataset cache.
 */
export class ChecksumError extends DataFileError {
  /** The registered SHA-256 (hex). */
  readonly expected: string;
  /** The SHA-256 that was computed (hex). */
  readonly actual: string;

  /** Creates the error for `file` with the `expected` and `actual` hex digests. */
  constructor(file: string, expected: string, actual: string, detail = "") {
    super(
      file,
      `payload SHA-256 mismatch: expected ${expected}, found ${actual}${
        detail ? `; ${detail}` : ""
      }`,
    );
    this.name = "ChecksumError";
    this.expected = expected;
    this.actual = actual;
  }
}

/** One source that was tried for a file and why it was not used. */
export interface SourceAttempt {
  /** Source kind: cache, mirror, debian or download. */
  source: string;
  /** Path or URL that was tried. */
  location: string;
  /** Why it was not used. */
  reason: string;
  /** `missing`: nothing there; `invalid`: present but bad; `unreachable`: could not be read. */
  problem: "missing" | "invalid" | "unreachable";
}

/** No source (cache, mirror, Debian package, download) provided a valid copy of a file. */
export class DatasetUnavailableError extends Error {
  /** The dataset id. */
  readonly dataset: string;
  /** The file name. */
  readonly file: string;
  /** Every source tried, in order, with the reason it failed. */
  readonly attempts: readonly SourceAttempt[];

  /** Creates the error listing every attempt. */
  constructor(dataset: string, file: string, attempts: readonly SourceAttempt[]) {
    const tried = attempts.length === 0
      ? "no sources are configured"
      : attempts.map((a) => `${a.source} (${a.location}): ${a.reason}`).join("; ");
    super(`${dataset}/${file}: no source provided a valid copy; tried ${tried}`);
    this.name = "DatasetUnavailableError";
    this.dataset = dataset;
    this.file = file;
    this.attempts = attempts;
  }
}

/** A dataset or task id that is not known; the message lists the valid ones. */
export class UnknownDatasetError extends Error {
  /** The id that was asked for. */
  readonly id: string;
  /** The valid ids. */
  readonly valid: readonly string[];

  /** Creates the error; `what` is e.g. "dataset" or "task". */
  constructor(id: string, valid: readonly string[], what = "dataset") {
    super(`unknown ${what} "${id}"; valid ${what}s: ${valid.join(", ")}`);
    this.name = "UnknownDatasetError";
    this.id = id;
    this.valid = valid;
  }
}

/** Array sizes that do not fit a sequence layout (e.g. width not divisible by the step count). */
export class SequenceShapeError extends Error {
  /** Creates the error with a message naming expected and found sizes. */
  constructor(message: string) {
    super(message);
    this.name = "SequenceShapeError";
  }
}
