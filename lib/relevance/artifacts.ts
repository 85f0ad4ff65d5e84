/**
 * The files an explanation run writes to its output folder (format in
 * `FORMAT.md`): `weights.safetensors`, `inputs.safetensors`,
 * `relevance.safetensors` and `model.json`.
 *
 * @module
 */
import { join } from "node:path";
import type { CellModel } from "../cells/model.ts";
import {
  readSafetensors,
  type SafeTensor,
  SafetensorsError,
  writeSafetensors,
} from "../cells/safetensors.ts";
import { modelTensors, weightsMetadata } from "../cells/weights.ts";
import type { CellSpec } from "../cells/spec.ts";
import { writeFolderAtomic } from "../data/staged_folder.ts";
import { OutputFolderError } from "./errors.ts";
import type { Explanation } from "./explain.ts";

/** The `format` value of `model.json`. */
export const EXPLANATION_FORMAT = "rnnx-explanation/1";

/** The file names inside an output folder. */
export const ARTIFACT_FILES = {
  weights: "weights.safetensors",
  inputs: "inputs.safetensors",
  relevance: "relevance.safetensors",
  model: "model.json",
} as const;

/** Where the explained samples came from. */
export interface SampleSource {
  /** Dataset / task id, e.g. `mnist-maj`. */
  dataset: string;
  /** Split, e.g. `test`. */
  split: string;
  /** Seed of the sample draw. */
  seed: number;
  /** Position of each sample in the split [N]. */
  indices: Int32Array;
}

/** Everything written for one run. */
export interface ExplanationRun {
  /** The model that was explained. */
  model: CellModel;
  /** Where its weights came from (a file path, or a description of the random init). */
  weightsSource: string;
  /** The images [N, 28, W] that were explained. */
  images: Float32Array;
  /** The samples' origin. */
  samples: SampleSource;
  /** The explanation (its targets are the true labels). */
  explanation: Explanation;
}

/** Name, dtype and shape of one stored tensor. */
export interface TensorEntry {
  /** Safetensors dtype, e.g. `F32`. */
  dtype: string;
  /** Shape. */
  shape: number[];
}

/** The contents of `model.json`. */
export interface ModelJson {
  /** Always {@link EXPLANATION_FORMAT}. */
  format: typeof EXPLANATION_FORMAT;
  /** The cell description, as built by the catalogue. */
  cell: CellSpec;
  /** Bias mode of the model (`code` or `thesis`). */
  bias_mode: string;
  /** Dropout keep probability the model was built with. */
  keep_prob: number;
  /** Method name. */
  method: string;
  /** The method's resolved settings (α, β, composite, options). */
  options: Record<string, string | number | boolean>;
  /** `given` (the true labels) or `predicted`. */
  targets: string;
  /** The weights file and where the weights came from. */
  weights: { file: string; source: string };
  /** The explained samples: dataset, split, seed of the draw and count. */
  data: { dataset: string; split: string; seed: number; samples: number };
  /** Per file, its tensors with dtype and shape. */
  files: Record<string, Record<string, TensorEntry>>;
}

const f32 = (data: Float32Array, shape: number[]): SafeTensor => ({ dtype: "F32", shape, data });
const i32 = (data: Int32Array, shape: number[]): SafeTensor => ({ dtype: "I32", shape, data });

function entries(tensors: Map<string, SafeTensor>): Record<string, TensorEntry> {
  return Object.fromEntries(
    [...tensors].map(([name, t]) => [name, { dtype: t.dtype, shape: t.shape }]),
  );
}

/**
 * Fails unless `dir` is missing, empty, or holds only the files of an
 * explanation run (it is about to be replaced as a whole).
 */
