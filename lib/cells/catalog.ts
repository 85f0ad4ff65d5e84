/**
 * The catalogue of cells: one description per cell id, built for a given
 * sequence length T. The thesis cells' layer sizes, dropout placement, pooling
 * and gate parameterisation follow THESIS_SPEC §2; the standard LSTM and GRU
 * follow PyTorch's `nn.LSTM` and `nn.GRU` (one layer, then a linear output).
 *
 * @module
 */
import {
  type Activation,
  CELL_IDS,
  type CellId,
  type CellNode,
  type CellSpec,
  type StateSpec,
} from "./spec.ts";
import { describeCell, widthForLength } from "./describe.ts";
import { CellSpecError } from "./errors.ts";

export { CellSpecError } from "./errors.ts";

/** Display names as in the thesis. */
export const CELL_LABELS: Record<CellId, string> = {
  "shallow": "Shallow",
  "deep": "Deep",
  "deepv2": "DeepV2",
  "convdeep": "ConvDeep",
  "deep-sd": "Deep-SD",
  "rlstm": "R-LSTM",
  "rlstm-sd": "R-LSTM-SD",
  "convrlstm-sd": "ConvR-LSTM-SD",
  "conv+deep": "Conv⁺Deep",
  "conv+rlstm-sd": "Conv⁺R-LSTM-SD",
  "lenet5": "LeNet-5",
  "lstm": "LSTM",
  "gru": "GRU",
};

/** The sequence lengths each cell is used with in the thesis. */
export const CELL_LENGTHS: Record<CellId, readonly number[]> = {
  "shallow": [1, 4, 7, 12],
  "deep": [1, 4, 7, 12],
  "deepv2": [12],
  "convdeep": [12],
  "deep-sd": [12],
  "rlstm": [12],
  "rlstm-sd": [12],
  "convrlstm-sd": [12],
  "conv+deep": [12],
  "conv+rlstm-sd": [12],
  "lenet5": [1],
  "lstm": [4, 7, 12],
  "gru": [4, 7, 12],
};

/** Units of the standard LSTM: ≈150k parameters at T = 12 like the thesis cells (149,870). */
export const LSTM_UNITS = 118;
/** Units of the standard GRU: ≈150k parameters at T = 12 like the thesis cells (148,906). */
export const GRU_UNITS = 144;

/** Checks a cell id and returns it typed; unknown ids list the valid ones. */
export function parseCellId(id: string): CellId {
  if ((CELL_IDS as readonly string[]).includes(id)) return id as CellId;
  throw new CellSpecError(`unknown cell "${id}"; valid cells: ${CELL_IDS.join(", ")}`);
}

const dense = (
  name: string,
  input: string,
  units: number,
  activation: Activation = "relu",
): CellNode => ({ op: "dense", name, input, units, activation, bias: "negsoftplus" });

const gateLayer = (name: string, input: string, units: number): CellNode => ({
  op: "dense",
  name,
  input,
  units,
  activation: "sigmoid",
  bias: "free",
});

const conv = (name: string, input: string, k: number, filters: number): CellNode => ({
  op: "conv",
  name,
  input,
  kernel: [k, k],
  filters,
  padding: "same",
  activation: "relu",
  bias: "negsoftplus",
});

const pool = (name: string, input: string): CellNode => ({
  op: "pool",
  name,
  input,
  size: 2,
  stride: 2,
  padding: "same",
  scale: 2,
});

const drop = (name: string, input: string, mode: "step" | "stationary" = "step"): CellNode => ({
  op: "dropout",
  name,
  input,
  mode,
});

interface Parts {
  input: "flat" | "image";
  states: StateSpec[];
  step: CellNode[];
  output: CellNode[];
  logits: string;
  notes?: string[];
}

/** Shallow: h = ReLU([x, r]·W_in); r' = ReLU(drop(h)·W_rec); f = h_T·W_out. */
function shallow(): Parts {
  return {
    input: "flat",
    states: [{ name: "r_prev", next: "r", shape: [256] }],
    step: [
      { op: "concat", name: "xr", inputs: ["x", "r_prev"] },
      dense("hidden", "xr", 256),
      drop("hidden_drop", "hidden"),
      dense("r", "hidden_drop", 256),
    ],
    output: [dense("out", "hidden", 10, "linear")],
    logits: "out",
  };
}

