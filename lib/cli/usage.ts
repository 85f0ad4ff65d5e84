/**
 * Command-line conventions shared by the tasks: a usage error that shows the
 * task's usage line, strict option parsing, `--help`, and one exit-code
 * convention: 0 success, 2 a command line that asks for something that does
 * not exist or does not fit (unknown option, name or value), 1 any other
 * failure (a file that is missing or damaged, training that diverged...).
 *
 * @module
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { UnknownBackendError } from "../backend/mod.ts";
import { CellSpecError } from "../cells/mod.ts";
import { UnknownDatasetError } from "../data/mod.ts";
import { RuleParameterError, UnknownMethodError } from "../relevance/mod.ts";
import { RunOptionError, UnknownProfileError } from "../train/mod.ts";

/** A command line that does not fit the task's usage. */
export class UsageError extends Error {
  /** Creates the error; the message says what was wrong and, when given, shows the usage. */
  constructor(message: string, usage?: string) {
    super(usage === undefined ? message : `${message}\n${usage}`);
    this.name = "UsageError";
  }
}

/** The exit code of a command line that does not fit. */
export const USAGE_EXIT = 2;

/** The exit code of a failure. */
export const FAILURE_EXIT = 1;

/** Errors that mean the command line asked for something that does not exist or does not fit. */
const USAGE_ERRORS = [
  UsageError,
  RunOptionError,
  UnknownProfileError,
  UnknownDatasetError,
  UnknownBackendError,
  UnknownMethodError,
  RuleParameterError,
  CellSpecError,
];

/**
 * The exit code for an error: {@link USAGE_EXIT} for usage errors,
 * {@link FAILURE_EXIT} for everything else.
 *
 * @example
 * ```ts
 * import { exitCodeOf, UsageError } from "./usage.ts";
 * if (exitCodeOf(new UsageError("--bogus")) !== 2 || exitCodeOf(new Error("disk")) !== 1) {
 *   throw new Error();
 * }
 * ```
 */
export function exitCodeOf(error: unknown): number {
  return USAGE_ERRORS.some((c) => error instanceof c) ? USAGE_EXIT : FAILURE_EXIT;
}

/** Prints `error` on standard error as `Name: message` and returns its exit code. */
export function reportError(error: unknown): number {
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
  return exitCodeOf(error);
}

/** The option values of `args`, parsed strictly; anything unknown throws {@link UsageError}. */
export function parseOptions(
  args: string[],
  options: NonNullable<ParseArgsConfig["options"]>,
  usage: string,
): Record<string, string | boolean | undefined> {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values as Record<
      string,
      string | boolean | undefined
    >;
  } catch (e) {
    throw new UsageError((e as Error).message, usage);
  }
}

/** Whether the command line asks for help (`--help` or `-h`). */
export function wantsHelp(args: string[]): boolean {
  return args.includes("--help") || args.includes("-h");
}
