/**
 * Where the sweep keeps its own files: under `<runs root>/.sweep/`, beside the
 * runs it trains, so that every machine that sees the runs (a shared
 * filesystem on a cluster) sees them too.
 *
 * ```text
 * <root>/.sweep/
 *   rates.json                measured throughput per backend, cell and T
 *   usage/<run>.json          peak resident memory and time of each finished run
 *   <batch>/plan.json         the runs a local sweep or Slurm array works through
 *   <batch>/sweep.sbatch      the array script (Slurm)
 *   <batch>/submission.json   the Slurm job id (Slurm)
 *   <batch>/logs/task-<i>.log one log per array task or worker
 * ```
 *
 * @module
 */
import { join } from "node:path";

/** The sweep's folder under a runs root. */
export function sweepDir(root: string): string {
  return join(root, ".sweep");
}

/** The throughput file of a runs root. */
export function ratesPath(root: string): string {
  return join(sweepDir(root), "rates.json");
}

/** The folder of per-run usage records. */
export function usageDir(root: string): string {
  return join(sweepDir(root), "usage");
}

/** The log of array task or worker `index` in a batch folder. */
export function taskLogPath(batchDir: string, index: number): string {
  return join(batchDir, "logs", `task-${index}.log`);
}
