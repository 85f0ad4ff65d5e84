/**
 * PyTorch weights in: the `state_dict` of a one-layer `nn.LSTM` or `nn.GRU`
 * followed by an `nn.Linear` to the 10 classes, saved as safetensors, becomes
 * a model of the catalogue's standard cell (`standardCell`) with the file's
 * hidden size. The mapping (PyTorch → here), for gate k of the stacked rows:
 *
 * | PyTorch | here |
 * | --- | --- |
 * | LSTM gates in the order i, f, g, o | nodes `i`, `f`, `g`, `o` |
 * | GRU gates in the order r, z, n | nodes `r`, `z`; `n_x` (input part), `n_h` (state part) |
 * | `weight_ih_l0[k]` (H×D), `weight_hh_l0[k]` (H×H) | `<gate>.weight` = [W_ihᵀ; W_hhᵀ] ((D+H)×H), reading [x, h′] |
 * | `bias_ih_l0[k] + bias_hh_l0[k]` | `<gate>.bias` (1×H) |
 * | GRU n: `weight_ih_l0[n]`, `bias_ih_l0[n]` | `n_x.weight` = W_inᵀ, `n_x.bias` = b_in |
 * | GRU n: `weight_hh_l0[n]`, `bias_hh_l0[n]` | `n_h.weight` = W_hnᵀ, `n_h.bias` = b_hn (inside r ⊙ (…)) |
 * | Linear `weight` (10×H), `bias` (10) | `out.weight` = Wᵀ (H×10), `out.bias` (1×10) |
 *
 * The recurrent module and the linear layer are found by their tensor names
 * (`<rnn>.weight_ih_l0`, and the one other `<fc>.weight` with 10 rows); the
 * cell is an LSTM when `weight_ih_l0` has 4H rows, a GRU when it has 3H. The
 * step input is a 28×c block of the image read row-major (D = 28·c), so a
 * PyTorch model fed `image[:, :, t·c:(t+1)·c].reshape(B, 28·c)` at step t, with
 * the logits of the last step's output, computes the same logits. Stacked,
 * bidirectional and projected (`proj_size`) modules are refused.
 *
 * @module
 */
import { standardCell } from "./catalog.ts";
import { type CellModel, createModel } from "./model.ts";
import {
  readSafetensors,
  type SafeTensor,
  SafetensorsError,
  type SafetensorsFile,
} from "./safetensors.ts";
import { applyWeights } from "./weights.ts";

/** What was found in a PyTorch file. */
export interface TorchRecurrentLayout {
  /** `lstm` or `gru`. */
  kind: "lstm" | "gru";
  /** The recurrent module's name prefix (e.g. `rnn.`). */
  rnn: string;
  /** The linear layer's name prefix (e.g. `fc.`). */
  linear: string;
  /** Input size D. */
  inputSize: number;
  /** Hidden size H. */
  hiddenSize: number;
}

const IH = "weight_ih_l0";

/** Finds the recurrent module and the linear layer of a PyTorch state_dict file. */
export function torchLayout(
  file: SafetensorsFile,
  where = "pytorch weights",
): TorchRecurrentLayout {
  const names = [...file.tensors.keys()];
  const ih = names.filter((n) => n.endsWith(IH));
  if (ih.length !== 1) {
    throw new SafetensorsError(
      where,
      `expected one tensor "<rnn>.${IH}" of an nn.LSTM or nn.GRU, found ${ih.length} among ${
        names.join(", ")
      }`,
    );
  }
  const rnn = ih[0].slice(0, -IH.length);
  const unsupported = names.filter((n) =>
    n.startsWith(rnn) && (/_l[1-9]\d*(_reverse)?$/.test(n) || n.endsWith("_reverse") ||
      n.includes("weight_hr"))
  );
  if (unsupported.length > 0) {
    throw new SafetensorsError(
      where,
      `only one-layer, one-directional modules without projections are supported; found ${
        unsupported.join(", ")
      }`,
    );
  }
  const wih = tensor(file, ih[0], 2, where);
  const whh = tensor(file, `${rnn}weight_hh_l0`, 2, where);
  const H = whh.shape[1];
  const gates = wih.shape[0] / H;
  if (gates !== 4 && gates !== 3) {
    throw new SafetensorsError(
      where,
      `${ih[0]} has ${wih.shape[0]} rows for hidden size ${H}: neither an LSTM (4H) nor a GRU (3H)`,
    );
  }
  const linear = names.filter((n) =>
    !n.startsWith(rnn) && n.endsWith("weight") && file.tensors.get(n)!.shape.length === 2 &&
    file.tensors.get(n)!.shape[0] === 10
  );
  if (linear.length !== 1) {
    throw new SafetensorsError(
      where,
      `expected one nn.Linear weight with 10 rows beside ${rnn}*, found ${linear.length}`,
    );
  }
  return {
    kind: gates === 4 ? "lstm" : "gru",
    rnn,
    linear: linear[0].slice(0, -"weight".length),
    inputSize: wih.shape[1],
    hiddenSize: H,
  };
}

