/**
 * A cell with its parameters: initialisation (truncated normal, std 1/√fan_in),
 * the bias parameterisation and the dropout keep probability.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { Prng } from "../data/prng.ts";
import { analyseCell, type CellGraph } from "./graph.ts";
import type { CellSpec } from "./spec.ts";

/**
 * Bias modes: `thesis` trains the effective bias −softplus(b) from
 * b₀ = ln(e^0.01 − 1) (effective −0.01); `code` reproduces the original code,
 * whose ReLU-layer biases were frozen at exactly 0 (b = ln 0 = −∞). Gate biases
 * (`free`, R-LSTM) are zero-initialised and trained in both modes.
 */
export type BiasMode = "thesis" | "code";

/** The valid bias modes. */
export const BIAS_MODES: readonly BiasMode[] = ["thesis", "code"];

/** Options fixed when a model is created. */
export interface ModelOptions {
  /** Bias parameterisation (default `code`, the setting of the thesis's reported models). */
  biasMode: BiasMode;
  /** Dropout keep probability during training (default 0.8). */
  keepProb: number;
}

/** A cell description plus its parameters. */
export interface CellModel {
  spec: CellSpec;
  graph: CellGraph;
  options: ModelOptions;
  /**
   * The model's tensors by name (`<node>.weight`, `<node>.bias`). In `code`
   * mode the −softplus biases are absent (they are identically zero).
   */
  params: Map<string, tf.Variable>;
}

let modelCounter = 0;

/** Initial raw bias b₀ = ln(e^0.01 − 1), so that −softplus(b₀) = −0.01. */
export const THESIS_BIAS_INIT: number = Math.log(Math.expm1(0.01));

function truncatedNormal(prng: Prng, size: number, std: number): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    let z = prng.normal();
    while (Math.abs(z) > 2) z = prng.normal();
    out[i] = z * std;
  }
  return out;
}

/**
 * Creates a model with freshly initialised parameters. Weights are drawn from
 * a truncated normal (re-drawn beyond 2σ) with σ = 1/√fan_in, fan_in = rows
 * for dense and kh·kw·c_in for conv layers; each tensor draws from its own
 * stream `seed/<tensor name>`, so adding a layer never shifts the others.
 * Biases follow their declared initialisation (`ParameterInit`); −softplus
 * biases exist only in the `thesis` bias mode.
 *
 * @example
 * ```ts
 * import { buildCell, createModel } from "./mod.ts";
 * const model = createModel(buildCell("deep", 7), { seed: 1 });
 * model.params.get("in1.weight")!.shape; // [112, 256]
 * ```
 */
export function createModel(
  spec: CellSpec,
  opts: { seed: number; biasMode?: BiasMode; keepProb?: number },
): CellModel {
  const options: ModelOptions = {
    biasMode: opts.biasMode ?? "code",
    keepProb: opts.keepProb ?? 0.8,
  };
  if (!BIAS_MODES.includes(options.biasMode)) {
    throw new Error(`unknown bias mode "${options.biasMode}"; valid: ${BIAS_MODES.join(", ")}`);
  }
  const graph = analyseCell(spec);
  const root = new Prng(opts.seed);
  const params = new Map<string, tf.Variable>();
  // tfjs requires globally unique variable names; several models of one cell may coexist.
  const scope = `${spec.id}-T${spec.T}#${++modelCounter}`;
  for (const p of graph.parameters) {
    if (p.init === "softplusBias" && options.biasMode !== "thesis") continue;
    const size = p.shape.reduce((a, b) => a * b, 1);
    const fanIn = p.shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const values = p.init === "truncatedNormal"
      ? truncatedNormal(root.fork(p.name), size, 1 / Math.sqrt(fanIn))
      : new Float32Array(size).fill(p.init === "zero" ? 0 : THESIS_BIAS_INIT);
    params.set(
      p.name,
      tf.tidy(() => tf.variable(tf.tensor(values, p.shape), true, `${scope}/${p.name}`)),
    );
  }
  return { spec, graph, options, params };
}

/** Replaces the parameter values of `model` (shapes must match), e.g. after loading weights. */
export function assignParameters(model: CellModel, values: Map<string, tf.Tensor>): void {
  for (const [name, variable] of model.params) {
    const v = values.get(name);
    if (!v) throw new Error(`${model.spec.id}: no value given for parameter "${name}"`);
    if (v.shape.join("x") !== variable.shape.join("x")) {
      throw new Error(
        `${model.spec.id}: parameter "${name}" has shape [${variable.shape}], got [${v.shape}]`,
      );
    }
    variable.assign(v);
  }
}

/** Releases the model's tensors. */
export function disposeModel(model: CellModel): void {
  for (const v of model.params.values()) v.dispose();
  model.params.clear();
}
