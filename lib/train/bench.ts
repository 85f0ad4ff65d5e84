/**
 * Throughput measurements: {@link measureRate} times any operation after a
 * warm-up and reports the median and the spread of items per second;
 * {@link benchTrain} and {@link benchEval} apply it to one Adam step with
 * dropout and an evaluation-mode forward pass (the heatmaps of a relevance
 * method are measured a floor up, by `benchExplain` in `lib/relevance`).
 * Each case is a {@link CellOperation} ({@link trainOperation},
 * {@link evalOperation}), which {@link measureOperation} times and the bench's
 * `profile` case takes apart; a new case builds one on {@link benchBatch}.
 *
 * @module
 */
import { backendInfo, blasRegistration, tf } from "../backend/mod.ts";
import { buildCell, createModel, disposeModel, forward } from "../cells/mod.ts";
import { Prng } from "../data/mod.ts";
import { Adam } from "./adam.ts";
import { ADAM_DEFAULTS, BATCH_SIZE, DEFAULT_LEARNING_RATE } from "./hyperparameters.ts";
import { StepReplay } from "./step_replay.ts";

/** Items per second over repeated timed runs. */
export interface RateStats {
  /** Median rate. */
  median: number;
  /** Slowest run. */
  min: number;
  /** Fastest run. */
  max: number;
  /** Every timed run's rate, in order. */
  rates: number[];
}

/** How often to run a measured operation. */
export interface MeasureOptions {
  /** Untimed runs first (default 2). */
  warmup?: number;
  /** Timed runs (default 7). */
  repeats?: number;
}

/** {@link measureRate}'s defaults: 2 untimed runs, 7 timed. */
export const MEASURE_DEFAULTS: Readonly<Required<MeasureOptions>> = { warmup: 2, repeats: 7 };

/**
 * Runs `op` `warmup` times untimed, then `repeats` times timed, and returns
 * the rates `items / seconds` of the timed runs.
 *
 * @example
 * ```ts
 * import { measureRate } from "./bench.ts";
 * const stats = await measureRate(() => {
 *   let s = 0;
 *   for (let i = 0; i < 1e5; i++) s += i;
 * }, 1e5, { warmup: 1, repeats: 3 });
 * if (!(stats.min <= stats.median && stats.median <= stats.max)) throw new Error();
 * ```
 */
export async function measureRate(
  op: () => unknown | Promise<unknown>,
  items: number,
  opts: MeasureOptions = {},
): Promise<RateStats> {
  const warmup = opts.warmup ?? MEASURE_DEFAULTS.warmup;
  const repeats = opts.repeats ?? MEASURE_DEFAULTS.repeats;
  if (!(Number.isInteger(repeats) && repeats >= 1)) {
    throw new RangeError(`repeats must be a positive integer, found ${repeats}`);
  }
  for (let i = 0; i < warmup; i++) await op();
  const rates: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    await op();
    rates.push(items / ((performance.now() - t0) / 1000));
  }
  return { median: median(rates), min: Math.min(...rates), max: Math.max(...rates), rates };
}

/**
 * The median of `values` (the mean of the middle two for an even count).
 *
 * @example
 * ```ts
 * import { median } from "./bench.ts";
 * if (median([3, 1, 2]) !== 2 || median([4, 1, 2, 3]) !== 2.5) throw new Error();
 * ```
 */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError("the median of no values");
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** One row of a benchmark table (`deno task bench --json` prints an array of these). */
export interface BenchRow {
  /** What was measured: `train`, `eval` (sequences per second) or `explain` (heatmaps per second). */
  case: string;
  /** Cell id. */
  cell: string;
  /** Sequence length. */
  T: number;
  /** Batch size. */
  batch: number;
  /** The relevance method (`explain` and `quality` rows). */
  method?: string;
  /** The quality measure group, or `explain` (`quality` rows only). */
  measure?: string;
  /** `quality` rows: time per sample relative to explaining the same samples. */
  relative_cost?: number;
  /** `quality` rows: passes through the model per sample, e.g. `1 explain + 68 forward`. */
  passes?: string;
  /** `quality` rows: time relative to those passes measured alone (1: nothing else costs). */
  passes_cost?: number;
  /** The tfjs backend. */
  backend: string;
  /** Median items (sequences or heatmaps) per second. */
  median_per_s: number;
  /** Slowest run, items per second. */
  min_per_s: number;
  /** Fastest run, items per second. */
  max_per_s: number;
  /**
   * With `--vs-pytorch` (train rows): this side's thread count for the row's rate, the
   * better of oneDNN's 1 and 2 threads for a cell with convolutions.
   */
  threads?: number;
  /**
   * With `--vs-pytorch` (train rows): this side's best rate per thread over the thread
   * counts it was measured at (the ratio per core's numerator).
   */
  per_thread_per_s?: number;
  /** With `--vs-pytorch` (train rows): PyTorch's median, best of its thread counts. */
  pytorch_median_per_s?: number;
  /** With `--vs-pytorch`: the thread count of that best PyTorch median. */
  pytorch_threads?: number;
  /** With `--vs-pytorch`: median_per_s / pytorch_median_per_s. */
  ratio?: number;
  /** With `--vs-pytorch`: sequences per second per thread over PyTorch's best per thread. */
  ratio_per_core?: number;
  /**
   * `targets` explain rows: heatmaps per second over the same cell's training sequences per
   * second measured right after them, the median over the rounds.
   */
  training_ratio?: number;
  /**
   * With `--vs-pytorch --rounds n`: the rounds of this side and PyTorch measured back to
   * back; the rates, the ratio and the ratio per core are then medians over the rounds.
   */
  rounds?: number;
}

