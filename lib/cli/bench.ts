/**
 * `deno task bench [--cells deep,rlstm,convdeep]
 * [--cases train,eval,explain,quality,memory,workers,profile,targets]
 * [--methods dtd,lrp-a1.5b0.5]
 * [--T 12] [--batch n] [--warmup 20] [--repeats 7]
 * [--vs-pytorch [--rounds 1]] [--dataset mnist-maj] [--steps 20] [--folds 2] [--profile quick]
 * [--jobs 1,2] [--json] [--save-rates]`.
 *
 * - `train`: sequences per second of one Adam step with dropout (batch 50);
 * - `eval`: sequences per second of a forward pass without dropout (batch 250);
 * - `explain`: heatmaps per second of each of `--methods` (batch: as many
 *   images as `explain` takes at once for the cell, 500 for the dense cells,
 *   100–141 for the conv cells);
 * - `quality`: samples per second of explaining 500 samples with each of
 *   `--methods`, of a forward pass over them and of each explanation-quality
 *   measure group on them (perturbation, localisation, randomisation), with
 *   its cost relative to the explanation and to the explain and forward
 *   passes per sample it makes (`--batch` changes the 500);
 * - `memory`: resident memory of a MAJ run: the task, one model, `--steps`
 *   training batches and the evaluation of the test fold, for `--folds` folds
 *   (run one cell per call for exact per-cell numbers);
 * - `workers`: wall-clock time of a multi-fold run (every fold `--profile`
 *   trains of the cell on `--dataset`, training and evaluation, from scratch)
 *   with each of `--jobs` local worker processes, the speedup over the first
 *   count, a run's mean seconds in its training epochs and the rest of its
 *   time, and a check that the weights are bit-identical across counts
 *   (`--folds` changes the profile's folds);
 * - `profile`: where the time of a training step and of each of `--methods`'
 *   explanation batches goes (`lib/train/operation_profile.ts`): the plain time
 *   of a call, every kernel's calls and own time, and V8's sampling profile by
 *   script and function (`--repeats` calls a pass, default 20);
 * - `targets`: the engine's speed targets in one run (`lib/sweep/targets.ts`):
 *   for deep, rlstm, convdeep and conv+deep (`--cells`), in `--rounds`
 *   (default 3) of explaining with DTD and LRP-α1.5β0.5 (`--methods`), then
 *   training, then PyTorch's training, back to back; 4 Deep MNIST-MAJ folds
 *   of `quick` with 1, 2 and again 1 worker (`--folds`, `--profile`, `--jobs`),
 *   the passes of one count averaged; and the full
 *   protocol's cost from a fresh calibration. Prints each target's verdict
 *   before the tables.
 *
 * Rates are the median, slowest and fastest of the timed runs after warm-up
 * (train, eval and explain: 20 untimed steps unless `--warmup` says otherwise, the
 * steady state of a run), on the active backend (the native BLAS is used when it
 * loads; `RNNX_BLAS=off` turns it off). `--vs-pytorch` also runs
 * `bench/torch_reference.py` (1 and 2 threads, the same warm-up and timed steps) right
 * after each training row of a cell it has, and adds PyTorch's best median, the ratio
 * and the ratio per core (rates per thread, this side's threads being the native
 * libraries') to the row; `--rounds n` measures both sides back to back n times per
 * cell and reports the medians over the rounds. There (and in `targets`) this side
 * trains a cell with convolutions on 1 and on 2 oneDNN threads, as the reference runs
 * on 1 and 2, and reports the better with its count (the same bits either way).
 * Default cells: every T = 12 cell for `train` and `eval`; deep, rlstm,
 * convdeep and convrlstm-sd for `explain`; deep for `quality`, `workers` and `profile`;
 * convdeep for `memory`.
 * Prints the machine and a Markdown table, or a JSON array of the records with
 * `--json`. `--save-rates` stores the train, eval and DTD explain rates as the
 * rates `deno task sweep` prices runs with (`<runs>/.sweep/rates.json`).
 *
 * @module
 */