/** The Deep cell body on top of an input node `inp` (a non-negative feature vector). */
function deepBody(inp: string, mode: "step" | "stationary"): CellNode[] {
  return [
    drop("in_drop", inp, mode),
    { op: "concat", name: "cat", inputs: ["in_drop", "r_prev"] },
    drop("cat_drop", "cat", mode),
    dense("hidden", "cat_drop", 128),
    drop("hidden_drop", "hidden", mode),
    dense("r", "hidden_drop", 256),
  ];
}

const deepOutput: CellNode[] = [
  drop("out1_drop", "hidden"),
  dense("out1", "out1_drop", 32),
  dense("out2", "out1", 10, "linear"),
];

const deepStates: StateSpec[] = [{ name: "r_prev", next: "r", shape: [256] }];

function deep(mode: "step" | "stationary"): Parts {
  return {
    input: "flat",
    states: deepStates,
    step: [dense("in1", "x", 256), ...deepBody("in1", mode)],
    output: deepOutput,
    logits: "out2",
  };
}

function deepv2(): Parts {
  return {
    input: "flat",
    states: deepStates,
    step: [
      dense("in1", "x", 128),
      drop("in1_drop", "in1"),
      dense("in2", "in1_drop", 256),
      ...deepBody("in2", "step"),
    ],
    output: deepOutput,
    logits: "out2",
  };
}

/** The ConvDeep conv/pool stack: 5×5×24 → pool → 3×3×32 → pool → flatten. */
function convStack(): CellNode[] {
  return [
    conv("conv1", "x", 5, 24),
    pool("pool1", "conv1"),
    conv("conv2", "pool1", 3, 32),
    pool("pool2", "conv2"),
    { op: "flatten", name: "features", input: "pool2" },
  ];
}

/** The literal-connection conv stack: each conv also reads its own output of the previous step. */
function literalConvStack(): CellNode[] {
  return [
    { op: "concat", name: "conv1_in", inputs: ["x", "conv1_prev"] },
    conv("conv1", "conv1_in", 5, 24),
    pool("pool1", "conv1"),
    { op: "concat", name: "conv2_in", inputs: ["pool1", "conv2_prev"] },
    conv("conv2", "conv2_in", 3, 32),
    pool("pool2", "conv2"),
    { op: "flatten", name: "features", input: "pool2" },
  ];
}

function literalStates(columns: number): StateSpec[] {
  const half = (n: number) => Math.ceil(n / 2);
  return [
    { name: "conv1_prev", next: "conv1", shape: [28, columns, 24] },
    { name: "conv2_prev", next: "conv2", shape: [14, half(columns), 32] },
  ];
}

function convdeep(literal: boolean, columns: number): Parts {
  return {
    input: "image",
    states: [...(literal ? literalStates(columns) : []), ...deepStates],
    step: [
      ...(literal ? literalConvStack() : convStack()),
      dense("in1", "features", 128),
      ...deepBody("in1", "step"),
    ],
    output: deepOutput,
    logits: "out2",
  };
}

/**
 * The R-LSTM cell on top of `inp`: gates σ(z·W + b) with free biases,
 * candidate g = ReLU(z·W_g − softplus(b_g)), c = f⊙c' + i⊙g, h = o⊙c (no tanh).
 */
function rlstmBody(inp: string, units: number, gateDropout: boolean, mode: "step" | "stationary") {
  const gate = (g: string): CellNode[] =>
    gateDropout ? [gateLayer(`${g}_gate`, "z", units), drop(g, `${g}_gate`)] : [
      gateLayer(g, "z", units),
    ];
  return [
    drop("in_drop", inp, mode),
    { op: "concat", name: "z", inputs: ["in_drop", "h_prev"] },
    ...gate("i"),
    ...gate("f"),
    ...gate("o"),
    dense("g", "z", units),
    { op: "gatedSum", name: "c", keep: "f", prev: "c_prev", write: "i", candidate: "g" },
    { op: "gate", name: "h_out", gate: "o", value: "c" },
    drop("h", "h_out", mode),
  ] as CellNode[];
}

