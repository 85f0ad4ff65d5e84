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
 * `forward` with hoisting (the default) runs a faster program of the same
 * graph: a dense layer over a concatenation becomes one product per
 * concatenated input (the products of state-free inputs are hoisted too, and
 * products of the zero initial state are left out at step 0); layers that read
 * the same concatenation (the four R-LSTM gate layers) share their products,
 * and adjacent layers with one activation are activated, and dropped out,
 * together. `traceForward` and `hoist: false` run node by node. Dropout masks
 * are drawn per node and step from the seed, so every path draws the same
 * masks (see {@link Masks}).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { Prng } from "../data/prng.ts";
import type { CellGraph } from "./graph.ts";
import type { CellModel } from "./model.ts";
import { averagePool } from "./pool.ts";
import {
  type CellNode,
  type CellSpec,
  type ConcatNode,
  type ConvNode,
  type DenseNode,
  type DropoutNode,
  nodeInputs,
} from "./spec.ts";

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

/**
 * Dropout masks drawn from {@link Prng} streams named after the dropout node and the
 * step (`<node>@<t>`, `<node>@out` in the output graph, `<node>` for a stationary mask),
 * so the same seed gives the same masks whatever the evaluation order and whether the
 * steps are hoisted. An entry is kept with probability `keep` (a 31-bit draw below
 * ⌊keep·2³¹⌋) and then holds 1/keep, else 0. Masks are filled in JavaScript and uploaded
 * as constants, which is several times faster than `tf.randomUniform` plus comparisons.
 */
class Masks {
  readonly #root: Prng;
  readonly #threshold: number;
  readonly #scale: number;
  readonly #stationary = new Map<string, Float32Array>();

  constructor(seed: number, keep: number) {
    this.#root = new Prng(seed);
    this.#threshold = Math.floor(keep * 2 ** 31);
    this.#scale = 1 / keep;
  }

  /**
   * n mask entries from the stream `label`: a xoshiro128** generator (the algorithm of
   * {@link Prng}, inlined on plain integers, about twice as fast as calling it) whose
   * state is four draws of the fork of the root generator named `label`.
   */
  #draw(label: string, n: number): Float32Array {
    const fork = this.#root.fork(label);
    let s0 = fork.nextUint32() | 0;
    let s1 = fork.nextUint32() | 0;
    let s2 = fork.nextUint32() | 0;
    let s3 = fork.nextUint32() | 0;
    if ((s0 | s1 | s2 | s3) === 0) s0 = 1;
    const threshold = this.#threshold;
    const scale = this.#scale;
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const m = Math.imul(s1, 5);
      const draw = Math.imul((m << 7) | (m >>> 25), 9) >>> 1; // the top 31 bits
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      // (draw − threshold) is negative exactly when the entry is kept: its sign bit, no branch
      out[i] = scale * ((draw - threshold) >>> 31);
    }
    return out;
  }

  /** The mask of `node` for one step (`key`) of `rows` samples with `size` values each. */
  step(node: DropoutNode, rows: number, size: number, key: string): Float32Array {
    if (node.mode !== "stationary") return this.#draw(`${node.name}@${key}`, rows * size);
    let mask = this.#stationary.get(node.name);
    if (!mask) {
      mask = this.#draw(node.name, rows * size);
      this.#stationary.set(node.name, mask);
    }
    return mask;
  }

  /** The masks of steps 0..steps−1 stacked along the batch axis (t-major). */
  stacked(node: DropoutNode, rows: number, size: number, steps: number): Float32Array {
    const n = rows * size;
    const out = new Float32Array(steps * n);
    for (let t = 0; t < steps; t++) out.set(this.step(node, rows, size, `${t}`), t * n);
    return out;
  }
}

/** The step key of nodes run once over all steps stacked along the batch axis. */
const ALL_STEPS = "all";

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

class Evaluator {
  readonly #model: CellModel;
  readonly #opts: RunOptions;
  readonly #rows: number;
  readonly #biases = new Map<string, tf.Tensor | null>();
  /** Null outside training (and when nothing is dropped). */
  readonly masks: Masks | null;

  /** An evaluator for batches of `rows` samples. */
  constructor(model: CellModel, opts: RunOptions, rows: number) {
    this.#model = model;
    this.#opts = opts;
    this.#rows = rows;
    const keep = model.options.keepProb;
    this.masks = opts.training && keep < 1 ? new Masks(opts.seed ?? 0, keep) : null;
  }