import { backendInfo, blasRegistration, initBackend } from "../backend/mod.ts";
import {
  CELL_IDS,
  CELL_LENGTHS,
  type CellId,
  parseCellId,
  STANDARD_CELL_IDS,
} from "../cells/mod.ts";
import {
  BENCH_EXPLAIN_METHODS,
  benchExplain,
  explainOperation,
  parseMethod,
  STANDARD_BENCH_EXPLAIN_METHODS,
} from "../relevance/mod.ts";
import { benchQuality } from "../eval/mod.ts";
import {
  benchEval,
  benchMemory,
  type BenchRow,
  benchTable,
  benchTrain,
  benchTrainThreads,
  type CellBenchOptions,
  cellMeasure,
  type CellOperation,
  defaultRunsRoot,
  fastestRow,
  getProfile,
  type MachineInfo,
  machineInfo,
  machineLines,
  type MemoryRow,
  memoryTable,
  type OperationProfile,
  pairedTorchRow,
  profileOperation,
  profileTables,
  runTorchReference,
  TORCH_CELLS,
  trainOperation,
} from "../train/mod.ts";
import {
  assessTargets,
  type ExplainRound,
  measureWorkerScaling,
  pairedExplainRow,
  protocolCost,
  storeBenchRates,
  TARGET_CELLS,
  TARGET_METHODS,
  TARGET_WORKER_CELL,
  TARGET_WORKER_FOLDS,
  TARGET_WORKER_JOBS,
  type TargetRow,
  targetsTable,
  type WorkerScalingRow,
  workerScalingTable,
} from "../sweep/mod.ts";
import { workerCommand } from "./sweep.ts";
import { exitCodeOf, parseOptions, UsageError, wantsHelp } from "./usage.ts";

/** The throughput cases and the function that measures each. */
export const BENCH_CASES = {
  train: benchTrain,
  eval: benchEval,
  explain: benchExplain,
} as const;

/** Every case name: the throughput cases, `quality`, `memory`, `workers`, `profile` and `targets`. */
export const CASE_NAMES: readonly string[] = [
  ...Object.keys(BENCH_CASES),
  "quality",
  "memory",
  "workers",
  "profile",
  "targets",
];

/** A throughput case name. */
export type BenchCase = keyof typeof BENCH_CASES;

/** Cells measured by default per case (train and eval: every T = 12 cell). */
export const DEFAULT_CELLS: Record<
  "explain" | "quality" | "memory" | "workers" | "profile",
  readonly CellId[]
> = {
  explain: ["deep", "rlstm", "convdeep", "convrlstm-sd", "lstm", "gru"],
  quality: ["deep"],
  memory: ["convdeep"],
  workers: ["deep"],
  profile: ["deep"],
};

/** Where one operation's time went (the `profile` case). */
export interface ProfileRow {
  /** `train` or `explain`. */
  case: string;
  /** Cell id. */
  cell: string;
  /** Sequence length. */
  T: number;
  /** Sequences or heatmaps per call. */
  batch: number;
  /** The relevance method (`explain` only). */
  method?: string;
  /** The tfjs backend. */
  backend: string;
  /** The profile, every time per call. */
  profile: OperationProfile;
}

/** Profiles `op` (and releases it) as a {@link ProfileRow}. */
async function profileRow(op: CellOperation, common: CellBenchOptions): Promise<ProfileRow> {
  try {
    const profile = await profileOperation(() => op.run(), {
      warmup: cellMeasure(common).warmup,
      repeats: common.repeats,
    });
    return {
      case: op.case,
      cell: op.cell,
      T: op.T,
      batch: op.batch,
      ...(op.method === undefined ? {} : { method: op.method }),
      backend: backendInfo().name,
      profile,
    };
  } finally {
    op.dispose();
  }
}

/** A profile row as Markdown: its title, then {@link profileTables}. */
export function profileReport(r: ProfileRow): string {
  const what = r.method === undefined ? "training step" : `${r.method} heatmaps`;
  return profileTables(
    `${r.cell} ${what} (T = ${r.T}, batch ${r.batch}, ${r.backend})`,
    r.profile,
  );
}

const USAGE = "usage: deno task bench [--cells a,b] " +
  "[--cases train,eval,explain,quality,memory,workers,profile,targets] " +
  "[--methods dtd,lrp-a1.5b0.5] [--T n] [--batch n] [--warmup n] [--repeats n] [--vs-pytorch] " +
  "[--rounds n] " +
  "[--dataset mnist-maj] [--steps n] [--folds n] [--profile quick] [--jobs 1,2] [--json] " +
  "[--save-rates]";

