/**
 * One process at a time per run directory. The lock is the file
 * `<run dir>.lock`, holding its holder as JSON: pid, host name, the process's
 * start time (Linux) and when the lock was taken. It is written whole to a
 * temporary file first and hard-linked into place (`createFileAtomic`; the link
 * fails if the lock exists), so a process killed while taking it never leaves a
 * lock without a holder, which only a 10-minute-old heartbeat would break.
 * While it is held, the holder refreshes the file's modification time every
 * {@link RUN_LOCK_HEARTBEAT_MS} (an unref'd timer, and {@link RunLock.refresh}
 * from loops that do not yield).
 *
 * A lock left by a holder that died (SIGKILL, power loss) never blocks for
 * long. It is stale when:
 *
 * - its holder ran on this host and that process no longer runs (or its pid
 *   now belongs to a process started later): taken over at once;
 * - its holder ran on another host (a shared file system, e.g. Slurm nodes)
 *   or this host cannot tell (no `/proc`), and its heartbeat is older than
 *   {@link RUN_LOCK_STALE_MS} (10 minutes; the hosts' clocks must agree to
 *   well within that).
 *
 * A stale lock is removed under a second lock (`<run dir>.lock.break`) after
 * checking that it is still the one judged stale, so two waiters never both
 * take it over.
 *
 * @module
 */
import { dirname } from "node:path";
import { createFileAtomic } from "../data/mod.ts";
import { processAlive, processStartTime } from "./process_alive.ts";

/** How often a holder refreshes its lock file's modification time (30 s). */
export const RUN_LOCK_HEARTBEAT_MS = 30_000;

/** A lock whose heartbeat is older than this is stale, unless its holder is known alive (10 min). */
export const RUN_LOCK_STALE_MS = 10 * 60_000;

/** Who holds a run lock (the lock file's content). */
export interface RunLockHolder {
  /** Process id. */
  pid: number;
  /** Host name. */
  hostname: string;
  /** The process's start time in clock ticks since boot (Linux), or null. */
  processStart: string | null;
  /** When the lock was taken (ISO 8601). */
  startedAt: string;
}

/** Options of {@link acquireRunLock}. */
export interface RunLockOptions {
  /** Wait while another process holds the lock (default false: throw {@link RunLockedError}). */
  wait?: boolean;
  /** Called when waiting starts and whenever the holder changes (null: its file names none). */
  onWait?: (holder: RunLockHolder | null) => void | Promise<void>;
  /** Called when a stale lock is taken over, with its holder and why it was stale. */
  onStale?: (holder: RunLockHolder | null, reason: string) => void | Promise<void>;
  /** Milliseconds between two looks at a held lock while waiting (default 1,000). */
  pollMs?: number;
  /** Heartbeat interval (default {@link RUN_LOCK_HEARTBEAT_MS}). */
  heartbeatMs?: number;
  /** Heartbeat age after which a lock is stale (default {@link RUN_LOCK_STALE_MS}). */
  staleMs?: number;
  /** Stops waiting. */
  signal?: AbortSignal;
}

/** A held run lock. */
export interface RunLock {
  /** The run directory. */
  readonly dir: string;
  /** The lock file. */
  readonly path: string;
  /** This process, as written into the lock file. */
  readonly holder: RunLockHolder;
  /** Whether another process held the lock when it was asked for (it may have finished the run). */
  readonly waited: boolean;
  /** Refreshes the heartbeat now if it is due (for loops that keep the event loop busy). */
  refresh(): void;
  /** Releases the lock (removes the file if it is still this holder's); idempotent. */
  release(): Promise<void>;
  /** Releases the lock (`await using`). */
  [Symbol.asyncDispose](): Promise<void>;
}

/** The lock file of a run directory: `<run dir>.lock`. */
export function runLockPath(runDir: string): string {
  return `${runDir}.lock`;
}

/** "pid 123 on host h (since 2026-…)", or a placeholder for a lock file that names no holder. */
export function describeHolder(holder: RunLockHolder | null): string {
  return holder
    ? `pid ${holder.pid} on host ${holder.hostname} (since ${holder.startedAt})`
    : "an unknown process (the lock file names no holder)";
}

/**
 * Another process holds the lock of a run directory.
 *
 * @example
 * ```ts
 * import { RunLockedError } from "./run_lock.ts";
 * const e = new RunLockedError("/runs/x/fold-0of2", {
 *   pid: 7, hostname: "node1", processStart: null, startedAt: "2026-01-01T00:00:00.000Z",
 * });
 * if (!e.message.includes("pid 7 on host node1")) throw e;
 * ```
 */
export class RunLockedError extends Error {
  /** The run directory. */
  readonly dir: string;
  /** Its holder (null when the lock file names none). */
  readonly holder: RunLockHolder | null;

  /** Creates the error for run directory `dir` held by `holder`. */
  constructor(dir: string, holder: RunLockHolder | null) {
    super(`${dir} is locked by ${describeHolder(holder)}; lock file ${runLockPath(dir)}`);
    this.name = "RunLockedError";
    this.dir = dir;
    this.holder = holder;
  }
}

interface LockFileState {
  text: string;
  holder: RunLockHolder | null;
  mtimeMs: number;
}

function thisHost(): string {
  try {
    return Deno.hostname();
  } catch {
    return "unknown";
  }
}