/**
 * One row from the rows of several rounds of the same measurement: the first's fields,
 * the median rate over the rounds, the slowest and fastest of any round, and `rounds`.
 *
 * @example
 * ```ts
 * import { roundsRow } from "./bench.ts";
 * const row = (m: number) => ({ case: "train", cell: "deep", T: 12, batch: 50, backend: "wasm",
 *   median_per_s: m, min_per_s: m - 5, max_per_s: m + 5 });
 * const r = roundsRow([row(300), row(200), row(310)]);
 * if (r.median_per_s !== 300 || r.min_per_s !== 195 || r.max_per_s !== 315 || r.rounds !== 3) {
 *   throw new Error();
 * }
 * ```
 */
export function roundsRow(rows: readonly BenchRow[]): BenchRow {
  if (rows.length === 0) throw new RangeError("a row needs at least one round");
  return {
    ...rows[0],
    median_per_s: median(rows.map((r) => r.median_per_s)),
    min_per_s: Math.min(...rows.map((r) => r.min_per_s)),
    max_per_s: Math.max(...rows.map((r) => r.max_per_s)),
    rounds: rows.length,
  };
}

/**
 * Untimed steps before a cell benchmark times any (its `warmup` default): V8 compiles the
 * engine's JavaScript and the kernels' buffers settle over the first steps, and a run
 * spends all but its first steps in that steady state. Measured on Deep (T = 12, batch 50):
 * 3,300–3,700 sequences/s after 2 warm-up steps, 3,800–4,100 after 30.
 */
export const CELL_WARMUP = 20;

/** The warm-up and repeats a cell benchmark runs with ({@link CELL_WARMUP} by default). */
export function cellMeasure(opts: MeasureOptions): Required<MeasureOptions> {
  return {
    warmup: opts.warmup ?? CELL_WARMUP,
    repeats: opts.repeats ?? MEASURE_DEFAULTS.repeats,
  };
}

/** Options of the cell benchmarks (`warmup` defaults to {@link CELL_WARMUP}). */
export interface CellBenchOptions extends MeasureOptions {
  /** Sequence length (default 12). */
  T?: number;
  /** Batch size (default 50 for training, 250 for evaluation, 100 for explanations). */
  batch?: number;
  /** Seed of the model and the random batch (default 0). */
  seed?: number;
}

/**
 * A random benchmark batch: `batch` images `[batch, 28, width]` uniform in
 * [−1, 1] and labels drawn from 0–9, the same for the same seed.
 *
 * @example
 * ```ts
 * import { benchBatch } from "./bench.ts";
 * const { x, y } = benchBatch(7, 2, 0);
 * if (x.shape.join() !== "2,28,7" || y.shape[0] !== 2) throw new Error();
 * x.dispose();
 * y.dispose();
 * ```
 */
export function benchBatch(
  width: number,
  batch: number,
  seed: number,
): { x: tf.Tensor3D; y: tf.Tensor1D } {
  const prng = new Prng(seed).fork("bench-batch");
  const x = new Float32Array(batch * 28 * width);
  for (let i = 0; i < x.length; i++) x[i] = 2 * prng.next() - 1;
  const labels = Int32Array.from({ length: batch }, () => prng.int(10));
  return { x: tf.tensor3d(x, [batch, 28, width]), y: tf.tensor1d(labels, "int32") };
}

