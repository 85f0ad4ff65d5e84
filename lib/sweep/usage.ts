/**
 * What each finished run used: its peak resident memory (the kernel's high
 * water mark, `VmHWM`) and its wall-clock time, one small JSON file per run
 * under `<root>/.sweep/usage/`. Memory requests of later runs of the same cell
 * and dataset are sized from these records.
 *
 * @module
 */
import { join } from "node:path";
import { writeFileAtomic } from "../data/mod.ts";
import { usageDir } from "./layout.ts";

/** The usage record of one run. */
export interface RunUsage {
  /** The run's id (its directory relative to the runs root). */
  run: string;
  /** Task id. */
  dataset: string;
  /** Cell id. */
  cell: string;
  /** Sequence length. */
  T: number;
  /** Peak resident memory of the worker process, MiB. */
  peakRssMb: number;
  /** Wall-clock seconds of the worker's training and evaluation. */
  seconds: number;
  /** When it finished (ISO time). */
  finishedAt: string;
}

/** The peak resident memory of this process in MiB (current RSS where `/proc` is absent). */
export function peakRssMb(): number {
  try {
    const status = Deno.readTextFileSync("/proc/self/status");
    const m = status.match(/^VmHWM:\s+(\d+)\s+kB/m);
    if (m) return Number(m[1]) / 1024;
  } catch {
    // no /proc: fall through
  }
  return Deno.memoryUsage().rss / 2 ** 20;
}

/** Stores the usage record of a run. */
export async function writeUsage(root: string, usage: RunUsage): Promise<void> {
  const dir = usageDir(root);
  await Deno.mkdir(dir, { recursive: true });
  await writeFileAtomic(
    join(dir, `${usage.run.replaceAll("/", "__")}.json`),
    JSON.stringify(usage, null, 2) + "\n",
  );
}

/** Every stored usage record of a runs root (unreadable files are skipped). */
export async function readUsage(root: string): Promise<RunUsage[]> {
  const out: RunUsage[] = [];
  try {
    for await (const e of Deno.readDir(usageDir(root))) {
      if (!e.isFile || !e.name.endsWith(".json")) continue;
      try {
        out.push(JSON.parse(await Deno.readTextFile(join(usageDir(root), e.name))));
      } catch {
        // a record being replaced or damaged: the others suffice
      }
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return out;
}
