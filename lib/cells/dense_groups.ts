/**
 * The dense-group pass of the fast path: the dense layers of the step graph run
 * in dense groups, one product per concatenated input, with the concatenations
 * and dropouts they absorb left out. This pass knows three kinds by name (dense,
 * concat, dropout): it rewrites their pattern, and leaves every other node to
 * its kind.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { concatTerms, readersOf, type Term } from "./concat_terms.ts";
import type { CellGraph } from "./graph.ts";
import type { ConcatNode } from "./nodes/concat.ts";
import type { DenseNode } from "./nodes/dense.ts";
import type { DropoutNode } from "./nodes/dropout.ts";
import { effectiveBias } from "./nodes/linear_layer.ts";
import { ALL_STEPS } from "./run_context.ts";
import type { ProgramEnvironment, ProgramItem, StepValues } from "./step_program.ts";
import type { CellNode, CellSpec } from "./spec.ts";

const isDense = (n: CellNode | undefined): n is DenseNode => n?.op === "dense";
const isDropout = (n: CellNode | undefined): n is DropoutNode => n?.op === "dropout";
const isConcat = (n: CellNode | undefined): n is ConcatNode => n?.op === "concat";

/**
 * Dense layers that all read the same concatenation (optionally through one dropout):
 * act(drop([u₁, …, u_k])·W + b) = act(Σᵢ drop(uᵢ)·Wᵢ + b), with Wᵢ the rows of W that
 * uᵢ meets, and the layers' weights side by side, so the group costs one product per
 * input instead of a concatenation plus one product per layer. A layer that reads no
 * concatenation is a group of its own with one term (absorbing a dropout only it reads).
 */
