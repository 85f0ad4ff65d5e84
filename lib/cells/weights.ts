/**
 * Model weights as safetensors files. Tensor names are the parameter names
 * (`<node>.weight`, `<node>.bias`, shapes as in the model: dense [in, out],
 * conv [kh, kw, cin, cout]); the metadata records the cell, T, bias mode and
 * keep probability, so a file alone rebuilds its model.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { buildCell } from "./catalog.ts";
import {
  assignParameters,
  BIAS_MODES,
  type BiasMode,
  type CellModel,
  createModel,
} from "./model.ts";
import {
  readSafetensors,
  type SafeTensor,
  SafetensorsError,
  type SafetensorsFile,
  writeSafetensors,
} from "./safetensors.ts";

/** The value of the `format` metadata key of a weights file. */
export const WEIGHTS_FORMAT = "rnnx-cell-weights/1";

/** What a weights file says about its model. */
export interface WeightsInfo {
  /** Cell id. */
  cell: string;
  /** Sequence length. */
  T: number;
  /** Bias mode the model was created with. */
  biasMode: BiasMode;
  /** Dropout keep probability used in training. */
  keepProb: number;
  /** Every other metadata entry (free-form strings). */
  extra: Record<string, string>;
}

/** The model's parameters as float32 safetensors entries (values copied from the backend). */
export function modelTensors(model: CellModel): Map<string, SafeTensor> {
  const out = new Map<string, SafeTensor>();
  for (const [name, v] of model.params) {
    out.set(name, { dtype: "F32", shape: [...v.shape], data: v.dataSync() as Float32Array });
  }
  return out;
}

/** The metadata written with a model's weights, plus `extra` entries. */
export function weightsMetadata(
  model: CellModel,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    ...extra,
    format: WEIGHTS_FORMAT,
    cell: model.spec.id,
    T: String(model.spec.T),
    bias_mode: model.options.biasMode,
    keep_prob: String(model.options.keepProb),
  };
}

/**
 * Writes a model's parameters to a safetensors file.
 *
 * @example
 * ```ts ignore
 * import { buildCell, createModel, loadModel, saveWeights } from "./mod.ts";
 * const model = createModel(buildCell("deep", 7), { seed: 1 });
 * await saveWeights(model, "deep7.safetensors", { note: "untrained" });
 * const again = await loadModel("deep7.safetensors");
 * ```
 */
export async function saveWeights(
  model: CellModel,
  path: string,
  extra: Record<string, string> = {},
): Promise<void> {
  await writeSafetensors(path, modelTensors(model), weightsMetadata(model, extra));
}

/** Reads the model description from a weights file's metadata. */
export function weightsInfo(file: SafetensorsFile, where = "weights"): WeightsInfo {
  const { format, cell, T, bias_mode, keep_prob, ...extra } = file.metadata;
  if (format !== WEIGHTS_FORMAT) {
    throw new SafetensorsError(
      where,
      `metadata "format" is ${JSON.stringify(format)}, expected "${WEIGHTS_FORMAT}"`,
    );
  }
  if (!BIAS_MODES.includes(bias_mode as BiasMode)) {
    throw new SafetensorsError(
      where,
      `metadata "bias_mode" is ${JSON.stringify(bias_mode)}; valid: ${BIAS_MODES.join(", ")}`,
    );
  }
  const steps = Number(T);
  const keep = Number(keep_prob);
  if (!cell || !Number.isInteger(steps) || !(keep > 0 && keep <= 1)) {
    throw new SafetensorsError(
      where,
      `metadata needs "cell", integer "T" and "keep_prob" in (0, 1], found ${
        JSON.stringify({ cell, T, keep_prob })
      }`,
    );
  }
  return { cell, T: steps, biasMode: bias_mode as BiasMode, keepProb: keep, extra };
}

/**
 * Assigns the tensors of a weights file to `model`. Every model parameter
 * must be present with its shape and float32 type and hold finite values;
 * tensors the model does not have are an error too (e.g. a `thesis`-mode file loaded into a `code` model).
 */
export function applyWeights(model: CellModel, file: SafetensorsFile, where = "weights"): void {
  const extra = [...file.tensors.keys()].filter((k) => !model.params.has(k));
  if (extra.length > 0) {
    throw new SafetensorsError(
      where,
      `tensors ${extra.join(", ")} are not parameters of ${model.spec.id} (T=${model.spec.T}, ` +
        `bias mode ${model.options.biasMode}); its parameters: ${
          [...model.params.keys()].join(", ")
        }`,
    );
  }
  const values = new Map<string, tf.Tensor>();
  try {
    for (const [name, t] of file.tensors) {
      if (t.dtype !== "F32") {
        throw new SafetensorsError(where, `tensor "${name}" is ${t.dtype}, expected F32`);
      }
      const bad = (t.data as Float32Array).findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) {
        throw new SafetensorsError(
          where,
          `tensor "${name}" holds ${t.data[bad]} at index ${bad}; weights must be finite`,
        );
      }
      values.set(name, tf.tensor(t.data as Float32Array, t.shape, "float32"));
    }
    assignParameters(model, values);
  } finally {
    tf.dispose([...values.values()]);
  }
}

/**
 * Rebuilds a model from a weights file: the cell, T, bias mode and keep
 * probability come from its metadata.
 */
export async function loadModel(path: string): Promise<CellModel> {
  const file = await readSafetensors(path);
  const info = weightsInfo(file, path);
  const model = createModel(buildCell(info.cell, info.T), {
    seed: 0,
    biasMode: info.biasMode,
    keepProb: info.keepProb,
  });
  try {
    applyWeights(model, file, path);
  } catch (e) {
    for (const v of model.params.values()) v.dispose();
    throw e;
  }
  return model;
}

/** Loads the weights of a file into an existing model (its description must match). */
export async function loadWeightsInto(model: CellModel, path: string): Promise<WeightsInfo> {
  const file = await readSafetensors(path);
  const info = weightsInfo(file, path);
  if (info.cell !== model.spec.id || info.T !== model.spec.T) {
    throw new SafetensorsError(
      path,
      `holds ${info.cell} (T=${info.T}), the model is ${model.spec.id} (T=${model.spec.T})`,
    );
  }
  applyWeights(model, file, path);
  return info;
}