function tensor(file: SafetensorsFile, name: string, rank: number, where: string): SafeTensor {
  const t = file.tensors.get(name);
  if (!t) throw new SafetensorsError(where, `tensor "${name}" is missing`);
  if (t.dtype !== "F32" || t.shape.length !== rank) {
    throw new SafetensorsError(
      where,
      `tensor "${name}" must be F32 of rank ${rank}, found ${t.dtype} [${t.shape}]`,
    );
  }
  return t;
}

/** Rows [k·H, (k+1)·H) of a [rows, cols] matrix, transposed to [cols, H]. */
function gateRowsTransposed(t: SafeTensor, k: number, H: number): Float32Array {
  const cols = t.shape[1];
  const out = new Float32Array(cols * H);
  const data = t.data as Float32Array;
  for (let r = 0; r < H; r++) {
    for (let c = 0; c < cols; c++) out[c * H + r] = data[(k * H + r) * cols + c];
  }
  return out;
}

/** The weights of the standard cell from a PyTorch state_dict, with the names used here. */
export function torchToCellTensors(
  file: SafetensorsFile,
  layout: TorchRecurrentLayout,
  where = "pytorch weights",
): SafetensorsFile {
  const { rnn, kind, inputSize: D, hiddenSize: H } = layout;
  const wih = tensor(file, `${rnn}weight_ih_l0`, 2, where);
  const whh = tensor(file, `${rnn}weight_hh_l0`, 2, where);
  const f32 = (shape: number[], data: Float32Array): SafeTensor => ({ dtype: "F32", shape, data });
  const bias = (name: string) =>
    file.tensors.has(`${rnn}${name}`)
      ? tensor(file, `${rnn}${name}`, 1, where)
      : f32([wih.shape[0]], new Float32Array(wih.shape[0]));
  const bih = bias("bias_ih_l0");
  const bhh = bias("bias_hh_l0");
  const biasOf = (b: SafeTensor, k: number) => (b.data as Float32Array).slice(k * H, (k + 1) * H);
  const tensors = new Map<string, SafeTensor>();
  const stackedGate = (name: string, k: number) => {
    const w = new Float32Array((D + H) * H);
    w.set(gateRowsTransposed(wih, k, H), 0);
    w.set(gateRowsTransposed(whh, k, H), D * H);
    const b = biasOf(bih, k).map((v, i) => v + biasOf(bhh, k)[i]);
    tensors.set(`${name}.weight`, f32([D + H, H], w));
    tensors.set(`${name}.bias`, f32([1, H], b));
  };
  if (kind === "lstm") {
    ["i", "f", "g", "o"].forEach((name, k) => stackedGate(name, k));
  } else {
    stackedGate("r", 0);
    stackedGate("z", 1);
    tensors.set("n_x.weight", f32([D, H], gateRowsTransposed(wih, 2, H)));
    tensors.set("n_x.bias", f32([1, H], biasOf(bih, 2)));
    tensors.set("n_h.weight", f32([H, H], gateRowsTransposed(whh, 2, H)));
    tensors.set("n_h.bias", f32([1, H], biasOf(bhh, 2)));
  }
  const fw = tensor(file, `${layout.linear}weight`, 2, where);
  if (fw.shape[1] !== H) {
    throw new SafetensorsError(
      where,
      `${layout.linear}weight has ${fw.shape[1]} columns, H = ${H}`,
    );
  }
  tensors.set("out.weight", f32([H, 10], gateRowsTransposed(fw, 0, 10)));
  const fb = file.tensors.has(`${layout.linear}bias`)
    ? (tensor(file, `${layout.linear}bias`, 1, where).data as Float32Array)
    : new Float32Array(10);
  tensors.set("out.bias", f32([1, 10], Float32Array.from(fb)));
  return { tensors, metadata: {} };
}

/**
 * Loads a PyTorch nn.LSTM / nn.GRU + nn.Linear state_dict (safetensors) as a model of `T`
 * steps; the step input size D must be 28·c (c image columns per step).
 *
 * @example
 * ```ts
 * import { loadTorchModel } from "./torch_weights.ts";
 * const model = await loadTorchModel("lstm.safetensors", { T: 7 });
 * model.spec.id; // "lstm"
 * ```
 */
export async function loadTorchModel(path: string, opts: { T: number }): Promise<CellModel> {
  const file = await readSafetensors(path);
  const layout = torchLayout(file, path);
  if (layout.inputSize % 28 !== 0) {
    throw new SafetensorsError(
      path,
      `input size ${layout.inputSize} is not 28·c (a step reads c image columns of 28 rows)`,
    );
  }
  const spec = standardCell(layout.kind, opts.T, layout.hiddenSize, opts.T * layout.inputSize / 28);
  const model = createModel(spec, { seed: 0 });
  applyWeights(model, torchToCellTensors(file, layout, path), path);
  return model;
}