function rlstmStates(units: number): StateSpec[] {
  return [
    { name: "c_prev", next: "c", shape: [units] },
    { name: "h_prev", next: "h", shape: [units] },
  ];
}

function rlstm(stationary: boolean): Parts {
  const mode = stationary ? "stationary" : "step";
  return {
    input: "flat",
    states: rlstmStates(72),
    step: [dense("in1", "x", 256), ...rlstmBody("in1", 72, !stationary, mode)],
    output: [dense("out", "h", 10, "linear")],
    logits: "out",
    notes: [
      "72 cells: the thesis text says 75, but Table 3.6's count 145,701 needs 72.",
      ...(stationary
        ? []
        : ["Naive dropout on in1, each gate and h; the candidate g is not dropped."]),
    ],
  };
}

function convrlstm(literal: boolean, columns: number): Parts {
  return {
    input: "image",
    states: [...(literal ? literalStates(columns) : []), ...rlstmStates(96)],
    step: [
      ...(literal ? literalConvStack() : convStack()),
      dense("in1", "features", 128),
      ...rlstmBody("in1", 96, false, "stationary"),
    ],
    output: [dense("out", "h", 10, "linear")],
    logits: "out",
  };
}

/** A layer with a plain trainable bias (the standard cells, as in PyTorch). */
const freeLayer = (
  name: string,
  input: string,
  units: number,
  activation: Activation,
): CellNode => ({
  op: "dense",
  name,
  input,
  units,
  activation,
  bias: "free",
});

/**
 * The standard LSTM on the step input: i, f, o = σ([x, h′]·W + b), g = tanh([x, h′]·W_g + b_g),
 * c = f ⊙ c′ + i ⊙ g, h = o ⊙ tanh(c); logits h_T·W_out + b_out.
 */
function lstm(H: number): Parts {
  return {
    input: "flat",
    states: [{ name: "c_prev", next: "c", shape: [H] }, { name: "h_prev", next: "h", shape: [H] }],
    step: [
      { op: "concat", name: "xh", inputs: ["x", "h_prev"] },
      freeLayer("i", "xh", H, "sigmoid"),
      freeLayer("f", "xh", H, "sigmoid"),
      freeLayer("g", "xh", H, "tanh"),
      freeLayer("o", "xh", H, "sigmoid"),
      { op: "gatedSum", name: "c", keep: "f", prev: "c_prev", write: "i", candidate: "g" },
      { op: "tanh", name: "c_out", input: "c" },
      { op: "gate", name: "h", gate: "o", value: "c_out" },
    ],
    output: [freeLayer("out", "h", 10, "linear")],
    logits: "out",
    notes: ["One bias per gate (PyTorch's b_ih + b_hh)."],
  };
}

/**
 * The standard GRU on the step input, in PyTorch's formulation: r, z = σ([x, h′]·W + b),
 * n = tanh(x·W_in + b_in + r ⊙ (h′·W_hn + b_hn)), h = (1 − z) ⊙ n + z ⊙ h′.
 */
function gru(H: number): Parts {
  return {
    input: "flat",
    states: [{ name: "h_prev", next: "h", shape: [H] }],
    step: [
      { op: "concat", name: "xh", inputs: ["x", "h_prev"] },
      freeLayer("r", "xh", H, "sigmoid"),
      freeLayer("z", "xh", H, "sigmoid"),
      freeLayer("n_x", "x", H, "linear"),
      freeLayer("n_h", "h_prev", H, "linear"),
      { op: "gate", name: "n_reset", gate: "r", value: "n_h" },
      { op: "sum", name: "n_pre", terms: ["n_x", "n_reset"] },
      { op: "tanh", name: "n", input: "n_pre" },
      { op: "interpolate", name: "h", gate: "z", from: "n", to: "h_prev" },
    ],
    output: [freeLayer("out", "h", 10, "linear")],
    logits: "out",
    notes: ["PyTorch's convention: z keeps the previous state, h = (1 − z) ⊙ n + z ⊙ h′."],
  };
}

