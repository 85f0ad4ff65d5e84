/**
 * The PyTorch side of `deno task bench --vs-pytorch`: runs
 * `bench/torch_reference.py` (the same cells written as plain PyTorch modules)
 * with the first Python that imports torch, and attaches PyTorch's best
 * median (over its thread counts) and the ratio to the training rows.
 *
 * Contract of the script: `python3 bench/torch_reference.py --cells a,b
 * --threads 1,2 --batch 50 --T 12 --json` prints one JSON array of
 * `{cell, T, batch, threads, median_per_s, min_per_s, max_per_s, torch_version}`.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { openblasCoreType } from "../backend/mod.ts";
import { type BenchRow, median, roundsRow } from "./bench.ts";

/** The cells the PyTorch reference implements. */
export const TORCH_CELLS: readonly string[] = [
  "deep",
  "rlstm",
  "convdeep",
  "conv+deep",
  "conv+rlstm-sd",
];

/** Interpreters tried in order; the first that imports torch is used. */
export const PYTHON_CANDIDATES: readonly string[] = ["python3", "/usr/bin/python3"];

/** The reference script, relative to the repository root. */
export const TORCH_SCRIPT: string = fileURLToPath(
  new URL("../../bench/torch_reference.py", import.meta.url),
);

/** One record printed by the reference script. */
export interface TorchRecord {
  cell: string;
  T: number;
  batch: number;
  threads: number;
  median_per_s: number;
  min_per_s: number;
  max_per_s: number;
  torch_version: string;
}

/** No interpreter could import torch, or the reference script failed. */
export class TorchReferenceError extends Error {
  /** Creates the error with a message saying what was tried and what failed. */
  constructor(message: string) {
    super(message);
    this.name = "TorchReferenceError";
  }
}

async function importsTorch(python: string): Promise<boolean> {
  try {
    const out = await new Deno.Command(python, {
      args: ["-c", "import torch"],
      stdout: "null",
      stderr: "null",
    }).output();
    return out.success;
  } catch {
    return false;
  }
}

/**
 * The first of `candidates` that imports torch.
 *
 * @throws TorchReferenceError naming every interpreter tried when none does.
 */
export async function findTorchPython(
  candidates: readonly string[] = PYTHON_CANDIDATES,
): Promise<string> {
  for (const python of candidates) {
    if (await importsTorch(python)) return python;
  }
  throw new TorchReferenceError(
    `no Python interpreter imports torch (tried ${candidates.join(", ")}); ` +
      "install it, e.g. `apt-get install python3-torch`",
  );
}

/** Checks that `value` is an array of {@link TorchRecord}s. */
export function parseTorchRecords(value: unknown): TorchRecord[] {
  if (!Array.isArray(value)) {
    throw new TorchReferenceError(`the reference printed ${typeof value}, expected a JSON array`);
  }
  const keys = ["cell", "T", "batch", "threads", "median_per_s", "min_per_s", "max_per_s"];
  return value.map((r, i) => {
    const missing = keys.filter((k) => !(r && typeof r === "object" && k in r));
    if (missing.length > 0) {
      throw new TorchReferenceError(`record ${i} of the reference lacks ${missing.join(", ")}`);
    }
    return r as TorchRecord;
  });
}

/**
 * The environment the reference runs in on top of this process's: OpenMP at one
 * thread, so that `torch.set_num_threads(n)` alone decides, and OpenBLAS (on which
 * Debian's PyTorch runs its matrix products) with the kernels this process loads
 * (`openblasCoreType`), so both sides multiply with the same code. PyTorch 1.13
 * (Debian) ran its two-thread steps 1.3–1.7× faster with OpenMP at one thread on the
 * 2-core machine (Conv⁺Deep 403–450 against 257–302 sequences/s, Deep 3,361–3,405
 * against 1,373–1,504), and its one-thread steps the same; OpenBLAS's `SkylakeX`
 * kernels instead of `Haswell` gave its dense cells up to 1.3× more on an AVX-512
 * machine. The benchmark compares against that better peer.
 */
export function torchEnvironment(): Record<string, string> {
  const core = openblasCoreType();
  return { OMP_NUM_THREADS: "1", ...(core === undefined ? {} : { OPENBLAS_CORETYPE: core }) };
}

/** Options of {@link runTorchReference}. */
export interface TorchRunOptions {
  cells: readonly string[];
  threads?: readonly number[];
  batch: number;
  T: number;
  /** Untimed steps before timing (default: the script's). */
  warmup?: number;
  /** Timed steps (default: the script's). */
  repeats?: number;
  /** The interpreter (default: {@link findTorchPython}). */
  python?: string;
  /** The script (default {@link TORCH_SCRIPT}). */
  script?: string;
}

/**
 * Runs the PyTorch reference and returns its records.
 *
 * @throws TorchReferenceError when no interpreter imports torch or the script fails.
 */