/** What {@link runBench} measured. */
export interface BenchResult {
  /** Throughput rows. */
  rows: BenchRow[];
  /** Memory rows. */
  memory: MemoryRow[];
  /** Local-worker scaling rows. */
  workers: WorkerScalingRow[];
  /** Where the time of each profiled operation went (the `profile` case). */
  profiles: ProfileRow[];
  /** The verdict on each speed target (the `targets` case). */
  targets: TargetRow[];
  /** The machine and software. */
  machine: MachineInfo;
  /** Whether `--json` was given. */
  json: boolean;
}

/** Runs the benchmark described by command-line `args` and returns its rows. */
export async function runBench(
  args: string[],
  log: (line: string) => void = () => {},
): Promise<BenchResult> {
  const opts = parseOptions(
    args,
    {
      cells: { type: "string" },
      cases: { type: "string" },
      methods: { type: "string" },
      T: { type: "string" },
      batch: { type: "string" },
      warmup: { type: "string" },
      repeats: { type: "string" },
      "vs-pytorch": { type: "boolean" },
      rounds: { type: "string" },
      dataset: { type: "string" },
      steps: { type: "string" },
      folds: { type: "string" },
      profile: { type: "string" },
      jobs: { type: "string" },
      json: { type: "boolean" },
      "save-rates": { type: "boolean" },
    },
    USAGE,
  );
  const T = opts.T === undefined ? 12 : Number(opts.T);
  if (!Number.isInteger(T) || T < 1) {
    throw new UsageError(`--T must be a positive integer, found "${opts.T}"`, USAGE);
  }
  const given = opts.cells
    ? String(opts.cells).split(",").map((c) => parseCellId(c.trim()))
    : undefined;
  const cells = (c: string): readonly CellId[] =>
    given ??
      (c === "explain" || c === "quality" || c === "memory" || c === "workers" ||
          c === "profile"
        ? DEFAULT_CELLS[c]
        : CELL_IDS.filter((id) => CELL_LENGTHS[id].includes(T)));
  const cases = String(opts.cases ?? "train").split(",").map((c) => c.trim());
  for (const c of cases) {
    if (!CASE_NAMES.includes(c)) {
      throw new UsageError(`unknown case "${c}"; valid cases: ${CASE_NAMES.join(", ")}`, USAGE);
    }
  }
  const givenMethods = opts.methods
    ? String(opts.methods).split(",").map((m) => parseMethod(m.trim()).name)
    : undefined;
  // The thesis composites have no rule for the real-valued states of the standard cells.
  const methodsFor = (cell: string): readonly string[] =>
    givenMethods ??
      ((STANDARD_CELL_IDS as readonly string[]).includes(cell)
        ? STANDARD_BENCH_EXPLAIN_METHODS
        : BENCH_EXPLAIN_METHODS);
  const num = (name: string, v: unknown, min: number) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!/^\d+$/.test(String(v)) || !Number.isSafeInteger(n) || n < min) {
      throw new UsageError(`--${name} must be an integer of at least ${min}, found "${v}"`, USAGE);
    }
    return n;
  };
  const common: CellBenchOptions = {
    T,
    batch: num("batch", opts.batch, 1),
    warmup: num("warmup", opts.warmup, 0),
    repeats: num("repeats", opts.repeats, 1),
  };
  const rounds = num("rounds", opts.rounds, 1);
  if (rounds !== undefined && !opts["vs-pytorch"] && !cases.includes("targets")) {
    throw new UsageError("--rounds pairs rows with PyTorch's: it needs --vs-pytorch", USAGE);
  }
  if (opts["save-rates"] && (opts["vs-pytorch"] || cases.includes("targets"))) {
    throw new UsageError(
      "--save-rates stores the one-thread rates a sweep's workers run at, while --vs-pytorch " +
        "and targets train the conv cells at their better of 1 and 2 oneDNN threads: " +
        "run them separately",
      USAGE,
    );
  }
  // the same warm-up and number of timed steps on both sides
  const torchSteps = cellMeasure(common);
  const steps = num("steps", opts.steps, 1);
  const folds = num("folds", opts.folds, 1);
  const jobs = String(opts.jobs ?? "1,2").split(",").map((j) => num("jobs", j.trim(), 1)!);
  if (
    folds !== undefined && folds < 2 && (cases.includes("workers") || cases.includes("targets"))
  ) {
    throw new UsageError(
      `--folds must be at least 2 for workers and targets, found ${folds}`,
      USAGE,
    );
  }
  await initBackend();
  const rows: BenchRow[] = [];
  const memory: MemoryRow[] = [];
  const workers: WorkerScalingRow[] = [];
  const targets: TargetRow[] = [];
  const profiles: ProfileRow[] = [];
  const pairedTrain = async (
    cell: string,
    n: number,
    ours: () => Promise<BenchRow> = async () => fastestRow(await benchTrainThreads(cell, common)),
  ): Promise<BenchRow> => {
    // a cell the reference lacks gets this side's rates only (and no ratio)
    const r = await pairedTorchRow(
      n,
      ours,
      (row) =>
        TORCH_CELLS.includes(cell)
          ? runTorchReference({ cells: [cell], batch: row.batch, T, ...torchSteps })
          : Promise.resolve([]),
      blasRegistration()?.library?.threads ?? 1,
    );
    log(
      `train ${cell}: ${r.median_per_s.toFixed(1)} seq/s, PyTorch ${
        r.pytorch_median_per_s?.toFixed(1) ?? "–"
      } seq/s (${n} round${n === 1 ? "" : "s"})`,
    );
    return r;
  };
  const explainRows = async (cell: string, methods: readonly string[]): Promise<BenchRow[]> => {
    const out: BenchRow[] = [];
    for (const method of methods) {
      const r = await benchExplain(cell, { ...common, method });
      log(`explain ${cell} ${method}: ${r.median_per_s.toFixed(1)} heatmaps/s`);
      out.push(r);
    }
    return out;
  };
  const workerRows = async (
    cell: string,
    foldCount?: number,
    counts: readonly number[] = jobs,
  ): Promise<WorkerScalingRow[]> => {
    const base = getProfile(String(opts.profile ?? "quick"));
    const measured = await measureWorkerScaling({
      profile: foldCount === undefined
        ? base
        : { ...base, folds: foldCount, trainFolds: foldCount },
      cell,
      dataset: opts.dataset === undefined ? "mnist-maj" : String(opts.dataset),
      jobs: counts,
      command: workerCommand,
      log,
    });
    for (const r of measured) {
      log(
        `workers ${cell}: ${r.jobs} worker(s) ${r.seconds.toFixed(1)} s, ${r.speedup.toFixed(2)}×`,
      );
    }
    return measured;
  };
  for (const c of cases) {
    if (c === "targets") {
      const methods = givenMethods ?? TARGET_METHODS;
      const train: BenchRow[] = [];
      const explain: BenchRow[] = [];
      for (const cell of given ?? TARGET_CELLS) {
        // each round: the explanations, this side's training, PyTorch's, back to back
        const explained = methods.map(() => [] as ExplainRound[]);
        train.push(
          await pairedTrain(cell, rounds ?? 3, async () => {
            const rows = await explainRows(cell, methods);
            const trained = await benchTrainThreads(cell, common);
            // explaining against training on the threads it was measured on
            const dnnl = blasRegistration()?.dnnl;
            const t = trained.length === 1 || !dnnl
              ? trained[0]
              : trained.find((r) => r.threads === dnnl.threads) ?? await benchTrain(cell, common);
            rows.forEach((r, i) => explained[i].push({ explain: r, train: t }));
            return fastestRow(trained);
          }),
        );
        explain.push(...explained.map(pairedExplainRow));
      }
      const scaling = await workerRows(
        TARGET_WORKER_CELL,
        folds ?? TARGET_WORKER_FOLDS,
        opts.jobs === undefined ? TARGET_WORKER_JOBS : jobs,
      );
      const protocol = await protocolCost((cell, t) => log(`protocol: calibrating ${cell} T${t}`));
      log(`protocol: ${protocol.coreHours.toFixed(1)} core-hours for ${protocol.runs} runs`);
      rows.push(...train, ...explain);
      workers.push(...scaling);
      targets.push(...assessTargets({ train, explain, workers: scaling, protocol }));
      continue;
    }
    for (const cell of cells(c)) {
      if (c === "workers") {
        workers.push(...await workerRows(cell, folds));
      } else if (c === "profile") {
        const ops = [
          () => trainOperation(cell, common),
          ...methodsFor(cell).map((method) => () => explainOperation(cell, { ...common, method })),
        ];
        for (const make of ops) {
          const r = await profileRow(make(), common);
          log(
            `profile ${cell} ${r.method ?? "train"}: ${r.profile.plainMs.toFixed(2)} ms a call`,
          );
          profiles.push(r);
        }
      } else if (c === "memory") {
        const r = await benchMemory(cell, {
          dataset: opts.dataset === undefined ? undefined : String(opts.dataset),
          steps,
          folds,
        });
        log(`memory ${cell}: peak ${r.peak_rss_mb.toFixed(0)} MiB`);
        memory.push(r);
      } else if (c === "quality") {
        for (const method of methodsFor(cell)) {
          const measured = await benchQuality(cell, {
            method,
            batch: common.batch,
            warmup: common.warmup,
            repeats: common.repeats,
          });
          for (const r of measured) {
            log(
              `quality ${cell} ${method} ${r.measure}: ${
                r.relative_cost!.toPrecision(2)
              }× explain; ` +
                `${r.passes} per sample, ${r.passes_cost!.toFixed(2)}× passes`,
            );
          }
          rows.push(...measured);
        }
      } else if (c === "explain") {
        rows.push(...await explainRows(cell, methodsFor(cell)));
      } else if (c === "train" && opts["vs-pytorch"] && TORCH_CELLS.includes(cell)) {
        rows.push(await pairedTrain(cell, rounds ?? 1));
      } else {
        const r = await BENCH_CASES[c as BenchCase](cell, common);
        log(`${c} ${cell}: ${r.median_per_s.toFixed(1)} seq/s`);
        rows.push(r);
      }
    }
  }
  if (opts["vs-pytorch"] && !rows.some((r) => r.rounds !== undefined)) {
    throw new UsageError(
      `--vs-pytorch compares training rows of ${TORCH_CELLS.join(", ")}; none were measured`,
      USAGE,
    );
  }
  if (opts["save-rates"]) {
    const stored = await storeBenchRates(defaultRunsRoot(), rows);
    log(
      stored.length > 0
        ? `rates stored for deno task sweep: ${stored.join(", ")}`
        : "no rates stored: a cell needs train, eval and explain (dtd) rows",
    );
  }
  return {
    rows,
    memory,
    workers,
    profiles,
    targets,
    machine: machineInfo(),
    json: Boolean(opts.json),
  };
}

