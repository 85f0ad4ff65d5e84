/**
 * The one unroller: runs a step program (`step_program.ts`) over the T steps of
 * a batch, then the output graph, optionally keeping every value for a trace.
 * The reference and the fast evaluation differ only in the program they pass.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { CellModel } from "./model.ts";
import type { ApplyContext } from "./nodes/kind.ts";
import { kindOf } from "./nodes/registry.ts";
import { ALL_STEPS, RunContext } from "./run_context.ts";
import type { RunOptions } from "./run_options.ts";
import type { CellNode } from "./spec.ts";
import { stepInputShape, toSteps } from "./step_inputs.ts";
import type { ProgramEnvironment, StepProgram } from "./step_program.ts";
import type { Trace } from "./trace.ts";

/** The per-step values of a value computed once over all T·B stacked step inputs. */
function stepPieces(T: number): (name: string, stacked: tf.Tensor, t: number) => tf.Tensor {
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

function applyNode(node: CellNode, get: (name: string) => tf.Tensor, context: ApplyContext) {
  const kind = kindOf(node);
  return kind.apply(node, kind.inputs(node).map(get), context);
}

/**
 * Runs `program` for the images `x` [B, H, W]: its hoisted nodes once over all steps,
 * its items at every step, then the output graph node by node. With `record`, the trace
 * holds every value of every step (`steps`); otherwise `steps` is empty. Call inside
 * `tf.tidy`.
 */
export function unroll(
  model: CellModel,
  x: tf.Tensor,
  opts: RunOptions,
  program: StepProgram,
  record: boolean,
): Trace {
  const { spec } = model;
  const T = spec.T;
  const B = x.shape[0];
  const context = new RunContext(model, opts, B);
  const hoisted = new Map<string, tf.Tensor>();
  hoisted.set("x", toSteps(spec, x).reshape([T * B, ...stepInputShape(spec)]));
  for (const node of program.hoisted) {
    hoisted.set(node.name, applyNode(node, (n) => hoisted.get(n)!, context.at(ALL_STEPS, T)));
  }
  const stateNames = new Set(spec.states.map((s) => s.name));
  const env: ProgramEnvironment = {
    context,
    T,
    B,
    hoisted: (name) => hoisted.get(name),
    isState: (name) => stateNames.has(name),
  };
  const runners = program.step.map((item) => item.prepare(env));
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
        if (!h) throw new Error(`${spec.id}: value "${name}" is not available at step ${t}`);
        v = piece(name, h, t);
        vals.set(name, v);
      }
      return v;
    };
    const values = { get, set: (name: string, v: tf.Tensor) => void vals.set(name, v) };
    for (const run of runners) run(t, values);
    if (record) {
      for (const node of spec.step) get(node.name);
      get("x");
      steps.push(Object.fromEntries(vals));
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
  const outContext = context.at("out");
  for (const node of spec.output) output.set(node.name, applyNode(node, getOut, outContext));
  const logits = output.get(spec.logits) as tf.Tensor2D;
  return { steps, output: Object.fromEntries(output), logits };
}