async function checkReplaceable(dir: string): Promise<void> {
  const own = new Set<string>(Object.values(ARTIFACT_FILES));
  const other: string[] = [];
  try {
    if (!(await Deno.stat(dir)).isDirectory) {
      throw new OutputFolderError(dir, "is a file, expected a folder for the explanation run");
    }
    for await (const e of Deno.readDir(dir)) if (!own.has(e.name)) other.push(e.name);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return;
    throw e;
  }
  if (other.length > 0) {
    throw new OutputFolderError(
      dir,
      `holds ${other.sort().join(", ")}, which are not files of an explanation run; ` +
        "the folder is replaced as a whole, so give a new or an earlier output folder",
    );
  }
}

/**
 * Writes the four files of a run into the folder `dir` and returns the
 * contents of `model.json`. The files are written into a sibling staging
 * folder that then replaces `dir` (see lib/data/staged_folder.ts): an
 * interrupted or failed write leaves `dir` as it was.
 */
export async function writeExplanationRun(dir: string, run: ExplanationRun): Promise<ModelJson> {
  const { model, explanation: e, samples } = run;
  const N = e.batch;
  if (run.images.length !== N * e.height * e.width || samples.indices.length !== N) {
    throw new RangeError(
      `expected ${N} images of ${e.height}×${e.width} and ${N} sample indices, found ` +
        `${run.images.length} floats and ${samples.indices.length} indices`,
    );
  }
  await checkReplaceable(dir);
  return await writeFolderAtomic(dir, async (staging) => {
    const weights = modelTensors(model);
    const inputs = new Map<string, SafeTensor>([
      ["images", f32(run.images, [N, e.height, e.width])],
      ["targets", i32(e.targets, [N])],
      ["indices", i32(samples.indices, [N])],
    ]);
    const relevance = new Map<string, SafeTensor>([
      ["relevance", f32(e.relevance, [N, e.height, e.width])],
      ["per_step", f32(e.perStep, [N, e.steps, e.stepSize])],
      ["logits", f32(e.logits, [N, 10])],
    ]);
    const meta = { format: EXPLANATION_FORMAT, cell: model.spec.id, T: String(model.spec.T) };
    await writeSafetensors(join(staging, ARTIFACT_FILES.weights), weights, weightsMetadata(model));
    await writeSafetensors(join(staging, ARTIFACT_FILES.inputs), inputs, {
      ...meta,
      dataset: samples.dataset,
      split: samples.split,
    });
    await writeSafetensors(join(staging, ARTIFACT_FILES.relevance), relevance, {
      ...meta,
      method: String(e.settings.method),
      ...conservationMetadata(e),
    });
    const json: ModelJson = {
      format: EXPLANATION_FORMAT,
      cell: model.spec,
      bias_mode: model.options.biasMode,
      keep_prob: model.options.keepProb,
      method: String(e.settings.method),
      options: e.settings,
      targets: e.targetSource,
      weights: { file: ARTIFACT_FILES.weights, source: run.weightsSource },
      data: { dataset: samples.dataset, split: samples.split, seed: samples.seed, samples: N },
      files: {
        [ARTIFACT_FILES.weights]: entries(weights),
        [ARTIFACT_FILES.inputs]: entries(inputs),
        [ARTIFACT_FILES.relevance]: entries(relevance),
      },
    };
    await Deno.writeTextFile(
      join(staging, ARTIFACT_FILES.model),
      JSON.stringify(json, null, 2) + "\n",
    );
    return json;
  });
}

/**
 * What anyone needs to check conservation from `relevance.safetensors` alone:
 * each sample's Σ R (`relevance_sums`) and, for the relevance methods,
 * ReLU(f_y) (`relu_target_logits`) and what the rules absorbed
 * (`absorbed_relevance`: biases, stabilisers; 0 for the conservative rules),
 * as JSON arrays, and the largest |Σ R + absorbed − ReLU(f_y)| / max(1, |f_y|)
 * (`max_conservation_error`).
 *
 * @example
 * ```ts
 * import { conservationMetadata } from "./artifacts.ts";
 * const m = conservationMetadata({
 *   relevance: new Float32Array([1, 2, 0.5, 0.5]), batch: 2,
 *   start: new Float32Array([3, 1]), logits: new Float32Array(20), targets: new Int32Array(2),
 * });
 * // m.relevance_sums = "[3,1]", m.relu_target_logits = "[3,1]"
 * ```
 */