  param(name: string): tf.Tensor {
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

  activate(kind: "relu" | "sigmoid" | "linear", pre: tf.Tensor): tf.Tensor {
    if (kind === "linear") return pre;
    const hook = this.#opts.hooks?.[kind];
    if (hook) return hook(pre);
    return kind === "relu" ? tf.relu(pre) : tf.sigmoid(pre);
  }

  #layer(node: DenseNode | ConvNode, input: tf.Tensor): tf.Tensor {
    const weight = this.param(`${node.name}.weight`);
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
      return this.activate(node.activation, bias ? tf.add(pre, bias) : pre);
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
    return this.activate(node.activation, bias ? tf.add(pre, bias) : pre);
  }

  #dropout(node: DropoutNode, input: tf.Tensor, steps: number, key: string): tf.Tensor {
    if (!this.masks) return input;
    const size = sizeOf(input.shape.slice(1));
    const data = key === ALL_STEPS
      ? this.masks.stacked(node, this.#rows, size, steps)
      : this.masks.step(node, this.#rows, size, key);
    return tf.mul(input, tf.tensor(data, input.shape, "float32"));
  }

  /**
   * Applies one node to one step (`key`: the step number or "out"), or with `key` =
   * {@link ALL_STEPS} to `steps` time steps stacked in the batch axis.
   */
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

/** One input of a concatenation read by a group of dense layers. */
interface Term {
  /** The value read. */
  source: string;
  /** Its columns of the concatenation: weight rows [offset, offset + width). */
  offset: number;
  width: number;
  /** The value does not depend on the state: its product is computed over all steps at once. */
  hoisted: boolean;
  /** The value is a state: zero at step 0, where the term vanishes. */
  state: boolean;
}

/**
 * Dense layers that all read the same concatenation (optionally through one dropout):
 * act(drop([u₁, …, u_k])·W + b) = act(Σᵢ drop(uᵢ)·Wᵢ + b), with Wᵢ the rows of W that
 * uᵢ meets, and the layers' weights side by side, so the group costs one product per
 * input instead of a concatenation plus one product per layer. A layer that reads no
 * concatenation is a group of its own with one term (absorbing a dropout only it reads).
 */
interface DenseGroup {
  kind: "group";
  nodes: DenseNode[];
  terms: Term[];
  dropout: DropoutNode | null;
  /** Width of the concatenation. */
  width: number;
  /** The layers in runs that share one activation (and one dropout multiplication). */
  runs: Run[];
}

/**
 * Adjacent layers of a group with the same activation, activated together. When each
 * layer's only reader is a dropout node, the run also applies those dropouts with one
 * multiplication (`dropouts[i]` belongs to `nodes[i]`), and the layers' own values are
 * never formed.
 */
interface Run {
  nodes: DenseNode[];
  activation: DenseNode["activation"];
  dropouts: DropoutNode[] | null;
  /** Sum of the layers' units. */
  width: number;
}

type StepItem = { kind: "node"; node: CellNode } | DenseGroup;

const plans = new WeakMap<CellSpec, StepItem[]>();

/**
 * The per-step program of the fast path: every dense layer of the step graph in a
 * {@link DenseGroup}, the concatenations and dropouts the groups absorb left out.
 */
function stepProgram(spec: CellSpec, graph: CellGraph): StepItem[] {
  const cached = plans.get(spec);
  if (cached) return cached;
  const byName = new Map(spec.step.map((n) => [n.name, n]));
  const readers = new Map<string, string[]>();
  const read = (value: string, by: string) => readers.set(value, [...readers.get(value) ?? [], by]);
  for (const n of spec.step) for (const i of nodeInputs(n)) read(i, n.name);
  for (const n of spec.output) for (const i of nodeInputs(n)) read(i, "@output");
  for (const s of spec.states) read(s.next, "@state");
  const states = new Set(spec.states.map((s) => s.name));
  const width = (name: string): number | undefined => {
    const info = name === "x" ? graph.input : graph.values.get(name);
    return info && info.shape.length === 1 ? info.shape[0] : undefined;
  };
  const groupOf = new Map<string, DenseGroup>();
  const absorbed = new Set<string>();
  const soleDropout = (n: DenseNode): DropoutNode | null => {
    const r = readers.get(n.name) ?? [];
    const d = r.length === 1 ? byName.get(r[0]) : undefined;
    return d?.op === "dropout" ? d : null;
  };
  const makeRuns = (nodes: DenseNode[]): Run[] => {
    const runs: Run[] = [];
    for (const n of nodes) {
      const d = soleDropout(n);
      const last = runs.at(-1);
      if (last && last.activation === n.activation && (last.dropouts !== null) === (d !== null)) {
        last.nodes.push(n);
        if (d) last.dropouts!.push(d);
        last.width += n.units;
      } else {
        runs.push({
          nodes: [n],
          activation: n.activation,
          dropouts: d ? [d] : null,
          width: n.units,
        });
      }
    }
    return runs;
  };
  const term = (source: string, offset: number, width: number): Term => ({
    source,
    offset,
    width,
    hoisted: source === "x" || graph.stateFree.has(source),
    state: states.has(source),
  });
  const addGroup = (group: DenseGroup, absorb: string[]) => {
    for (const l of group.nodes) groupOf.set(l.name, group);
    for (const name of absorb) absorbed.add(name);
    for (const r of group.runs) for (const d of r.dropouts ?? []) absorbed.add(d.name);
  };
  for (const node of spec.step) {
    if (node.op !== "dense" || graph.stateFree.has(node.name) || groupOf.has(node.name)) continue;
    let src = byName.get(node.input);
    let dropout: DropoutNode | null = null;
    if (src?.op === "dropout" && !absorbed.has(src.name) && !graph.stateFree.has(src.name)) {
      dropout = src;
      src = byName.get(src.input);
    }
    if (src?.op === "concat") {
      const cat: ConcatNode = src;
      const layers = (readers.get(node.input) ?? []).map((r) => byName.get(r));
      const widths = cat.inputs.map(width);
      if (
        (!dropout || (readers.get(cat.name) ?? []).every((r) => r === dropout!.name)) &&
        layers.every((l) => l?.op === "dense" && !graph.stateFree.has(l.name)) &&
        widths.every((w) => w !== undefined)
      ) {
        let offset = 0;
        const terms = cat.inputs.map((source, i): Term => {
          const t = term(source, offset, widths[i]!);
          offset += widths[i]!;
          return t;
        });
        const nodes = layers as DenseNode[];
        const group = {
          kind: "group",
          nodes,
          terms,
          dropout,
          width: offset,
          runs: makeRuns(nodes),
        };
        addGroup(group as DenseGroup, [cat.name, ...(dropout ? [dropout.name] : [])]);
        continue;
      }
    }
    // A layer on its own, absorbing a dropout that only it reads.
    const own = dropout && (readers.get(dropout.name) ?? []).length === 1 ? dropout : null;
    const source = own ? own.input : node.input;
    const w = width(source);
    if (w === undefined) continue;
    const group: DenseGroup = {
      kind: "group",
      nodes: [node],
      terms: [term(source, 0, w)],
      dropout: own,
      width: w,
      runs: makeRuns([node]),
    };
    addGroup(group, own ? [own.name] : []);
  }
  const items: StepItem[] = [];
  for (const node of spec.step) {
    if (graph.stateFree.has(node.name) || absorbed.has(node.name)) continue;
    const group = groupOf.get(node.name);
    if (!group) items.push({ kind: "node", node });
    else if (group.nodes[0] === node) items.push(group);
  }
  plans.set(spec, items);
  return items;
}

/** Columns [from, from + width) of the `rows` × `cols` row-major matrix `m`. */
function columns(
  m: Float32Array,
  rows: number,
  cols: number,
  from: number,
  width: number,
): Float32Array {
  const out = new Float32Array(rows * width);
  for (let r = 0; r < rows; r++) {
    out.set(m.subarray(r * cols + from, r * cols + from + width), r * width);
  }
  return out;
}

/** A dense group ready to run: its weights per term, its bias, masks and hoisted part. */
class PreparedGroup {
  readonly group: DenseGroup;
  /** Per term: the weight rows it meets, the layers side by side. */
  readonly weights: tf.Tensor2D[];
  readonly bias: tf.Tensor | null;
  /** Per step: the hoisted terms' products plus the bias, or null without hoisted terms. */
  readonly hoisted: tf.Tensor[] | null;
  /** Per step and term: the dropout mask of that term's columns (training only). */
  readonly #masks: Float32Array[][] | null;
  readonly #B: number;
  readonly #ev: Evaluator;

  constructor(
    group: DenseGroup,
    ev: Evaluator,
    T: number,
    B: number,
    hoistedValue: (name: string) => tf.Tensor,
  ) {
    this.group = group;
    this.#B = B;
    this.#ev = ev;
    const { nodes, terms } = group;
    const units = nodes.map((n) => n.units);
    this.weights = terms.map((term) => {
      const parts = nodes.map((n) => {
        const w = ev.param(`${n.name}.weight`);
        return terms.length === 1 ? w : tf.slice(w, [term.offset, 0], [term.width, n.units]);
      });
      return (parts.length === 1 ? parts[0] : tf.concat(parts, 1)) as tf.Tensor2D;
    });
    const biases = nodes.map((n) => ev.bias(n));
    this.bias = biases.every((b) => b === null) ? null : tf.concat(
      biases.map((b, i) => b === null ? tf.zeros([1, units[i]]) : tf.reshape(b, [1, units[i]])),
      1,
    );
    this.#masks = null;
    if (ev.masks && group.dropout) {
      const full = Array.from(
        { length: T },
        (_, t) => ev.masks!.step(group.dropout!, B, group.width, `${t}`),
      );
      this.#masks = full.map((m) =>
        terms.map((term) => columns(m, B, group.width, term.offset, term.width))
      );
    }
    const up = terms.map((term, i) => ({ term, i })).filter(({ term }) => term.hoisted);
    if (up.length === 0) {
      this.hoisted = null;
      return;
    }
    let sum: tf.Tensor | null = null;
    for (const { term, i } of up) {
      let v = hoistedValue(term.source);
      if (this.#masks) {
        const stacked = new Float32Array(T * B * term.width);
        for (let t = 0; t < T; t++) stacked.set(this.#masks[t][i], t * B * term.width);
        v = tf.mul(v, tf.tensor2d(stacked, [T * B, term.width]));
      }
      const product = tf.matMul(v as tf.Tensor2D, this.weights[i]);
      sum = sum === null ? product : tf.add(sum, product);
    }
    if (this.bias) sum = tf.add(sum!, this.bias);
    this.hoisted = T === 1 ? [sum!] : tf.split(sum!, T, 0);
  }

  /** The dropout masks of run `k` at step `t`, its layers side by side ([B, run width]). */
  runMask(k: number, t: number): tf.Tensor2D {
    const run = this.group.runs[k];
    const B = this.#B;
    const masks = run.nodes.map((n, i) =>
      this.#ev.masks!.step(run.dropouts![i], B, n.units, `${t}`)
    );
    if (masks.length === 1) return tf.tensor2d(masks[0], [B, run.width]);
    const out = new Float32Array(B * run.width);
    let at = 0;
    for (let b = 0; b < B; b++) {
      run.nodes.forEach((n, i) => {
        out.set(masks[i].subarray(b * n.units, (b + 1) * n.units), at);
        at += n.units;
      });
    }
    return tf.tensor2d(out, [B, run.width]);
  }

  /** The pre-activations of step `t` (all layers side by side). */
  preActivation(t: number, get: (name: string) => tf.Tensor): tf.Tensor {
    const { terms, nodes } = this.group;
    let pre: tf.Tensor | null = this.hoisted ? this.hoisted[t] : null;
    terms.forEach((term, i) => {
      if (term.hoisted || (term.state && t === 0)) return;
      let v = get(term.source);
      if (this.#masks) v = tf.mul(v, tf.tensor2d(this.#masks[t][i], [this.#B, term.width]));
      const product = tf.matMul(v as tf.Tensor2D, this.weights[i]);
      pre = pre === null ? product : tf.add(pre, product);
    });
    if (!this.hoisted && this.bias) {
      pre = pre === null ? tf.tile(this.bias, [this.#B, 1]) : tf.add(pre, this.bias);
    }
    if (pre === null) pre = tf.zeros([this.#B, nodes.reduce((a, n) => a + n.units, 0)]);
    return pre;
  }
}

/** The per-step values of a value computed once over all T·B stacked step inputs. */
function stepPieces(T: number) {
  const pieces = new Map<string, tf.Tensor[]>();
  return (name: string, stacked: tf.Tensor, t: number): tf.Tensor => {
    let p = pieces.get(name);
    if (!p) {
      p = T === 1 ? [stacked] : tf.split(stacked, T, 0);
      pieces.set(name, p);
    }
    return p[t];
  };
}

/**
 * The fast evaluation behind `forward` (hoisting on, nothing recorded): state-free nodes
 * once over all steps, dense groups in place of concatenation → dense chains, per-step
 * values of hoisted nodes split off in one operation, and the terms that multiply the zero
 * initial state left out at step 0.
 */
function evaluateFast(model: CellModel, x: tf.Tensor, opts: RunOptions): tf.Tensor2D {
  const { spec, graph } = model;
  const T = spec.T;
  const B = x.shape[0];
  const ev = new Evaluator(model, opts, B);
  const stepShape = stepInputShape(spec);
  const hoisted = new Map<string, tf.Tensor>();
  hoisted.set("x", toSteps(spec, x).reshape([T * B, ...stepShape]));
  for (const node of spec.step) {
    if (graph.stateFree.has(node.name)) {
      hoisted.set(node.name, ev.apply(node, (n) => hoisted.get(n)!, T, ALL_STEPS));
    }
  }
  const piece = stepPieces(T);
  const program = stepProgram(spec, graph);
  const prepared = new Map<DenseGroup, PreparedGroup>();
  for (const item of program) {
    if (item.kind === "group") {
      prepared.set(item, new PreparedGroup(item, ev, T, B, (n) => hoisted.get(n)!));
    }
  }
  const stateNames = new Set(spec.states.map((s) => s.name));
  let states: Record<string, tf.Tensor> = {};
  for (const s of spec.states) states[s.name] = tf.zeros([B, ...s.shape]);
  let last = new Map<string, tf.Tensor>();
  for (let t = 0; t < T; t++) {
    const vals = new Map<string, tf.Tensor>(Object.entries(states));
    const get = (name: string): tf.Tensor => {
      let v = vals.get(name);
      if (!v) {
        const h = hoisted.get(name);
        if (!h) throw new Error(`${spec.id}: value "${name}" is not available at step ${t}`);
        v = piece(name, h, t);
        vals.set(name, v);
      }
      return v;
    };
    for (const item of program) {
      if (item.kind === "group") {
        const group = prepared.get(item)!;
        const { runs } = item;
        const pre = group.preActivation(t, get);
        const split = runs.length === 1 ? [pre] : tf.split(pre, runs.map((r) => r.width), 1);
        const parts = split.map((p, k) => {
          const a = ev.activate(runs[k].activation, p);
          return runs[k].dropouts && ev.masks ? tf.mul(a, group.runMask(k, t)) : a;
        });
        runs.forEach((run, k) => {
          const a = parts[k];
          const outs = run.nodes.length === 1 ? [a] : tf.split(a, run.nodes.map((n) => n.units), 1);
          run.nodes.forEach((n, i) => {
            if (run.dropouts) vals.set(run.dropouts[i].name, outs[i]);
            // without masks the dropout is the identity and the layer's value is the same
            if (!run.dropouts || !ev.masks) vals.set(n.name, outs[i]);
          });
        });
        continue;
      }
      const node = item.node;
      if (node.op === "gatedSum" && t === 0 && stateNames.has(node.prev)) {
        // c = keep ⊙ 0 + write ⊙ candidate at the first step
        vals.set(node.name, tf.mul(get(node.write), get(node.candidate)));
        continue;
      }
      vals.set(node.name, ev.apply(node, get, 1, `${t}`));
    }
    const next: Record<string, tf.Tensor> = {};
    for (const s of spec.states) next[s.name] = get(s.next);
    states = next;
    last = vals;
  }
  const output = new Map<string, tf.Tensor>();
  const getOut = (name: string): tf.Tensor => {
    const v = output.get(name) ?? last.get(name) ??
      (hoisted.has(name) ? piece(name, hoisted.get(name)!, T - 1) : undefined);
    if (!v) throw new Error(`${spec.id}: output graph reads unknown value "${name}"`);
    return v;
  };
  for (const node of spec.output) output.set(node.name, ev.apply(node, getOut, 1, "out"));
  return output.get(spec.logits) as tf.Tensor2D;
}

/** The reference evaluation: node by node (hoisting optional), every value kept if `record`. */
function evaluate(model: CellModel, x: tf.Tensor, opts: RunOptions, record: boolean) {
  const { spec, graph } = model;
  const T = spec.T;
  const B = x.shape[0];
  const ev = new Evaluator(model, opts, B);
  const stepShape = stepInputShape(spec);
  const xs = toSteps(spec, x);
  const hoist = opts.hoist ?? true;
  const hoisted = new Map<string, tf.Tensor>();
  if (hoist) {
    hoisted.set("x", xs.reshape([T * B, ...stepShape]));
    for (const node of spec.step) {
      if (graph.stateFree.has(node.name)) {
        hoisted.set(node.name, ev.apply(node, (n) => hoisted.get(n)!, T, ALL_STEPS));
      }
    }
  }
  const piece = stepPieces(T);
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
        if (h) v = piece(name, h, t);
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
      (hoisted.has(name) ? piece(name, hoisted.get(name)!, T - 1) : undefined);
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
  if (opts.hoist === false) return tf.tidy(() => evaluate(model, x, opts, false).logits);
  return tf.tidy(() => evaluateFast(model, x, opts));
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
