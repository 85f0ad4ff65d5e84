/**
 * `deno task explain`: explains test samples of a dataset with one method and
 * writes the weights, the inputs, the heatmaps and a description of the run
 * to an output folder (see lib/relevance/FORMAT.md).
 *
 * @module
 */
import { initBackend } from "../backend/mod.ts";
import {
  BIAS_MODES,
  type BiasMode,
  buildCell,
  CELL_IDS,
  CELL_LENGTHS,
  type CellId,
  type CellModel,
  createModel,
  disposeModel,
  loadModel,
} from "../cells/mod.ts";
import {
  loadTask,
  makeBatch,
  Prng,
  type SequenceSource,
  TASK_IDS,
  UnknownDatasetError,
} from "../data/mod.ts";
import {
  ARTIFACT_FILES,
  BIAS_TREATMENTS,
  type BiasTreatment,
  CONV_PLUS_FIRST_LAYER,
  type ConvPlusFirstLayer,
  explain,
  type Explanation,
  GUIDED_GATES,
  type GuidedGates,
  methodNames,
  type MethodOptions,
  parseMethod,
  worstConservation,
  writeExplanationRun,
} from "../relevance/mod.ts";
import { isMajTask, sequenceLength } from "../train/sequence_length.ts";
import { exitCodeOf, UsageError } from "./usage.ts";

const USAGE =
  `Usage: deno task explain --cell <cell> --dataset <dataset> --method <method> --out <dir>
                           [--T <t>] [--samples N] [--seed S] [--weights <file>] [options]

Explains N test samples (drawn with the seed) for their TRUE labels and writes
<dir>/weights.safetensors, inputs.safetensors, relevance.safetensors and
model.json (format: lib/relevance/FORMAT.md). Without --weights the model is
randomly initialised from the seed.

  --cell <c>        ${CELL_IDS.join(", ")}
  --T <t>           sequence length (default: 12 on the -maj datasets, else the cell's first)
  --dataset <d>     ${TASK_IDS.join(", ")}
  --method <m>      ${methodNames().join(", ")}
  --samples N       number of samples (default 8)
  --seed S          seed of the sample draw and of the random weights, in [0, 2^53) (default 0)
  --weights <file>  a weights.safetensors file (cell and T are read from it)
  --bias-mode <m>   random init only: ${BIAS_MODES.join(", ")} (default code)
  --out <dir>       output folder
Method options:
  --alpha A --beta B              method lrp (α − β = 1)
  --alpha-beta-at-pixels          LRP-αβ methods: αβ instead of z^β at the pixels
                                  (not conservative on [−1, 1] pixels: add the next flag)
  --allow-relevance-loss          dtd, LRP-αβ: accept rules that do not conserve relevance
  --conv-plus-first-layer <r>     ${CONV_PLUS_FIRST_LAYER.join(", ")} (default conservative)
  --gb-gates <g>                  method gb: ${GUIDED_GATES.join(", ")} (default zero)
  --epsilon E                     lrp-epsilon, lrp-gamma: the stabiliser ε
  --bias <b>                      lrp-epsilon: ${BIAS_TREATMENTS.join(", ")} (default absorb)
  --gamma G                       lrp-gamma: γ (default 0.25)
  -h, --help
Data come from $RNNX_DATA_MIRROR (e.g. /work/shared/datasets) or the other
sources of \`deno task data\`.`;

/** The parsed command line. */
export interface ExplainArgs {
  /** Cell id (optional with `weights`). */
  cell?: string;
  /** Sequence length (default: the cell's first, or the weights file's). */
  T?: number;
  /** Task id. */
  dataset: string;
  /** The method and its options. */
  method: MethodOptions;
  /** Number of samples. */
  samples: number;
  /** Seed of the sample draw and of the random initialisation. */
  seed: number;
  /** Weights file. */
  weights?: string;
  /** Bias mode of a random initialisation. */
  biasMode: BiasMode;
  /** Output folder. */
  out: string;
  /** Whether help was asked for. */
  help: boolean;
}

/** Raised for a command line that cannot be run (exit code 2). */
export class ExplainArgsError extends UsageError {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "ExplainArgsError";
  }
}

const VALUE_OPTIONS = [
  "--cell",
  "--T",
  "--dataset",
  "--method",
  "--samples",
  "--seed",
  "--weights",
  "--bias-mode",
  "--out",
  "--alpha",
  "--beta",
  "--conv-plus-first-layer",
  "--gb-gates",
  "--epsilon",
  "--bias",
  "--gamma",
];
const FLAG_OPTIONS = ["--alpha-beta-at-pixels", "--allow-relevance-loss", "--help", "-h"];

