/**
 * Where a report comes from: the commit and whether the working tree had
 * uncommitted changes, the date, the compute backend of its figures and the
 * machine (operating system, processor, cores, Deno). No host name, user
 * name or path is recorded.
 *
 * @module
 */
import { sourceState } from "../train/mod.ts";

/** The facts printed on the report's front page and in every page header. */
export interface Provenance {
  /** Short commit hash, or "unknown". */
  commit: string;
  /** "clean", "dirty (N files changed)", or "unknown". */
  tree: string;
  /** ISO date (YYYY-MM-DD) of the build. */
  date: string;
  /** Backends named in the figures' manifest, or "n/a". */
  backend: string;
  /** Operating system, architecture, processor, cores, Deno version. */
  machine: string;
}

/**
 * The short commit and the tree state of the repository holding `cwd`:
 * "dirty" counts changed sources only, not the pipeline's own outputs
 * (`sourceState`).
 */
export async function gitState(cwd: string): Promise<{ commit: string; tree: string }> {
  const { commit, changed } = await sourceState(cwd);
  const tree = changed === null
    ? "unknown"
    : changed.length === 0
    ? "clean"
    : `dirty (${changed.length} source file${changed.length === 1 ? "" : "s"} changed: ${
      changed.slice(0, 3).join(", ")
    }${changed.length > 3 ? ", …" : ""})`;
  return { commit: commit?.slice(0, 7) ?? "unknown", tree };
}

async function processorName(): Promise<string | null> {
  try {
    const info = await Deno.readTextFile("/proc/cpuinfo");
    return info.match(/^model name\s*:\s*(.+)$/m)?.[1].trim() ?? null;
  } catch {
    return null;
  }
}

/**
 * The machine in one line, e.g. "linux x86_64, AMD EPYC 7B13, 2 logical
 * cores, Deno 2.9.6".
 */
export async function machineDescription(): Promise<string> {
  const cpu = await processorName();
  const cores = navigator.hardwareConcurrency;
  return [
    `${Deno.build.os} ${Deno.build.arch}`,
    ...(cpu ? [cpu] : []),
    `${cores} logical core${cores === 1 ? "" : "s"}`,
    `Deno ${Deno.version.deno}`,
  ].join(", ");
}

/** Collects the provenance of a report built from the repository at `cwd`. */
export async function collectProvenance(cwd: string, backends: string[]): Promise<Provenance> {
  const { commit, tree } = await gitState(cwd);
  return {
    commit,
    tree,
    date: new Date().toISOString().slice(0, 10),
    backend: backends.length ? backends.join(", ") : "n/a",
    machine: await machineDescription(),
  };
}
