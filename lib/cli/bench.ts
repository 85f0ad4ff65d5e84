/**
 * `deno task bench [--cells deep,rlstm,convdeep] [--cases train,eval] [--T 12]
 * [--batch 50] [--warmup 2] [--repeats 7] [--json]`: per cell, sequences per
 * second on the active backend (median, slowest and fastest of the timed
 * runs after warm-up). `train` is one Adam step with dropout at batch 50;
 * `eval` is a forward pass without dropout (batch 250 unless `--batch`).
 * Prints a Markdown table, or a JSON array with `--json`.
 *
 * @module
 */
import { initBackend } from "../backend/mod.ts";
import { CELL_IDS, CELL_LENGTHS, parseCellId } from "../cells/mod.ts";
import { benchEval, type BenchRow, benchTable, benchTrain } from "../train/mod.ts";
import { parseArgs } from "node:util";

/** A command line that does not fit the usage. */
export class UsageError extends Error {
  /** Creates the error; the message says what was wrong and shows the usage. */
  constructor(message: string) {
    super(`${message}\n${USAGE}`);
    this.name = "UsageError";
  }
}

/** The benchmark cases and the function that measures each. */
export const BENCH_CASES = {
  train: benchTrain,
  eval: benchEval,
} as const;

/** A benchmark case name. */
export type BenchCase = keyof typeof BENCH_CASES;

const USAGE = "usage: deno task bench [--cells a,b] [--cases train,eval] [--T n] [--batch n] " +
  "[--warmup n] [--repeats n] [--json]";

/** Runs the benchmark described by command-line `args` and returns its rows. */
export async function runBench(
  args: string[],
  log: (line: string) => void = () => {},
): Promise<{ rows: BenchRow[]; json: boolean }> {
  let opts: Record<string, string | boolean | undefined>;
  try {
    opts = parseArgs({
      args,
      options: {
        cells: { type: "string" },
        cases: { type: "string" },
        T: { type: "string" },
        batch: { type: "string" },
        warmup: { type: "string" },
        repeats: { type: "string" },
        json: { type: "boolean" },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const T = opts.T === undefined ? 12 : Number(opts.T);
  const cells = opts.cells
    ? String(opts.cells).split(",").map((c) => parseCellId(c.trim()))
    : CELL_IDS.filter((c) => CELL_LENGTHS[c].includes(T));
  const cases = String(opts.cases ?? "train").split(",").map((c) => c.trim());
  for (const c of cases) {
    if (!(c in BENCH_CASES)) {
      throw new UsageError(
        `unknown case "${c}"; valid cases: ${Object.keys(BENCH_CASES).join(", ")}`,
      );
    }
  }
  const num = (name: string, v: unknown) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) {
      throw new UsageError(`--${name} must be a non-negative integer, found "${v}"`);
    }
    return n;
  };
  await initBackend();
  const rows: BenchRow[] = [];
  for (const c of cases as BenchCase[]) {
    for (const cell of cells) {
      const r = await BENCH_CASES[c](cell, {
        T,
        batch: num("batch", opts.batch),
        warmup: num("warmup", opts.warmup),
        repeats: num("repeats", opts.repeats),
      });
      log(`${c} ${cell}: ${r.median_per_s.toFixed(1)} seq/s`);
      rows.push(r);
    }
  }
  return { rows, json: Boolean(opts.json) };
}

if (import.meta.main) {
  try {
    const { rows, json } = await runBench(Deno.args, (l) => console.error(l));
    console.log(json ? JSON.stringify(rows, null, 2) : benchTable(rows));
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    Deno.exit(e instanceof UsageError ? 2 : 1);
  }
}
