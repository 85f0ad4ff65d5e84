/**
 * The one engine that runs every cell description: it unrolls the step graph
 * over time, runs the output graph after the last step, applies dropout in
 * training, and can record every intermediate value for relevance
 * propagation.
 *
 * Nodes that do not depend on the recurrent state (the input stack, the whole
 * conv stack of the non-literal conv cells) are run once over all T·B step
 * inputs ("hoisted") instead of once per step; `hoist: false` turns this off
 * (the results are identical, see the tests).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { Prng } from "../data/prng.ts";
import type { CellModel } from "./model.ts";
import { averagePool } from "./pool.ts";
import type { CellNode, CellSpec, ConvNode, DenseNode, DropoutNode } from "./spec.ts";

/** Replacement activations, e.g. guided ReLU for guided backprop. */
export interface ActivationHooks {
  relu?: (x: tf.Tensor) => tf.Tensor;
  sigmoid?: (x: tf.Tensor) => tf.Tensor;
}

/** How to run a model. */
export interface RunOptions {
  /** Training mode applies dropout (default false). */
  training?: boolean;
  /** Seed of the dropout masks (training only; default 0). */
  seed?: number;
  /** Activation replacements (default: the plain functions). */
  hooks?: ActivationHooks;
  /** Run state-free nodes once over all steps (default true). */
  hoist?: boolean;
}

/**
 * Every value of one evaluation: per step the step input `x`, the states as
 * they enter the step and every step node; then every output node.
 */
export interface Trace {
  steps: Record<string, tf.Tensor>[];
  output: Record<string, tf.Tensor>;
  logits: tf.Tensor2D;
}

/** Per-sample shape of one step input. */
export function stepInputShape(spec: CellSpec): number[] {
  return spec.input === "flat" ? [spec.height * spec.columns] : [spec.height, spec.columns, 1];
}

/**
 * Splits images [B, H, W] (or [B, H·W]) column-wise into steps: returns
 * [T, B, ...stepShape], where a flat step is the H×c block read row-major.
 */
export function toSteps(spec: CellSpec, x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const B = x.shape[0];
    const blocks = x.reshape([B, spec.height, spec.T, spec.columns]).transpose([2, 0, 1, 3]);
    return blocks.reshape([spec.T, B, ...stepInputShape(spec)]);
  });
}

class Evaluator {
  readonly #model: CellModel;
  readonly #opts: RunOptions;
  readonly #seeds: Prng;
  readonly #biases = new Map<string, tf.Tensor | null>();
  readonly #stationary = new Map<string, tf.Tensor>();

  constructor(model: CellModel, opts: RunOptions) {
    this.#model = model;
    this.#opts = opts;
    this.#seeds = new Prng(opts.seed ?? 0);
  }

  #param(name: string): tf.Tensor {
    const p = this.#model.params.get(name);
    if (!p) throw new Error(`${this.#model.spec.id}: missing parameter "${name}"`);
    return p;
  }

  /** The effective bias added to the layer's pre-activation, or null when it is zero. */
  bias(node: DenseNode | ConvNode): tf.Tensor | null {
    if (!this.#biases.has(node.name)) {
      const raw = this.#model.params.get(`${node.name}.bias`);
      let effective: tf.Tensor | null = null;
      if (raw) effective = node.bias === "free" ? raw : tf.neg(tf.softplus(raw));
      this.#biases.set(node.name, effective);
    }
    return this.#biases.get(node.name)!;
  }

  #activate(kind: "relu" | "sigmoid" | "linear", pre: tf.Tensor): tf.Tensor {
    if (kind === "linear") return pre;
    const hook = this.#opts.hooks?.[kind];
    if (hook) return hook(pre);
    return kind === "relu" ? tf.relu(pre) : tf.sigmoid(pre);
  }

  #layer(node: DenseNode | ConvNode, input: tf.Tensor): tf.Tensor {
    const weight = this.#param(`${node.name}.weight`);
    const bias = this.bias(node) ?? undefined;
    const fusable = !this.#opts.hooks && node.activation !== "sigmoid";
    const activation = node.activation === "relu" ? "relu" : "linear";
    if (node.op === "dense") {
      if (fusable) {
        return tf.fused.matMul({
          a: input as tf.Tensor2D,
          b: weight as tf.Tensor2D,
          bias,
          activation,
        });
      }
      const pre = tf.matMul(input as tf.Tensor2D, weight as tf.Tensor2D);
      return this.#activate(node.activation, bias ? tf.add(pre, bias) : pre);
    }
    if (fusable) {
      return tf.fused.conv2d({
        x: input as tf.Tensor4D,
        filter: weight as tf.Tensor4D,
        strides: 1,
        pad: node.padding,
        bias,
        activation,
      });
    }
    const pre = tf.conv2d(input as tf.Tensor4D, weight as tf.Tensor4D, 1, node.padding);
    return this.#activate(node.activation, bias ? tf.add(pre, bias) : pre);
  }

  #dropout(node: DropoutNode, input: tf.Tensor, steps: number, key: string): tf.Tensor {
    if (!this.#opts.training) return input;
    const keep = this.#model.options.keepProb;
    const rows = input.shape[0] / steps;
    const sampleShape = input.shape.slice(1);
    const draw = (shape: number[], label: string) => {
      const seed = this.#seeds.fork(label).seed32();
      return tf.tidy(() =>
        tf.cast(tf.less(tf.randomUniform(shape, 0, 1, "float32", seed), keep), "float32").div(keep)
      );
    };
    let mask: tf.Tensor;
    if (node.mode === "stationary") {
      let m = this.#stationary.get(node.name);
      if (!m) {
        m = draw([rows, ...sampleShape], `${node.name}`);
        this.#stationary.set(node.name, m);
      }
      mask = steps === 1 ? m : tf.tile(m.expandDims(0), [steps, 1, ...sampleShape.map(() => 1)])
        .reshape(input.shape);
    } else {
      mask = draw(input.shape, `${node.name}@${key}`);
    }
    return tf.mul(input, mask);
  }

  /** Applies one node; `steps` is how many time steps are stacked in the batch axis. */
  apply(node: CellNode, get: (name: string) => tf.Tensor, steps: number, key: string): tf.Tensor {
    switch (node.op) {
      case "dense":
      case "conv":
        return this.#layer(node, get(node.input));
      case "pool":
        return averagePool(node, get(node.input));
      case "flatten": {
        const v = get(node.input);
        return v.reshape([v.shape[0], -1]);
      }
      case "concat":
        return tf.concat(node.inputs.map(get), -1);
      case "dropout":
        return this.#dropout(node, get(node.input), steps, key);
      case "gatedSum":
        return tf.add(
          tf.mul(get(node.keep), get(node.prev)),
          tf.mul(get(node.write), get(node.candidate)),
        );
      case "gate":
        return tf.mul(get(node.gate), get(node.value));
    }
  }
}