/** A {@link BenchRow} of one case on the current backend from measured rates. */
export function benchRow(
  name: string,
  cell: string,
  T: number,
  batch: number,
  stats: RateStats,
  method?: string,
): BenchRow {
  return {
    case: name,
    cell,
    T,
    batch,
    ...(method === undefined ? {} : { method }),
    backend: backendInfo().name,
    median_per_s: stats.median,
    min_per_s: stats.min,
    max_per_s: stats.max,
  };
}

/**
 * One operation of a cell benchmark, ready to call: a training step, a forward pass or
 * a batch of heatmaps on a random batch, with what its rows record.
 */
export interface CellOperation {
  /** The case it belongs to (`train`, `eval`, `explain`). */
  case: string;
  /** Cell id. */
  cell: string;
  /** Sequence length. */
  T: number;
  /** Sequences (or heatmaps) per call. */
  batch: number;
  /** The relevance method (`explain` only). */
  method?: string;
  /** One call. */
  run(): unknown;
  /** Releases the model, the batch and any optimiser state. */
  dispose(): void;
}

/**
 * The rate of `op` over timed calls after warm-up ({@link cellMeasure}), as a row;
 * releases `op` afterwards.
 */
export async function measureOperation(
  op: CellOperation,
  opts: MeasureOptions = {},
): Promise<BenchRow> {
  try {
    const stats = await measureRate(() => op.run(), op.batch, cellMeasure(opts));
    return benchRow(op.case, op.cell, op.T, op.batch, stats, op.method);
  } finally {
    op.dispose();
  }
}

/**
 * One Adam step with dropout (forward, loss, gradients, update) on a random batch
 * (default 50), as {@link benchTrain} times it.
 *
 * @example
 * ```ts
 * import { initBackend } from "../backend/mod.ts";
 * import { trainOperation } from "./bench.ts";
 * await initBackend({ quiet: true });
 * const op = trainOperation("shallow", { T: 7, batch: 4 });
 * op.run();
 * op.dispose();
 * ```
 */
export function trainOperation(cell: string, opts: CellBenchOptions = {}): CellOperation {
  const spec = buildCell(cell, opts.T ?? 12);
  const batch = opts.batch ?? BATCH_SIZE;
  const seed = opts.seed ?? 0;
  const model = createModel(spec, { seed });
  const adam = new Adam(model.params, { learningRate: DEFAULT_LEARNING_RATE, ...ADAM_DEFAULTS });
  const { x, y } = benchBatch(spec.width, batch, seed);
  const dropout = new Prng(seed).fork("bench-dropout");
  const steps = new StepReplay(model, adam);
  return {
    case: "train",
    cell: spec.id,
    T: spec.T,
    batch,
    run: () => steps.step(x, y, dropout.seed32()),
    dispose: () => {
      steps.dispose();
      tf.dispose([x, y]);
      adam.dispose();
      disposeModel(model);
    },
  };
}

/**
 * Training throughput of a cell: sequences per second of one Adam step with
 * dropout (forward, loss, gradients, update) on a random batch.
 */
export function benchTrain(cell: string, opts: CellBenchOptions = {}): Promise<BenchRow> {
  return measureOperation(trainOperation(cell, opts), opts);
}

/**
 * Training throughput as {@link benchTrain} measures it, once per oneDNN thread count of
 * `counts` where the cell has convolutions and oneDNN runs them (the weights' bits are
 * the same at every count); otherwise one row, at the libraries' own counts. Each row
 * holds in `threads` the most threads it ran on (oneDNN's or OpenBLAS's). oneDNN's count
 * is restored afterwards.
 *
 * @example
 * ```ts
 * import { initBackend } from "../backend/mod.ts";
 * import { benchTrainThreads } from "./bench.ts";
 * await initBackend({ quiet: true });
 * const rows = await benchTrainThreads("shallow", { T: 7, batch: 4, warmup: 1, repeats: 2 });
 * // a dense cell: one measurement, at the library's count
 * if (rows.length !== 1 || rows[0].threads !== 1) throw new Error();
 * ```
 */
export async function benchTrainThreads(
  cell: string,
  opts: CellBenchOptions = {},
  counts: readonly number[] = [1, 2],
): Promise<BenchRow[]> {
  const registration = blasRegistration();
  const dnnl = registration?.dnnl ?? null;
  const blasThreads = registration?.library?.threads ?? 1;
  const spec = buildCell(cell, opts.T ?? 12);
  const convolves = [...spec.step, ...spec.output].some((n) => n.op === "conv");
  if (dnnl === null || !convolves) {
    return [{ ...await benchTrain(cell, opts), threads: blasThreads }];
  }
  const before = dnnl.threads;
  const rows: BenchRow[] = [];
  try {
    for (const n of counts) {
      dnnl.setThreads(n);
      await dnnl.started();
      rows.push({ ...await benchTrain(cell, opts), threads: Math.max(n, blasThreads) });
    }
  } finally {
    dnnl.setThreads(before);
  }
  return rows;
}