function oneOf<T extends string>(what: string, value: string, valid: readonly T[]): T {
  if (!(valid as readonly string[]).includes(value)) {
    throw new ExplainArgsError(`unknown ${what} "${value}"; valid: ${valid.join(", ")}`);
  }
  return value as T;
}

function integer(what: string, value: string, min: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min) {
    throw new ExplainArgsError(`${what} must be an integer in [${min}, 2^53), found "${value}"`);
  }
  return n;
}

function finite(what: string, value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n)) {
    throw new ExplainArgsError(`${what} must be a number, found "${value}"`);
  }
  return n;
}

/**
 * Parses the command line. Unknown options, cells, datasets, methods and
 * option values fail with the list of valid ones.
 *
 * @example
 * ```ts
 * import { parseExplainArgs } from "./explain.ts";
 * const a = parseExplainArgs(["--cell", "deep", "--T", "12", "--dataset", "mnist-maj",
 *   "--method", "dtd", "--samples", "4", "--out", "out/deep"]);
 * if (a.samples !== 4 || a.method.method !== "dtd") throw new Error();
 * ```
 */
export function parseExplainArgs(args: readonly string[]): ExplainArgs {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    let a = args[i];
    let v: string | undefined;
    const eq = a.indexOf("=");
    if (a.startsWith("--") && eq > 0) [a, v] = [a.slice(0, eq), a.slice(eq + 1)];
    if (FLAG_OPTIONS.includes(a)) {
      if (v !== undefined) throw new ExplainArgsError(`${a} takes no value`);
      flags.add(a);
    } else if (VALUE_OPTIONS.includes(a)) {
      v ??= args[++i];
      if (v === undefined) throw new ExplainArgsError(`${a} needs a value`);
      values.set(a, v);
    } else {
      throw new ExplainArgsError(
        `unknown argument "${a}"; valid options: ${[...VALUE_OPTIONS, ...FLAG_OPTIONS].join(", ")}`,
      );
    }
  }
  const help = flags.has("--help") || flags.has("-h");
  const need = (k: string) => {
    const v = values.get(k);
    if (v === undefined && !help) throw new ExplainArgsError(`${k} is required`);
    return v ?? "";
  };
  const methodName = need("--method");
  const method: MethodOptions = { method: methodName };
  if (!help) parseMethod(methodName);
  if (values.has("--alpha")) method.alpha = finite("--alpha", values.get("--alpha")!);
  if (values.has("--beta")) method.beta = finite("--beta", values.get("--beta")!);
  if (flags.has("--alpha-beta-at-pixels")) method.alphaBetaAtPixels = true;
  if (flags.has("--allow-relevance-loss")) method.requireConservation = false;
  if (values.has("--conv-plus-first-layer")) {
    method.convPlusFirstLayer = oneOf<ConvPlusFirstLayer>(
      "--conv-plus-first-layer",
      values.get("--conv-plus-first-layer")!,
      CONV_PLUS_FIRST_LAYER,
    );
  }
  if (values.has("--epsilon")) method.epsilon = finite("--epsilon", values.get("--epsilon")!);
  if (values.has("--gamma")) method.gamma = finite("--gamma", values.get("--gamma")!);
  if (values.has("--bias")) {
    method.bias = oneOf<BiasTreatment>("--bias", values.get("--bias")!, BIAS_TREATMENTS);
  }
  if (values.has("--gb-gates")) {
    method.gbGates = oneOf<GuidedGates>("--gb-gates", values.get("--gb-gates")!, GUIDED_GATES);
  }
  const dataset = need("--dataset");
  if (!help && !(TASK_IDS as readonly string[]).includes(dataset)) {
    throw new UnknownDatasetError(dataset, TASK_IDS, "task");
  }
  const cell = values.get("--cell");
  if (cell !== undefined) oneOf("cell", cell, CELL_IDS);
  if (cell === undefined && !values.has("--weights") && !help) {
    throw new ExplainArgsError("--cell is required unless --weights is given");
  }
  return {
    cell,
    T: values.has("--T") ? integer("--T", values.get("--T")!, 1) : undefined,
    dataset,
    method,
    samples: integer("--samples", values.get("--samples") ?? "8", 1),
    seed: integer("--seed", values.get("--seed") ?? "0", 0),
    weights: values.get("--weights"),
    biasMode: oneOf<BiasMode>("--bias-mode", values.get("--bias-mode") ?? "code", BIAS_MODES),
    out: need("--out"),
    help,
  };
}

