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
  let stat: string;
  try {
    stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  } catch {
    return null;
  }
  // the command name (field 2) is in parentheses and may hold spaces
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return fields[19] ?? null;
}