/** The Markdown report of a {@link BenchResult}: machine, then the tables. */
export function benchReport(result: BenchResult): string {
  const parts = [machineLines(result.machine).join("\n")];
  if (result.targets.length > 0) parts.push(targetsTable(result.targets));
  if (result.rows.length > 0) {
    parts.push(
      benchTable(result.rows) +
        "\n\ntrain, eval: sequences per second; explain: heatmaps per second; quality: samples " +
        "per second, × explain: time relative to explaining the same samples; × passes: time " +
        "relative to the explain and forward passes per sample it makes, each measured alone.",
    );
  }
  if (result.memory.length > 0) parts.push(memoryTable(result.memory));
  if (result.workers.length > 0) parts.push(workerScalingTable(result.workers));
  parts.push(...result.profiles.map(profileReport));
  return parts.join("\n\n");
}

if (import.meta.main) {
  if (wantsHelp(Deno.args)) {
    console.log(USAGE);
    Deno.exit(0);
  }
  try {
    const result = await runBench(Deno.args, (l) => console.error(l));
    console.log(
      result.json
        ? JSON.stringify(
          [
            ...result.rows,
            ...result.memory,
            ...result.workers,
            ...result.profiles,
            ...result.targets,
          ],
          null,
          2,
        )
        : benchReport(result),
    );
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    Deno.exit(exitCodeOf(e));
  }
}
