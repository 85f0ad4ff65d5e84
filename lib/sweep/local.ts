/**
 * Local workers: the runs of a batch in N worker processes at once, each run
 * in its own process (the same command a Slurm array task runs), so a crash
 * or a kill loses one run's progress since its last checkpoint and nothing
 * else. Every worker's output goes to its log file in the batch folder; the
 * terminal (stderr) gets one line per event and a progress line: runs done,
 * running and left, failures and an ETA. Aborting the signal (Ctrl-C in the
 * task) stops launching, sends SIGTERM to the running workers (they stop
 * between two batches; checkpoints stay) and waits for them.
 *
 * @module
 */
import { formatDuration } from "../train/mod.ts";
import { readBatch } from "./batch.ts";
import { taskLogPath } from "./layout.ts";

/** Exit status of a worker that left its run to another process holding the run's lock. */
export const WORKER_BUSY_EXIT = 75;

/** Options of {@link runLocalSweep}. */
export interface LocalSweepOptions {
  /** Worker processes at once. */
  jobs: number;
  /** The command line of worker `index` (program first). */
  command: (index: number) => string[];
  /** Working directory of the workers. */
  cwd?: string;
  /** Where event and progress lines go (default stderr). */
  log?: (line: string) => void;
  /** Milliseconds between progress lines while nothing happens (default 30,000). */
  progressEveryMs?: number;
  /** Called when worker `index` has started as process `pid`. */
  onStart?: (index: number, pid: number) => void;
  /** Stops the sweep (workers get SIGTERM). */
  signal?: AbortSignal;
  /** Milliseconds a worker gets to stop after SIGTERM before SIGKILL (default 60,000). */
  graceMs?: number;
}

/** What a local sweep did. */
export interface LocalSweepResult {
  /** Ids of runs finished by a worker. */
  done: string[];
  /** Runs whose worker failed, with its exit code (or signal) and log. */
  failed: { id: string; exit: string; log: string }[];
  /** Runs left to another process that held their lock. */
  busy: string[];
  /** Runs not started or stopped because the sweep was aborted. */
  stopped: string[];
  /** Whether the sweep was aborted. */
  aborted: boolean;
}

interface Running {
  index: number;
  child: Deno.ChildProcess;
  started: number;
}

async function appendStream(stream: ReadableStream<Uint8Array>, file: Deno.FsFile) {
  for await (const chunk of stream) await file.write(chunk);
}

/**
 * Runs every entry of the batch in folder `batchDir` with at most `jobs`
 * workers at once and returns what happened to each.
 */
export async function runLocalSweep(
  batchDir: string,
  opts: LocalSweepOptions,
): Promise<LocalSweepResult> {
  const batch = await readBatch(batchDir);
  const log = opts.log ?? ((line: string) => console.error(line));
  const jobs = Math.max(1, Math.floor(opts.jobs));
  const queue = batch.entries.map((_, i) => i);
  const running = new Map<number, Running>();
  const result: LocalSweepResult = { done: [], failed: [], busy: [], stopped: [], aborted: false };
  const t0 = performance.now();
  let estimatedDone = 0;
  let actualDone = 0;

  const progress = () => {
    const now = performance.now();
    const correction = estimatedDone > 0 ? actualDone / estimatedDone : 1;
    const left = queue.reduce((s, i) => s + batch.entries[i].cost.remaining, 0) +
      [...running.values()].reduce(
        (s, r) =>
          s +
          Math.max(
            0,
            batch.entries[r.index].cost.remaining * correction - (now - r.started) / 1000,
          ),
        0,
      );
    const parallel = Math.max(1, Math.min(jobs, queue.length + running.size));
    const finished = result.done.length + result.failed.length + result.busy.length;
    log(
      `sweep: ${result.done.length}/${batch.entries.length} done, ${running.size} running, ` +
        `${queue.length} left` + (result.failed.length ? `, ${result.failed.length} failed` : "") +
        (finished < batch.entries.length
          ? `, ETA ${formatDuration((left * correction / parallel) * 1000)}`
          : "") +
        ` (elapsed ${formatDuration(now - t0)})`,
    );
  };

  const launch = async (index: number): Promise<Running> => {
    const [program, ...args] = opts.command(index);
    const path = taskLogPath(batchDir, index);
    const file = await Deno.open(path, { create: true, append: true });
    const child = new Deno.Command(program, {
      args,
      cwd: opts.cwd,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const copying = Promise.all([
      appendStream(child.stdout, file),
      appendStream(child.stderr, file),
    ]).finally(() => file.close());
    child.status.then(() => copying).catch(() => {});
    opts.onStart?.(index, child.pid);
    log(
      `sweep: ${batch.entries[index].id} started (worker ${index}, pid ${child.pid}, log ${path})`,
    );
    return { index, child, started: performance.now() };
  };

  const abortAll = () => {
    result.aborted = true;
    log(`sweep: stopping ${running.size} worker(s); checkpoints are kept`);
    for (const r of running.values()) {
      try {
        r.child.kill("SIGTERM");
      } catch {
        // already gone
      }
    }
    const grace = opts.graceMs ?? 60_000;
    Deno.unrefTimer(setTimeout(() => {
      for (const r of running.values()) {
        try {
          r.child.kill("SIGKILL");
        } catch {
          // already gone
        }
      }
    }, grace));
  };
  opts.signal?.addEventListener("abort", abortAll, { once: true });
  const timer = setInterval(progress, opts.progressEveryMs ?? 30_000);
  try {
    while (queue.length > 0 || running.size > 0) {
      while (!result.aborted && !opts.signal?.aborted && running.size < jobs && queue.length > 0) {
        const index = queue.shift()!;
        running.set(index, await launch(index));
      }
      if (running.size === 0) break;
      const finished = await Promise.race(
        [...running.values()].map((r) => r.child.status.then((status) => ({ r, status }))),
      );
      running.delete(finished.r.index);
      const entry = batch.entries[finished.r.index];
      const seconds = (performance.now() - finished.r.started) / 1000;
      const { code, signal } = finished.status;
      if (code === 0) {
        result.done.push(entry.id);
        estimatedDone += entry.cost.remaining;
        actualDone += seconds;
        log(`sweep: ${entry.id} done in ${formatDuration(seconds * 1000)}`);
      } else if (code === WORKER_BUSY_EXIT) {
        result.busy.push(entry.id);
        log(`sweep: ${entry.id} is being run by another process; left to it`);
      } else if (result.aborted) {
        result.stopped.push(entry.id);
      } else {
        const exit = signal ? `signal ${signal}` : `exit ${code}`;
        const path = taskLogPath(batchDir, finished.r.index);
        result.failed.push({ id: entry.id, exit, log: path });
        log(`sweep: ${entry.id} FAILED (${exit}); log ${path}`);
      }
      progress();
    }
    if (result.aborted) result.stopped.push(...queue.map((i) => batch.entries[i].id));
  } finally {
    clearInterval(timer);
    opts.signal?.removeEventListener("abort", abortAll);
  }
  return result;
}