function evaluate(model: CellModel, x: tf.Tensor, opts: RunOptions, record: boolean) {
  const { spec, graph } = model;
  const T = spec.T;
  const B = x.shape[0];
  const ev = new Evaluator(model, opts);
  const stepShape = stepInputShape(spec);
  const xs = toSteps(spec, x);
  const hoist = opts.hoist ?? true;
  const hoisted = new Map<string, tf.Tensor>();
  if (hoist) {
    hoisted.set("x", xs.reshape([T * B, ...stepShape]));
    for (const node of spec.step) {
      if (graph.stateFree.has(node.name)) {
        hoisted.set(node.name, ev.apply(node, (n) => hoisted.get(n)!, T, "all"));
      }
    }
  }
  const sliceStep = (v: tf.Tensor, t: number) =>
    tf.slice(v, [t * B, ...v.shape.slice(1).map(() => 0)], [B, ...v.shape.slice(1)]);

  let states: Record<string, tf.Tensor> = {};
  for (const s of spec.states) states[s.name] = tf.zeros([B, ...s.shape]);
  const steps: Record<string, tf.Tensor>[] = [];
  let last = new Map<string, tf.Tensor>();
  for (let t = 0; t < T; t++) {
    const vals = new Map<string, tf.Tensor>(Object.entries(states));
    const get = (name: string): tf.Tensor => {
      let v = vals.get(name);
      if (!v) {
        const h = hoisted.get(name);
        if (h) v = sliceStep(h, t);
        else if (name === "x") v = tf.squeeze(tf.slice(xs, [t], [1]), [0]);
        else throw new Error(`${spec.id}: value "${name}" is not available at step ${t}`);
        vals.set(name, v);
      }
      return v;
    };
    for (const node of spec.step) {
      if (!hoisted.has(node.name)) vals.set(node.name, ev.apply(node, get, 1, `${t}`));
      else if (record) get(node.name);
    }
    if (record) get("x");
    const next: Record<string, tf.Tensor> = {};
    for (const s of spec.states) next[s.name] = get(s.next);
    states = next;
    if (record) steps.push(Object.fromEntries(vals));
    last = vals;
  }
  const output = new Map<string, tf.Tensor>();
  const getOut = (name: string): tf.Tensor => {
    const v = output.get(name) ?? last.get(name) ??
      (hoisted.has(name) ? sliceStep(hoisted.get(name)!, T - 1) : undefined);
    if (!v) throw new Error(`${spec.id}: output graph reads unknown value "${name}"`);
    return v;
  };
  for (const node of spec.output) output.set(node.name, ev.apply(node, getOut, 1, "out"));
  const logits = output.get(spec.logits) as tf.Tensor2D;
  return { steps, output: Object.fromEntries(output), logits };
}

function checkInput(model: CellModel, x: tf.Tensor): void {
  const { spec } = model;
  const perSample = x.shape.slice(1).reduce((a, b) => a * b, 1);
  if (perSample !== spec.height * spec.width) {
    throw new Error(
      `${spec.id} (T=${spec.T}) expects ${spec.height}×${spec.width} images, got shape [${x.shape}]`,
    );
  }
}

/**
 * The 10 logits of a batch of images [B, 28, W]. Differentiable: use inside
 * `tf.variableGrads` / `tf.grad` for training and gradient methods.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { buildCell, createModel, forward } from "./mod.ts";
 * const model = createModel(buildCell("deep", 4), { seed: 3 });
 * const logits = forward(model, tf.zeros([2, 28, 28]));
 * logits.shape; // [2, 10]
 * ```
 */
export function forward(model: CellModel, x: tf.Tensor, opts: RunOptions = {}): tf.Tensor2D {
  checkInput(model, x);
  return tf.tidy(() => evaluate(model, x, opts, false).logits);
}

/**
 * Runs a batch in evaluation mode (no dropout) and keeps every intermediate
 * value, for relevance propagation. Release it with `disposeTrace`.
 */
export function traceForward(
  model: CellModel,
  x: tf.Tensor,
  opts: Omit<RunOptions, "training"> = {},
): Trace {
  checkInput(model, x);
  return tf.tidy(() => evaluate(model, x, { ...opts, training: false }, true));
}

/** Releases every tensor of a trace. */
export function disposeTrace(trace: Trace): void {
  const all = new Set<tf.Tensor>([trace.logits, ...Object.values(trace.output)]);
  for (const s of trace.steps) for (const v of Object.values(s)) all.add(v);
  for (const v of all) v.dispose();
}
