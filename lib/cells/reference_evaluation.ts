/**
 * The reference evaluation: node by node, state-free nodes optionally hoisted, every
 * value optionally recorded for a `Trace` (see `traceForward`).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { RunOptions } from "./engine.ts";
import { Evaluator } from "./evaluator.ts";
import { ALL_STEPS, stepPieces } from "./hoisting.ts";
import type { CellModel } from "./model.ts";
import { stepInputShape, toSteps } from "./step_inputs.ts";

/** The reference evaluation: node by node (hoisting optional), every value kept if `record`. */
export function evaluate(model: CellModel, x: tf.Tensor, opts: RunOptions, record: boolean) {
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
