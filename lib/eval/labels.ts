/**
 * The ids the evaluation and figures speak of, with their display names.
 * Cell ids and names are those of the cell catalogue (`lib/cells`),
 * re-exported here so that there is one list; the evaluated method ids are
 * method names of the `lib/relevance` registry (a test holds them registered).
 *
 * @module
 */
import { CELL_LABELS } from "../cells/catalog.ts";
import { CELL_IDS, type CellId } from "../cells/spec.ts";
import { UnknownIdError } from "./errors.ts";

export { CELL_IDS, CELL_LABELS };
export type { CellId };

/**
 * Explanation-method ids evaluated and plotted, in the order figures and
 * tables show them (the parametric "lrp" of `lib/relevance` is reported
 * under one of its named α/β settings).
 */
export const METHOD_IDS = [
  "sa",
  "gb",
  "taylor",
  "dtd",
  "lrp-a1b0",
  "lrp-a1.5b0.5",
  "lrp-a2b1",
  "gradient-x-input",
  "lrp-epsilon",
  "lrp-gamma",
] as const;

/** An explanation-method id. */
export type MethodId = typeof METHOD_IDS[number];

/** Display names of the explanation methods. */
export const METHOD_LABELS: Readonly<Record<MethodId, string>> = {
  "sa": "SA",
  "gb": "GB",
  "taylor": "Simple Taylor",
  "dtd": "DTD",
  "lrp-a1b0": "LRP-α1β0",
  "lrp-a1.5b0.5": "LRP-α1.5β0.5",
  "lrp-a2b1": "LRP-α2β1",
  "gradient-x-input": "Gradient×Input",
  "lrp-epsilon": "LRP-ε",
  "lrp-gamma": "LRP-γ",
};

/**
 * Display names of the dataset and task ids of `lib/data`. Datasets are not
 * validated here: an id missing from this map is shown as it is.
 */
export const DATASET_LABELS: Readonly<Record<string, string>> = {
  "mnist": "MNIST",
  "fashion-mnist": "FashionMNIST",
  "mnist-maj": "MNIST-MAJ",
  "fashion-mnist-maj": "FashionMNIST-MAJ",
};

/** True when `id` is a known method id. */
export function isMethodId(id: string): id is MethodId {
  return (METHOD_IDS as readonly string[]).includes(id);
}

/** True when `id` is a known cell id. */
export function isCellId(id: string): id is CellId {
  return (CELL_IDS as readonly string[]).includes(id);
}

/**
 * The display name of a method id; throws {@link UnknownIdError} listing the valid ids.
 *
 * @example
 * ```ts
 * import { methodLabel } from "./labels.ts";
 * if (methodLabel("dtd") !== "DTD") throw new Error();
 * ```
 */
export function methodLabel(id: string): string {
  if (!isMethodId(id)) throw new UnknownIdError("method", id, METHOD_IDS);
  return METHOD_LABELS[id];
}

/**
 * The display name of a cell id; throws {@link UnknownIdError} listing the valid ids.
 *
 * @example
 * ```ts
 * import { cellLabel } from "./labels.ts";
 * if (cellLabel("rlstm-sd") !== "R-LSTM-SD") throw new Error();
 * ```
 */
export function cellLabel(id: string): string {
  if (!isCellId(id)) throw new UnknownIdError("cell", id, CELL_IDS);
  return CELL_LABELS[id];
}

/** The display name of a dataset id, or the id itself when it has none. */
export function datasetLabel(id: string): string {
  return DATASET_LABELS[id] ?? id;
}
