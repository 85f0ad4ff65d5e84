/**
 * Where a report comes from: the commit and whether the working tree had
 * uncommitted changes, the date, the compute backend of its figures and the
 * machine (operating system, processor, cores, Deno). No host name, user
 * name or path is recorded.
 *
 * @module
 */

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

async function git(cwd: string, args: string[]): Promise<string | null> {
  try {
    const out = await new Deno.Command("git", { args, cwd, stdout: "piped", stderr: "null" })
      .output();
    return out.code === 0 ? new TextDecoder().decode(out.stdout) : null;
  } catch {
    return null;
  }
}

/** The short commit and the tree state of the repository holding `cwd`. */
export async function gitState(cwd: string): Promise<{ commit: string; tree: string }> {
  const commit = (await git(cwd, ["rev-parse", "--short", "HEAD"]))?.trim() || "unknown";
  const status = await git(cwd, ["status", "--porcelain", "--untracked-files=no"]);
  const changed = status === null ? null : status.split("\n").filter(Boolean).length;
  const tree = changed === null
    ? "unknown"
    : changed === 0
    ? "clean"
    : `dirty (${changed} file${changed === 1 ? "" : "s"} changed)`;
  return { commit, tree };
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
