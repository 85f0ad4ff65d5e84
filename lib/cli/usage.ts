/**
 * Command-line parsing shared by the tasks: a usage error that shows the
 * task's usage line, strict option parsing, and `--help`.
 *
 * @module
 */
import { parseArgs, type ParseArgsConfig } from "node:util";

/** A command line that does not fit the task's usage. */
export class UsageError extends Error {
  /** Creates the error; the message says what was wrong and shows the usage. */
  constructor(message: string, usage: string) {
    super(`${message}\n${usage}`);
    this.name = "UsageError";
  }
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