/**
 * The row with the highest median rate (the first of equals), with the best rate per
 * thread of all the rows (`per_thread_per_s`), as the reference's is taken.
 *
 * @example
 * ```ts
 * import { fastestRow } from "./bench.ts";
 * const row = (threads: number, median_per_s: number) => ({ case: "train", cell: "convdeep",
 *   T: 12, batch: 50, backend: "wasm", median_per_s, min_per_s: 0, max_per_s: 0, threads });
 * const best = fastestRow([row(1, 400), row(2, 500)]);
 * if (best.threads !== 2 || best.per_thread_per_s !== 400) throw new Error();
 * ```
 */
export function fastestRow(rows: readonly BenchRow[]): BenchRow {
  if (rows.length === 0) throw new RangeError("no rows to choose from");
  const best = rows.reduce((a, b) => (b.median_per_s > a.median_per_s ? b : a));
  const perThread = Math.max(...rows.map((r) => r.median_per_s / (r.threads ?? 1)));
  return { ...best, per_thread_per_s: perThread };
}

/** A forward pass without dropout on a random batch (default 250), as {@link benchEval} times it. */
export function evalOperation(cell: string, opts: CellBenchOptions = {}): CellOperation {
  const spec = buildCell(cell, opts.T ?? 12);
  const batch = opts.batch ?? 250;
  const seed = opts.seed ?? 0;
  const model = createModel(spec, { seed });
  const { x, y } = benchBatch(spec.width, batch, seed);
  return {
    case: "eval",
    cell: spec.id,
    T: spec.T,
    batch,
    run: () => {
      const z = forward(model, x);
      z.dataSync();
      z.dispose();
    },
    dispose: () => {
      tf.dispose([x, y]);
      disposeModel(model);
    },
  };
}

/** Evaluation throughput of a cell: sequences per second of a forward pass without dropout. */
export function benchEval(cell: string, opts: CellBenchOptions = {}): Promise<BenchRow> {
  return measureOperation(evalOperation(cell, opts), opts);
}

/** Rows as a Markdown table (PyTorch columns appear when a row has them). */
export function benchTable(rows: readonly BenchRow[]): string {
  const f = (v: number) => v >= 100 ? v.toFixed(0) : v.toPrecision(3);
  const torch = rows.some((r) => r.pytorch_median_per_s !== undefined);
  const cost = rows.some((r) => r.relative_cost !== undefined);
  const passes = rows.some((r) => r.passes !== undefined);
  const head = "| case | cell | T | batch | method | backend | median /s | min | max |";
  const rule = "| --- | --- | ---: | ---: | --- | --- | ---: | ---: | ---: |";
  const dash = (v: number | undefined, digits: number) => v === undefined ? "–" : v.toFixed(digits);
  return [
    head + (torch ? " threads | PyTorch /s | PyTorch threads | ratio | per core |" : "") +
    (cost ? " × explain |" : "") +
    (passes ? " passes per sample | × passes |" : ""),
    rule + (torch ? " ---: | ---: | ---: | ---: | ---: |" : "") + (cost ? " ---: |" : "") +
    (passes ? " --- | ---: |" : ""),
    ...rows.map((r) => {
      const method = r.measure ? `${r.method} · ${r.measure}` : r.method ?? "–";
      const base = `| ${r.case} | ${r.cell} | ${r.T} | ${r.batch} | ${method} | ${r.backend} | ${
        f(r.median_per_s)
      } | ${f(r.min_per_s)} | ${f(r.max_per_s)} |`;
      const tail = (cost ? ` ${dash(r.relative_cost, (r.relative_cost ?? 1) < 1 ? 2 : 1)} |` : "") +
        (passes ? ` ${r.passes ?? "–"} | ${dash(r.passes_cost, 2)} |` : "");
      if (!torch) return base + tail;
      const threads = `${base} ${r.threads ?? "–"} |`;
      if (r.pytorch_median_per_s === undefined) return `${threads} – | – | – | – |${tail}`;
      return `${threads} ${f(r.pytorch_median_per_s)} | ${r.pytorch_threads ?? "–"} | ${
        r.ratio!.toFixed(2)
      } | ${dash(r.ratio_per_core, 2)} |${tail}`;
    }),
  ].join("\n");
}