async function buildModel(a: ExplainArgs): Promise<{ model: CellModel; source: string }> {
  if (a.weights) {
    const model = await loadModel(a.weights);
    const { id, T } = model.spec;
    if ((a.cell !== undefined && a.cell !== id) || (a.T !== undefined && a.T !== T)) {
      disposeModel(model);
      throw new ExplainArgsError(
        `${a.weights} holds ${id} (T=${T}), but --cell ${a.cell ?? id} --T ${a.T ?? T} was given`,
      );
    }
    return { model, source: a.weights };
  }
  const cell = a.cell as CellId;
  const T = a.T ?? CELL_LENGTHS[cell].find((t) => isMajTask(a.dataset) === (t === 12));
  const spec = buildCell(cell, sequenceLength(cell, a.dataset, T));
  return {
    model: createModel(spec, { seed: a.seed, biasMode: a.biasMode }),
    source: `random initialisation (seed ${a.seed}, bias mode ${a.biasMode})`,
  };
}

/**
 * The command's conservation summary: the worst sample's relative error, or
 * why a gradient method has none.
 */
function conservationLine(e: Explanation): string {
  if (!e.start) return `conservation: not checked (${e.settings.method} propagates no relevance)`;
  const { sample, error } = worstConservation(e);
  return `conservation: largest |ΣR + absorbed − ReLU(f_y)| / max(1, |f_y|) = ${
    error.toExponential(2)
  } (sample ${sample} of ${e.batch})`;
}

/** Runs the explain command; returns the process exit code. */
export async function runExplain(args: readonly string[]): Promise<number> {
  let a: ExplainArgs;
  try {
    a = parseExplainArgs(args);
  } catch (e) {
    console.error(`error: ${e instanceof Error ? e.message : String(e)}\n\n${USAGE}`);
    return 2;
  }
  if (a.help) {
    console.log(USAGE);
    return 0;
  }
  await initBackend({ quiet: true });
  let model: CellModel | undefined;
  try {
    const built = await buildModel(a);
    model = built.model;
    const { spec } = model;
    const task = await loadTask(a.dataset);
    if (task.width !== spec.width) {
      throw new ExplainArgsError(
        `${spec.id} (T=${spec.T}) reads 28×${spec.width} images, but ${a.dataset} has width ` +
          `${task.width}; T=12 goes with the -maj datasets, T=1, 4, 7 with the plain ones`,
      );
    }
    const source: SequenceSource = task.kind === "single" ? task.test : task.parts.test;
    if (a.samples > source.n) {
      throw new ExplainArgsError(`--samples ${a.samples} exceeds the ${source.n} test samples`);
    }
    const indices = new Prng(`explain/samples/${a.seed}`).permutation(source.n).slice(0, a.samples);
    const batch = makeBatch(source, indices);
    const t0 = performance.now();
    const explanation = explain(model, batch.x, { ...a.method, targets: batch.labels });
    const seconds = (performance.now() - t0) / 1000;
    const json = await writeExplanationRun(a.out, {
      model,
      weightsSource: built.source,
      images: batch.x,
      samples: { dataset: a.dataset, split: "test", seed: a.seed, indices },
      explanation,
    });
    const per = 28 * spec.width;
    console.log(
      `${spec.label} (T=${spec.T}), ${json.options.composite ?? json.method}, ${a.samples} ` +
        `${a.dataset} test samples in ${seconds.toFixed(2)} s`,
    );
    console.log("sample  index  label  f_y        ΣR");
    for (let b = 0; b < a.samples; b++) {
      let sum = 0;
      for (let i = 0; i < per; i++) sum += explanation.relevance[b * per + i];
      const fy = explanation.logits[b * 10 + explanation.targets[b]];
      console.log(
        `${String(b).padEnd(6)}  ${String(indices[b]).padEnd(5)}  ${
          String(batch.labels[b]).padEnd(5)
        }  ${fy.toFixed(5).padStart(9)}  ${sum.toExponential(4)}`,
      );
    }
    console.log(conservationLine(explanation));
    console.log(`wrote ${Object.values(ARTIFACT_FILES).map((f) => `${a.out}/${f}`).join(", ")}`);
    return 0;
  } catch (e) {
    console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
    return exitCodeOf(e);
  } finally {
    if (model) disposeModel(model);
  }
}

if (import.meta.main) Deno.exit(await runExplain(Deno.args));
