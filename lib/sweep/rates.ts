/**
 * Measured throughput the sweep estimates costs from: sequences per second of
 * training and evaluation and heatmaps per second of explaining, per backend,
 * cell and T, kept in `<root>/.sweep/rates.json`. They come from the
 * benchmark (`deno task bench --cases train,eval,explain --methods dtd
 * --save-rates`, see {@link storeBenchRates}; `lrp-epsilon` for LSTM and
 * GRU), or, where none are stored, from
 * a short calibration with the benchmark's own functions (`benchTrain`,
 * `benchEval`, `benchExplain`: three timed runs, after the benchmark's steady-state
 * warm-up for training, which dominates a run's cost, and one warm-up run for the
 * others), stored for the next plan.
 *
 * @module
 */
import { dirname } from "node:path";
import { backendInfo, initBackend } from "../backend/mod.ts";
import {
  benchEval,
  type BenchRow,
  benchTrain,
  machineInfo,
  type MeasureOptions,
} from "../train/mod.ts";
import { writeFileAtomic } from "../data/mod.ts";
import { benchExplain } from "../relevance/mod.ts";
import { LRP_METHODS, methodsFor } from "../experiments/mod.ts";
import { ratesPath } from "./layout.ts";

/**
 * The method a cell's explanation rate is measured with: its first
 * relevance-propagation method, DTD for the thesis's cells (the costliest of
 * their four), LRP-ε for the standard LSTM and GRU (DTD does not apply to them).
 *
 * @example
 * ```ts
 * import { rateMethod } from "./rates.ts";
 * if (rateMethod("deep") !== "dtd" || rateMethod("gru") !== "lrp-epsilon") throw new Error();
 * ```
 */
export function rateMethod(cell: string): string {
  return methodsFor(cell, LRP_METHODS)[0];
}

/** The rates of one cell at one T. */
export interface CellRates {
  /** Training sequences per second (Adam step with dropout, batch 50). */
  train: number;
  /** Evaluation sequences per second (batch 250). */
  eval: number;
  /** Heatmaps per second of the cell's {@link rateMethod} (batch: `explainChunkSize` of the cell). */
  explain: number;
  /** When they were measured (ISO time). */
  measuredAt: string;
}

/** The stored rates of a runs root. */
export interface RateTable {
  /** Always `rnnx-rates/1`. */
  format: "rnnx-rates/1";
  /** Rates by `<backend>/<cell>-T<T>`. */
  rates: Record<string, CellRates & { cpu: string }>;
}

/** The key of a cell's rates on the current backend. */
export function rateKey(backend: string, cell: string, T: number): string {
  return `${backend}/${cell}-T${T}`;
}

/** Reads the rate table of a runs root (an empty one when there is none). */
export async function readRates(root: string): Promise<RateTable> {
  const path = ratesPath(root);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return { format: "rnnx-rates/1", rates: {} };
    throw e;
  }
  let table: RateTable;
  try {
    table = JSON.parse(text);
  } catch (e) {
    throw new Error(`${path} is not valid JSON: ${(e as Error).message}`);
  }
  if (table?.format !== "rnnx-rates/1" || typeof table.rates !== "object") {
    throw new Error(`${path}: format is ${JSON.stringify(table?.format)}, expected "rnnx-rates/1"`);
  }
  return table;
}

/**
 * Measures the rates of one cell with a short benchmark (`opts` replaces the default
 * warm-up and repeats of all three).
 */
export async function calibrateCell(
  cell: string,
  T: number,
  opts?: MeasureOptions,
): Promise<CellRates> {
  await initBackend({ quiet: true });
  const short = opts ?? { warmup: 1, repeats: 3 };
  // training keeps the benchmark's steady-state warm-up unless `opts` says otherwise
  const train = await benchTrain(cell, { T, ...(opts ?? { repeats: 3 }) });
  const evaluation = await benchEval(cell, { T, ...short });
  const explanation = await benchExplain(cell, { T, method: rateMethod(cell), ...short });
  return {
    train: train.median_per_s,
    eval: evaluation.median_per_s,
    explain: explanation.median_per_s,
    measuredAt: new Date().toISOString(),
  };
}

async function writeRates(root: string, table: RateTable): Promise<void> {
  await Deno.mkdir(dirname(ratesPath(root)), { recursive: true });
  await writeFileAtomic(ratesPath(root), JSON.stringify(table, null, 2) + "\n");
}

/**
 * Stores benchmark rows as rates: the median of each `train`, `eval` and
 * `explain` row (of the cell's {@link rateMethod}) replaces the stored rate of
 * its backend, cell and T. A (cell,
 * T) is stored once it has all three (from these rows or stored before).
 * Returns the keys stored.
 *
 * @example
 * ```ts ignore
 * const { rows } = await runBench(["--cases", "train,eval,explain", "--methods", "dtd", "--cells", "deep"]);
 * await storeBenchRates(defaultRunsRoot(), rows); // ["wasm/deep-T12"]
 * ```
 */
export async function storeBenchRates(root: string, rows: readonly BenchRow[]): Promise<string[]> {
  const table = await readRates(root);
  const updated = new Map<string, Partial<CellRates>>();
  for (const r of rows) {
    if (r.case === "explain" && r.method !== rateMethod(r.cell)) continue;
    if (r.case !== "train" && r.case !== "eval" && r.case !== "explain") continue;
    const key = rateKey(r.backend, r.cell, r.T);
    const entry = updated.get(key) ?? { ...table.rates[key] };
    entry[r.case] = r.median_per_s;
    updated.set(key, entry);
  }
  const stored: string[] = [];
  for (const [key, entry] of updated) {
    if (entry.train === undefined || entry.eval === undefined || entry.explain === undefined) {
      continue;
    }
    table.rates[key] = {
      train: entry.train,
      eval: entry.eval,
      explain: entry.explain,
      measuredAt: new Date().toISOString(),
      cpu: machineInfo().cpu,
    };
    stored.push(key);
  }
  if (stored.length > 0) await writeRates(root, table);
  return stored;
}

/**
 * The rates of every (cell, T) on the current backend: stored ones, and
 * calibrated ones for the rest (stored at once). `onCalibrate` hears about
 * each calibration before it starts.
 */
export async function ratesFor(
  root: string,
  models: readonly { cell: string; T: number }[],
  onCalibrate?: (cell: string, T: number) => void | Promise<void>,
): Promise<Map<string, CellRates>> {
  await initBackend({ quiet: true });
  const backend = backendInfo().name;
  const table = await readRates(root);
  const out = new Map<string, CellRates>();
  let changed = false;
  for (const { cell, T } of models) {
    const key = rateKey(backend, cell, T);
    if (out.has(key)) continue;
    let rates: CellRates | undefined = table.rates[key];
    if (!rates) {
      await onCalibrate?.(cell, T);
      rates = await calibrateCell(cell, T);
      table.rates[key] = { ...rates, cpu: machineInfo().cpu };
      changed = true;
    }
    out.set(key, rates);
  }
  if (changed) await writeRates(root, table);
  return out;
}