export function conservationMetadata(
  e: Pick<Explanation, "relevance" | "batch" | "start" | "logits" | "targets" | "absorbed">,
): Record<string, string> {
  const per = e.relevance.length / e.batch;
  const sums = Array.from({ length: e.batch }, (_, n) => {
    let s = 0;
    for (let i = n * per; i < (n + 1) * per; i++) s += e.relevance[i];
    return s;
  });
  const out: Record<string, string> = { relevance_sums: JSON.stringify(sums) };
  if (e.start) {
    const start = Array.from(e.start);
    out.relu_target_logits = JSON.stringify(start);
    const absorbed = Array.from(e.absorbed ?? new Float32Array(e.batch));
    out.absorbed_relevance = JSON.stringify(absorbed);
    let worst = 0;
    for (let n = 0; n < e.batch; n++) {
      const fy = e.logits[n * 10 + e.targets[n]];
      const gap = Math.abs(sums[n] + absorbed[n] - start[n]);
      worst = Math.max(worst, gap / Math.max(1, Math.abs(fy)));
    }
    out.max_conservation_error = String(worst);
  }
  return out;
}

/** A run read back from its folder. */
export interface StoredRun {
  /** The contents of `model.json`. */
  model: ModelJson;
  /** Images [N, 28, W]. */
  images: Float32Array;
  /** Explained classes [N]. */
  targets: Int32Array;
  /** Sample positions in the split [N]. */
  indices: Int32Array;
  /** Heatmaps [N, 28, W]. */
  relevance: Float32Array;
  /** Per-step relevance [N, T, 28·c]. */
  perStep: Float32Array;
  /** Logits [N, 10]. */
  logits: Float32Array;
}

/** Reads the inputs, relevance and `model.json` of a run folder, checking them against each other. */
export async function readExplanationRun(dir: string): Promise<StoredRun> {
  const modelPath = join(dir, ARTIFACT_FILES.model);
  const model = JSON.parse(await Deno.readTextFile(modelPath)) as ModelJson;
  if (model.format !== EXPLANATION_FORMAT) {
    throw new SafetensorsError(
      modelPath,
      `format is ${JSON.stringify(model.format)}, expected "${EXPLANATION_FORMAT}"`,
    );
  }
  const inputs = await readSafetensors(join(dir, ARTIFACT_FILES.inputs));
  const relevance = await readSafetensors(join(dir, ARTIFACT_FILES.relevance));
  const get = (file: typeof inputs, path: string, name: string) => {
    const t = file.tensors.get(name);
    if (!t) throw new SafetensorsError(join(dir, path), `has no tensor "${name}"`);
    const listed = model.files[path]?.[name];
    if (!listed || listed.dtype !== t.dtype || listed.shape.join("x") !== t.shape.join("x")) {
      throw new SafetensorsError(
        join(dir, path),
        `tensor "${name}" is ${t.dtype} [${t.shape}], model.json lists ${JSON.stringify(listed)}`,
      );
    }
    return t.data;
  };
  return {
    model,
    images: get(inputs, ARTIFACT_FILES.inputs, "images") as Float32Array,
    targets: get(inputs, ARTIFACT_FILES.inputs, "targets") as Int32Array,
    indices: get(inputs, ARTIFACT_FILES.inputs, "indices") as Int32Array,
    relevance: get(relevance, ARTIFACT_FILES.relevance, "relevance") as Float32Array,
    perStep: get(relevance, ARTIFACT_FILES.relevance, "per_step") as Float32Array,
    logits: get(relevance, ARTIFACT_FILES.relevance, "logits") as Float32Array,
  };
}
