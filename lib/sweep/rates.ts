/**
 * Measured throughput the sweep estimates costs from: sequences per second of
 * training and evaluation and heatmaps per second of explaining, per backend,
 * cell and T, kept in `<root>/.sweep/rates.json`. Rates that are missing are
 * measured by a short calibration with the benchmark's own functions
 * (`benchTrain`, `benchEval`, `benchExplain`: one warm-up, three timed runs),
 * and stored for the next plan.
 *
 * @module
 */
import { dirname } from "node:path";
import { backendInfo, initBackend } from "../backend/mod.ts";
import {
  benchEval,
  benchExplain,
  benchTrain,
  machineInfo,
  type MeasureOptions,
  writeFileAtomic,
} from "../train/mod.ts";
import { ratesPath } from "./layout.ts";

/** The rates of one cell at one T. */
export interface CellRates {
  /** Training sequences per second (Adam step with dropout, batch 50). */
  train: number;
  /** Evaluation sequences per second (batch 250). */
  eval: number;
  /** DTD heatmaps per second (batch 100). */
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

/** Measures the rates of one cell with a short benchmark. */
export async function calibrateCell(
  cell: string,
  T: number,
  opts: MeasureOptions = { warmup: 1, repeats: 3 },
): Promise<CellRates> {
  await initBackend({ quiet: true });
  const train = await benchTrain(cell, { T, ...opts });
  const evaluation = await benchEval(cell, { T, ...opts });
  const explanation = await benchExplain(cell, { T, method: "dtd", ...opts });
  return {
    train: train.median_per_s,
    eval: evaluation.median_per_s,
    explain: explanation.median_per_s,
    measuredAt: new Date().toISOString(),
  };
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
  if (changed) {
    await Deno.mkdir(dirname(ratesPath(root)), { recursive: true });
    await writeFileAtomic(ratesPath(root), JSON.stringify(table, null, 2) + "\n");
  }
  return out;
}
