/**
 * Running the fast path: the step program of `step_program.ts` with its dense groups
 * prepared (weights per term, biases, dropout masks, hoisted products), unrolled over
 * the steps, then the output graph.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { RunOptions } from "./engine.ts";
import { Evaluator } from "./evaluator.ts";
import { ALL_STEPS, stepPieces } from "./hoisting.ts";
import type { CellModel } from "./model.ts";
import { type DenseGroup, stepProgram } from "./step_program.ts";
import { stepInputShape, toSteps } from "./step_inputs.ts";

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

/**
 * The fast evaluation behind `forward` (hoisting on, nothing recorded): state-free nodes
 * once over all steps, dense groups in place of concatenation → dense chains, per-step
 * values of hoisted nodes split off in one operation, and the terms that multiply the zero
 * initial state left out at step 0.
 */
export function evaluateFast(model: CellModel, x: tf.Tensor, opts: RunOptions): tf.Tensor2D {
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