function lenet5(): Parts {
  return {
    input: "image",
    states: [],
    step: [
      conv("conv1", "x", 5, 10),
      pool("pool1", "conv1"),
      { ...conv("conv2", "pool1", 5, 25), padding: "valid" } as CellNode,
      pool("pool2", "conv2"),
      { ...conv("conv3", "pool2", 4, 100), padding: "valid" } as CellNode,
      pool("pool3", "conv3"),
      { op: "flatten", name: "features", input: "pool3" },
    ],
    output: [dense("out", "features", 10, "linear")],
    logits: "out",
  };
}

function parts(id: CellId, columns: number): Parts {
  switch (id) {
    case "shallow":
      return shallow();
    case "deep":
      return deep("step");
    case "deep-sd":
      return {
        ...deep("stationary"),
        notes: ["Stationary masks for in1, the concatenation and h→r; out1's dropout is ordinary."],
      };
    case "deepv2":
      return deepv2();
    case "convdeep":
      return convdeep(false, columns);
    case "conv+deep":
      return convdeep(true, columns);
    case "rlstm":
      return rlstm(false);
    case "rlstm-sd":
      return rlstm(true);
    case "convrlstm-sd":
      return convrlstm(false, columns);
    case "conv+rlstm-sd":
      return convrlstm(true, columns);
    case "lenet5":
      return lenet5();
    case "lstm":
    case "gru": {
      const units = id === "lstm" ? LSTM_UNITS : GRU_UNITS;
      const p = id === "lstm" ? lstm(units) : gru(units);
      return { ...p, notes: [`${units} units: ≈150k parameters at T = 12.`, ...p.notes!] };
    }
  }
}

/**
 * Builds the description of cell `id` for sequence length `T` (default: the
 * first length the thesis uses it with).
 *
 * @example
 * ```ts
 * import { buildCell } from "./catalog.ts";
 * const deep7 = buildCell("deep", 7);
 * if (deep7.columns !== 4) throw new Error("28 columns / 7 steps = 4");
 * ```
 */
export function buildCell(id: string, T?: number): CellSpec {
  const cellId = parseCellId(id);
  const lengths = CELL_LENGTHS[cellId];
  const steps = T ?? lengths[0];
  if (!lengths.includes(steps)) {
    throw new CellSpecError(
      `cell "${cellId}" is not defined for T = ${steps}; valid T: ${lengths.join(", ")}`,
    );
  }
  return describeCell({
    id: cellId,
    label: CELL_LABELS[cellId],
    T: steps,
    ...parts(cellId, widthForLength(steps) / steps),
  });
}

/**
 * The standard LSTM or GRU with `units` hidden units on steps of `columns` image columns
 * (T = width / columns steps), e.g. to hold the weights of a PyTorch model of another size.
 *
 * @example
 * ```ts
 * import { standardCell } from "./catalog.ts";
 * const spec = standardCell("gru", 7, 32);
 * spec.states[0].shape; // [32]
 * ```
 */
export function standardCell(
  kind: "lstm" | "gru",
  T: number,
  units: number,
  width: number = widthForLength(T),
): CellSpec {
  if (!Number.isInteger(units) || units < 1) {
    throw new CellSpecError(`${kind}: units must be a positive integer, found ${units}`);
  }
  return describeCell({
    id: kind,
    label: CELL_LABELS[kind],
    T,
    width,
    ...(kind === "lstm" ? lstm(units) : gru(units)),
  });
}

/** Every (cell, T) pair of the catalogue, or of the cells `ids` (e.g. `THESIS_CELL_IDS`). */
export function allCellVariants(
  ids: readonly CellId[] = CELL_IDS,
): { id: CellId; T: number }[] {
  return ids.flatMap((id) => CELL_LENGTHS[id].map((T) => ({ id, T })));
}