export async function runTorchReference(opts: TorchRunOptions): Promise<TorchRecord[]> {
  const python = opts.python ?? await findTorchPython();
  const script = opts.script ?? TORCH_SCRIPT;
  const args = [
    script,
    "--cells",
    opts.cells.join(","),
    "--threads",
    (opts.threads ?? [1, 2]).join(","),
    "--batch",
    String(opts.batch),
    "--T",
    String(opts.T),
    ...(opts.warmup === undefined ? [] : ["--warmup", String(opts.warmup)]),
    ...(opts.repeats === undefined ? [] : ["--repeats", String(opts.repeats)]),
    "--json",
  ];
  const out = await new Deno.Command(python, {
    args,
    env: torchEnvironment(),
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr).trim();
  if (!out.success) {
    throw new TorchReferenceError(
      `${python} ${args.join(" ")} exited with ${out.code}: ${
        stderr.split("\n").slice(-5).join(" ")
      }`,
    );
  }
  const stdout = new TextDecoder().decode(out.stdout);
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch (e) {
    throw new TorchReferenceError(
      `the reference did not print JSON (${(e as Error).message}): ${stdout.slice(0, 200)}`,
    );
  }
  return parseTorchRecords(parsed);
}

/**
 * Returns the rows with PyTorch's best median (over thread counts) of the same
 * cell, T and batch and the ratio attached to every `train` row that has one,
 * and the ratio per core: this side's best rate per thread (the row's
 * `per_thread_per_s`, else its rate over its `threads`, else over `threads`, the native
 * libraries' count) over PyTorch's best rate per thread. A protocol that runs
 * one fold per core costs what the per-core rates say.
 *
 * @example
 * ```ts
 * import { attachTorch } from "./bench_pytorch.ts";
 * const row = { case: "train", cell: "deep", T: 12, batch: 50, backend: "wasm",
 *   median_per_s: 300, min_per_s: 290, max_per_s: 310 };
 * const torch = (threads: number, median_per_s: number) => ({ cell: "deep", T: 12, torch_version: "2",
 *   batch: 50, threads, median_per_s, min_per_s: median_per_s, max_per_s: median_per_s });
 * const [r] = attachTorch([row], [torch(1, 150), torch(2, 250)]);
 * if (r.ratio !== 1.2 || r.ratio_per_core !== 2) throw new Error();
 * ```
 */
export function attachTorch(
  rows: readonly BenchRow[],
  records: readonly TorchRecord[],
  threads = 1,
): BenchRow[] {
  return rows.map((r) => {
    if (r.case !== "train") return r;
    const same = records.filter((t) => t.cell === r.cell && t.T === r.T && t.batch === r.batch);
    if (same.length === 0) return r;
    const best = same.reduce((a, b) => (b.median_per_s > a.median_per_s ? b : a));
    const perCore = Math.max(...same.map((t) => t.median_per_s / t.threads));
    return {
      ...r,
      pytorch_median_per_s: best.median_per_s,
      pytorch_threads: best.threads,
      ratio: r.median_per_s / best.median_per_s,
      ratio_per_core: (r.per_thread_per_s ?? r.median_per_s / (r.threads ?? threads)) / perCore,
    };
  });
}

/**
 * A training row measured against PyTorch in `rounds` rounds, each measuring this side
 * (`ours`) and then the reference (`torch`, given this side's row of the round) back to
 * back, so that both meet the machine in the same state (its speed drifts by 20–30 %
 * over minutes). The row carries the median over the rounds of this side's rate, of
 * PyTorch's best rate, of the ratio and of the ratio per core (each round's as
 * {@link attachTorch} computes it), the slowest and fastest timed step of any round, and
 * each side's thread count that was best most often (the fewer of equals); without a
 * PyTorch record of the cell it carries this side's rates only.
 *
 * @example
 * ```ts
 * import { pairedTorchRow } from "./bench_pytorch.ts";
 * const ours = [300, 200, 310];
 * const torch = [200, 100, 210];
 * let round = 0;
 * const row = await pairedTorchRow(
 *   3,
 *   () => {
 *     const m = ours[round];
 *     return Promise.resolve({ case: "train", cell: "deep", T: 12, batch: 50, backend: "wasm",
 *       median_per_s: m, min_per_s: m - 5, max_per_s: m + 5 });
 *   },
 *   () => {
 *     const m = torch[round++];
 *     return Promise.resolve([{ cell: "deep", T: 12, batch: 50, threads: 1, median_per_s: m,
 *       min_per_s: m, max_per_s: m, torch_version: "2" }]);
 *   },
 * );
 * // the ratios of the rounds are 1.5, 2 and 1.476…: their median is 1.5
 * if (row.ratio !== 1.5 || row.median_per_s !== 300 || row.rounds !== 3) throw new Error();
 * ```
 */
export async function pairedTorchRow(
  rounds: number,
  ours: () => Promise<BenchRow>,
  torch: (row: BenchRow) => Promise<readonly TorchRecord[]>,
  threads = 1,
): Promise<BenchRow> {
  if (!(Number.isInteger(rounds) && rounds >= 1)) {
    throw new RangeError(`rounds must be a positive integer, found ${rounds}`);
  }
  const plain: BenchRow[] = [];
  const measured: BenchRow[] = [];
  for (let r = 0; r < rounds; r++) {
    const row = await ours();
    plain.push(row);
    measured.push(attachTorch([row], await torch(row), threads)[0]);
  }
  const own: BenchRow = {
    ...roundsRow(plain),
    ...(plain[0].threads === undefined ? {} : { threads: mostOften(plain.map((r) => r.threads!)) }),
    ...(plain[0].per_thread_per_s === undefined
      ? {}
      : { per_thread_per_s: median(plain.map((r) => r.per_thread_per_s!)) }),
  };
  if (measured.some((r) => r.ratio === undefined)) return own;
  return {
    ...own,
    pytorch_median_per_s: median(measured.map((r) => r.pytorch_median_per_s!)),
    pytorch_threads: mostOften(measured.map((r) => r.pytorch_threads!)),
    ratio: median(measured.map((r) => r.ratio!)),
    ratio_per_core: median(measured.map((r) => r.ratio_per_core!)),
  };
}

/** The value that occurs most often, the least of equally frequent ones. */
function mostOften(values: readonly number[]): number {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0][0];
}