export interface DenseGroup {
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

/** The dense groups of a step graph and the nodes they absorb. */
export interface DenseGroupPlan {
  /** The group of every grouped layer. */
  groupOf: Map<string, DenseGroup>;
  /** The concatenations and dropouts the groups compute in their place. */
  absorbed: Set<string>;
}

const plans = new WeakMap<CellSpec, DenseGroupPlan>();

/**
 * Every dense layer of the step graph that is not state-free in a {@link DenseGroup},
 * with the concatenations and dropouts the groups absorb.
 */
export function planDenseGroups(spec: CellSpec, graph: CellGraph): DenseGroupPlan {
  const cached = plans.get(spec);
  if (cached) return cached;
  const byName = new Map(spec.step.map((n) => [n.name, n]));
  const readers = readersOf(spec);
  const width = (name: string): number | undefined => {
    const info = name === "x" ? graph.input : graph.values.get(name);
    return info && info.shape.length === 1 ? info.shape[0] : undefined;
  };
  const groupOf = new Map<string, DenseGroup>();
  const absorbed = new Set<string>();
  const soleDropout = (n: DenseNode): DropoutNode | null => {
    const r = readers.get(n.name) ?? [];
    const d = r.length === 1 ? byName.get(r[0]) : undefined;
    return isDropout(d) ? d : null;
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
  const addGroup = (group: DenseGroup, absorb: string[]) => {
    for (const l of group.nodes) groupOf.set(l.name, group);
    for (const name of absorb) absorbed.add(name);
    for (const r of group.runs) for (const d of r.dropouts ?? []) absorbed.add(d.name);
  };
  for (const node of spec.step) {
    if (!isDense(node) || graph.stateFree.has(node.name) || groupOf.has(node.name)) continue;
    let src = byName.get(node.input);
    let dropout: DropoutNode | null = null;
    if (isDropout(src) && !absorbed.has(src.name) && !graph.stateFree.has(src.name)) {
      dropout = src;
      src = byName.get(src.input);
    }
    if (isConcat(src)) {
      const cat: ConcatNode = src;
      const layers = (readers.get(node.input) ?? []).map((r) => byName.get(r));
      const terms = concatTerms(cat.inputs, spec, graph, width);
      if (
        (!dropout || (readers.get(cat.name) ?? []).every((r) => r === dropout!.name)) &&
        layers.every((l) => isDense(l) && !graph.stateFree.has(l.name)) &&
        terms !== null
      ) {
        const nodes = layers as DenseNode[];
        const last = terms.at(-1)!;
        const group = {
          nodes,
          terms,
          dropout,
          width: last.offset + last.width,
          runs: makeRuns(nodes),
        };
        addGroup(group, [cat.name, ...(dropout ? [dropout.name] : [])]);
        continue;
      }
    }
    // A layer on its own, absorbing a dropout that only it reads.
    const own = dropout && (readers.get(dropout.name) ?? []).length === 1 ? dropout : null;
    const source = own ? own.input : node.input;
    const terms = concatTerms([source], spec, graph, width);
    if (terms === null) continue;
    const group: DenseGroup = {
      nodes: [node],
      terms,
      dropout: own,
      width: terms[0].width,
      runs: makeRuns([node]),
    };
    addGroup(group, own ? [own.name] : []);
  }
  const plan = { groupOf, absorbed };
  plans.set(spec, plan);
  return plan;
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
  /** Per term: the dropout masks of its columns at every step, step after step (training only). */
  readonly #masks: Float32Array[] | null;
  readonly #env: ProgramEnvironment;

  constructor(group: DenseGroup, env: ProgramEnvironment) {
    this.group = group;
    this.#env = env;
    const { T, B, context } = env;
    const { nodes, terms } = group;
    const units = nodes.map((n) => n.units);
    const ctx = context.at("0");
    this.weights = terms.map((term) => {
      const parts = nodes.map((n) => {
        const w = ctx.param(`${n.name}.weight`);
        return terms.length === 1 ? w : tf.slice(w, [term.offset, 0], [term.width, n.units]);
      });
      return (parts.length === 1 ? parts[0] : tf.concat(parts, 1)) as tf.Tensor2D;
    });
    const biases = nodes.map((n) => effectiveBias(n, ctx));
    this.bias = biases.every((b) => b === null) ? null : tf.concat(
      biases.map((b, i) => b === null ? tf.zeros([1, units[i]]) : tf.reshape(b, [1, units[i]])),
      1,
    );
    this.#masks = null;
    if (context.masks && group.dropout) {
      const all = context.at(ALL_STEPS, T).dropoutMask(group.dropout, group.width)!;
      this.#masks = terms.map((term) =>
        term.width === group.width ? all : columns(all, T * B, group.width, term.offset, term.width)
      );
    }
    const up = terms.map((term, i) => ({ term, i })).filter(({ term }) => term.hoisted);
    if (up.length === 0) {
      this.hoisted = null;
      return;
    }
    let sum: tf.Tensor | null = null;
    for (const { term, i } of up) {
      let v = env.hoisted(term.source)!;
      if (this.#masks) v = tf.mul(v, tf.tensor2d(this.#masks[i], [T * B, term.width]));
      const product = tf.matMul(v as tf.Tensor2D, this.weights[i]);
      sum = sum === null ? product : tf.add(sum, product);
    }
    if (this.bias) sum = tf.add(sum!, this.bias);
    this.hoisted = T === 1 ? [sum!] : tf.split(sum!, T, 0);
  }

  /** The dropout masks of run `k` at step `t`, its layers side by side ([B, run width]). */
  runMask(k: number, t: number): tf.Tensor2D {
    const run = this.group.runs[k];
    const B = this.#env.B;
    const ctx = this.#env.context.at(`${t}`);
    const masks = run.nodes.map((n, i) => ctx.dropoutMask(run.dropouts![i], n.units)!);
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
    const B = this.#env.B;
    let pre: tf.Tensor | null = this.hoisted ? this.hoisted[t] : null;
    terms.forEach((term, i) => {
      if (term.hoisted || (term.state && t === 0)) return;
      let v = get(term.source);
      if (this.#masks) {
        const n = B * term.width;
        v = tf.mul(v, tf.tensor2d(this.#masks[i].subarray(t * n, (t + 1) * n), [B, term.width]));
      }
      const product = tf.matMul(v as tf.Tensor2D, this.weights[i]);
      pre = pre === null ? product : tf.add(pre, product);
    });
    if (!this.hoisted && this.bias) {
      pre = pre === null ? tf.tile(this.bias, [B, 1]) : tf.add(pre, this.bias);
    }
    if (pre === null) pre = tf.zeros([B, nodes.reduce((a, n) => a + n.units, 0)]);
    return pre;
  }

  /** Runs the group at step `t`: every layer's value (or its dropout's) defined in `values`. */
  run(t: number, values: StepValues): void {
    const { runs } = this.group;
    const ctx = this.#env.context.at(`${t}`);
    const masked = this.#env.context.masks !== null;
    const pre = this.preActivation(t, values.get);
    const split = runs.length === 1 ? [pre] : tf.split(pre, runs.map((r) => r.width), 1);
    runs.forEach((run, k) => {
      const activated = ctx.activate(run.activation, split[k]);
      const a = run.dropouts && masked ? tf.mul(activated, this.runMask(k, t)) : activated;
      const outs = run.nodes.length === 1 ? [a] : tf.split(a, run.nodes.map((n) => n.units), 1);
      run.nodes.forEach((n, i) => {
        if (run.dropouts) values.set(run.dropouts[i].name, outs[i]);
        // without masks the dropout is the identity and the layer's value is the same
        if (!run.dropouts || !masked) values.set(n.name, outs[i]);
      });
    });
  }
}

/** The program item of a dense group. */
export function groupItem(group: DenseGroup): ProgramItem {
  return {
    prepare(env) {
      const prepared = new PreparedGroup(group, env);
      return (t, values) => prepared.run(t, values);
    },
  };
}
