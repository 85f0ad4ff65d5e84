/**
 * Whether a process of this host still runs, read from `/proc`.
 *
 * @module
 */

/**
 * True when process `pid` runs on this host, false when it does not, null
 * when this cannot be known (no `/proc`, as on macOS or Windows).
 *
 * @example
 * ```ts
 * import { processAlive } from "./process_alive.ts";
 * if (processAlive(Deno.pid) === false) throw new Error("this process runs");
 * ```
 */
export function processAlive(pid: number): boolean | null {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      try {
        Deno.statSync("/proc/self");
        return false;
      } catch {
        return null;
      }
    }
    return null;
  }
}

/**
 * When process `pid` started, in clock ticks since boot (field 22 of
 * `/proc/<pid>/stat`), or null when it does not run or this cannot be read.
 * Together with the pid it names one process: a pid used again by a later
 * process has another start time.
 *
 * @example
 * ```ts
 * import { processStartTime } from "./process_alive.ts";
 * const a = processStartTime(Deno.pid);
 * if (a !== null && a !== processStartTime(Deno.pid)) throw new Error("start time changed");
 * ```
 */
export function processStartTime(pid: number): string | null {
  return readProcStat(`/proc/${pid}/stat`)?.fields[19] ?? null;
}

/** A `/proc` stat line read apart by {@link readProcStat}. */
export interface ProcStat {
  /** The command name (field 2), without its parentheses. */
  name: string;
  /** Fields 3 on: field n is `fields[n - 3]`. */
  fields: string[];
}

/**
 * Reads a process's or thread's stat line (`/proc/<pid>/stat`,
 * `/proc/<pid>/task/<tid>/stat`), or returns null when it cannot be read (ended, or no
 * `/proc`). The command name may hold spaces and parentheses; the fields follow its
 * last closing parenthesis.
 *
 * @example
 * ```ts
 * import { readProcStat } from "./process_alive.ts";
 * const stat = readProcStat("/proc/self/stat");
 * // field 4, the parent's pid
 * if (stat !== null && Number(stat.fields[1]) !== Deno.ppid) throw new Error(stat.fields[1]);
 * ```
 */
export function readProcStat(path: string): ProcStat | null {
  let stat: string;
  try {
    stat = Deno.readTextFileSync(path);
  } catch {
    return null;
  }
  const close = stat.lastIndexOf(")");
  return {
    name: stat.slice(stat.indexOf("(") + 1, close),
    fields: stat.slice(close + 2).trimEnd().split(" "),
  };
}