function parseHolder(text: string): RunLockHolder | null {
  try {
    const h = JSON.parse(text);
    return typeof h?.pid === "number" && typeof h?.hostname === "string" ? h : null;
  } catch {
    return null;
  }
}

async function readLockFile(path: string): Promise<LockFileState | null> {
  try {
    const [text, info] = await Promise.all([Deno.readTextFile(path), Deno.stat(path)]);
    return { text, holder: parseHolder(text), mtimeMs: info.mtime?.getTime() ?? 0 };
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
}

function lockText(holder: RunLockHolder): string {
  return JSON.stringify(holder) + "\n";
}

async function removeIfPresent(path: string): Promise<void> {
  try {
    await Deno.remove(path);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
}

/** Why the lock file `state` is stale, or null while its holder may be alive. */
function staleReason(state: LockFileState, host: string, staleMs: number): string | null {
  const h = state.holder;
  if (h && h.hostname === host) {
    const alive = processAlive(h.pid);
    if (alive === false) return `pid ${h.pid} no longer runs on ${host}`;
    if (alive === true) {
      const start = processStartTime(h.pid);
      return h.processStart !== null && start !== null && start !== h.processStart
        ? `pid ${h.pid} on ${host} now belongs to a process started later`
        : null;
    }
  }
  const age = Date.now() - state.mtimeMs;
  return age > staleMs
    ? `its heartbeat is ${(age / 1000).toFixed(0)} s old (stale after ${staleMs / 1000} s)`
    : null;
}

/**
 * Removes the stale lock file `seen` under the break lock if it is still the
 * same file (same content and modification time): `removed`; `changed` when it
 * is not; `busy` while another process is breaking it.
 */
async function breakStaleLock(
  path: string,
  seen: LockFileState,
  me: RunLockHolder,
  host: string,
  staleMs: number,
): Promise<"removed" | "changed" | "busy"> {
  const guard = `${path}.break`;
  if (!(await createFileAtomic(guard, lockText(me)))) {
    const other = await readLockFile(guard);
    if (other && staleReason(other, host, staleMs) !== null) await removeIfPresent(guard);
    return "busy";
  }
  try {
    const now = await readLockFile(path);
    if (now?.text !== seen.text || now.mtimeMs !== seen.mtimeMs) return "changed";
    await removeIfPresent(path);
    return "removed";
  } finally {
    await removeIfPresent(guard);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function holdLock(
  dir: string,
  path: string,
  holder: RunLockHolder,
  waited: boolean,
  beatMs: number,
): RunLock {
  let last = Date.now();
  let released = false;
  const beat = () => {
    last = Date.now();
    try {
      Deno.utimeSync(path, new Date(last), new Date(last));
    } catch {
      // the file is gone (released, or taken over as stale): nothing to refresh
    }
  };
  const timer = setInterval(beat, beatMs);
  Deno.unrefTimer(timer);
  const release = async () => {
    if (released) return;
    released = true;
    clearInterval(timer);
    if ((await readLockFile(path))?.text === lockText(holder)) await removeIfPresent(path);
  };
  return {
    dir,
    path,
    holder,
    waited,
    refresh: () => {
      if (!released && Date.now() - last >= beatMs) beat();
    },
    release,
    [Symbol.asyncDispose]: release,
  };
}

/**
 * Takes the lock of run directory `runDir` (its parent is created if needed).
 * A stale lock (see the module) is taken over; a live one makes this throw
 * {@link RunLockedError}, or, with `wait`, wait until it is released.
 *
 * @example
 * ```ts
 * import { acquireRunLock } from "./run_lock.ts";
 * const dir = await Deno.makeTempDir();
 * const lock = await acquireRunLock(`${dir}/fold-0of2`);
 * try {
 *   // train and commit the run
 * } finally {
 *   await lock.release();
 * }
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function acquireRunLock(runDir: string, opts: RunLockOptions = {}): Promise<RunLock> {
  const path = runLockPath(runDir);
  const host = thisHost();
  const staleMs = opts.staleMs ?? RUN_LOCK_STALE_MS;
  const processStart = processStartTime(Deno.pid);
  await Deno.mkdir(dirname(path), { recursive: true });
  let waited = false;
  let announced: string | undefined;
  for (;;) {
    opts.signal?.throwIfAborted();
    const holder: RunLockHolder = {
      pid: Deno.pid,
      hostname: host,
      processStart,
      startedAt: new Date().toISOString(),
    };
    if (await createFileAtomic(path, lockText(holder))) {
      return holdLock(runDir, path, holder, waited, opts.heartbeatMs ?? RUN_LOCK_HEARTBEAT_MS);
    }
    const state = await readLockFile(path);
    if (state === null) continue; // released between the two calls
    const reason = staleReason(state, host, staleMs);
    if (reason !== null) {
      const outcome = await breakStaleLock(path, state, holder, host, staleMs);
      if (outcome === "removed") await opts.onStale?.(state.holder, reason);
      if (outcome !== "busy") continue;
    } else if (!opts.wait) {
      throw new RunLockedError(runDir, state.holder);
    } else {
      waited = true;
      if (announced !== state.text) {
        announced = state.text;
        await opts.onWait?.(state.holder);
      }
    }
    await sleep(opts.pollMs ?? 1000, opts.signal);
  }
}
