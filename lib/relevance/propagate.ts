/**
 * Relevance propagation through a whole cell, walked from its description:
 * R = ReLU(f_y) at the target logit, then backwards through the output
 * graph, then backwards through time, reversing the step graph at every step.
 * There is no per-architecture code and no per-kind code: every node kind
 * declares its relevance flow (`RelevanceFlow`, `../cells/nodes/kind.ts`) and
 * each flow has one backward rule:
 *
 * - linear (dense, conv): the layer's rule (chosen by the composite, see `layers.ts`);
 *   a layer whose rule treats the parts of a concatenation as separate blocks reads
 *   them and passes them their relevance directly, past the concatenation;
 * - operator (pool): proportional redistribution (`flows.ts`);
 * - reshape (flatten; dropout, the identity in evaluation): reshaped back;
 * - split (concat): the relevance is split along the last axis;
 * - products (gatedSum, gate): the R-LSTM split (`flows.ts`), gates get nothing.
 *
 * The relevance of a state entering step t is added to the relevance of the
 * state's `next` node at step t − 1; the relevance of the initial state
 * (t = 0) is dropped (it is zero: the state is zero). Relevance reaching a
 * value from several readers is summed. With `batched: true` the state-free
 * part of the step graph (the input stack) is run once over all T·B step
 * inputs after the recurrent part instead of once per step; the results are
 * the same. On the wasm backend this is not faster (the per-step runs do the
 * same arithmetic, and stacking the traced values costs copies), so the
 * default is per step.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { nodeInputs } from "../cells/graph.ts";
import type { CellModel } from "../cells/model.ts";
import { kindOf } from "../cells/nodes/registry.ts";
import type { CellNode } from "../cells/spec.ts";
import type { Trace } from "../cells/trace.ts";
import type { Composite } from "./composite.ts";
import { gatedTermsRelevance, operatorRelevance } from "./flows.ts";
import { assignRules } from "./layers.ts";
import {
  convMap,
  denseMap,
  type LinearMap,
  redistributeAbsorbing,
  redistributeBlocks,
  WeightCache,
} from "./linear.ts";
import type { InputBlock, LayerContext, Rule } from "./rule.ts";

/** Options of {@link propagateRelevance}. */
export interface PropagationOptions {
  /** Reject rules that do not conserve relevance (default true). */
  requireConservation?: boolean;
  /** Run the state-free part once over all steps stacked (default false: per step). */
  batched?: boolean;
}

/** What {@link propagateRelevance} returns. */
export interface PropagationResult {
  /** Relevance of every step input, [T, B, ...step input shape]. */
  perStep: tf.Tensor;
  /** The relevance that was propagated, ReLU(f_y) per sample, [B]. */
  start: tf.Tensor1D;
  /**
   * What the linear layers kept per sample [B] (their biases' and stabilisers' shares,
   * `redistributeAbsorbing`): Σ perStep + absorbed = start for rules with r = z.
   */
  absorbed: tf.Tensor1D;
}

interface LayerState {
  rule: Rule;
  layer: LayerContext;
  map: LinearMap;
  cache: WeightCache;
  bias: tf.Tensor | null;
  /**
   * When the layer reads a concatenation whose parts its rule's blocks follow: the
   * parts each block is made of, in block order (see {@link blockParts}).
   */
  parts: string[][] | null;
}

/**
 * The parts of a concatenation that make up each block of a layer reading it, or null
 * when the input is not a concatenation, has one block, or a block boundary falls
 * inside a part. The layer then reads the parts as they are and passes relevance to
 * them directly: the concatenation is neither sliced into blocks nor reassembled from
 * the blocks' relevance only to be split again.
 */
function blockParts(
  input: CellNode | undefined,
  blocks: readonly InputBlock[],
  width: (name: string) => number,
): string[][] | null {
  if (!input || blocks.length < 2) return null;
  const flow = kindOf(input).relevance(input);
  if (flow.flow !== "split") return null;
  const out: string[][] = [];
  let at = 0;
  let next = 0;
  for (const b of [...blocks].sort((p, q) => p.start - q.start)) {
    const names: string[] = [];
    while (next < flow.inputs.length && at < b.start + b.size) {
      names.push(flow.inputs[next]);
      at += width(flow.inputs[next++]);
    }
    if (at !== b.start + b.size) return null;
    out[blocks.indexOf(b)] = names;
  }
  return out;
}

/** The relevance a node passes to each input, and what a linear layer absorbed [rows]. */
type NodeRelevance = {
  parts: [string, tf.Tensor][];
  absorbed?: tf.Tensor1D;
};

type Lookup = (name: string) => tf.Tensor;

/** Backward rule of one node, by its relevance flow: the relevance of each input it passes relevance to. */
function backwardNode(
  node: CellNode,
  R: tf.Tensor,
  value: Lookup,
  layers: Map<string, LayerState>,
): NodeRelevance {
  const flow = kindOf(node).relevance(node);
  switch (flow.flow) {
    case "linear": {
      const l = layers.get(node.name);
      if (!l) throw new Error(`layer "${node.name}" receives relevance but has no rule`);
      if (l.parts) return partsRelevance(l, l.parts, R, value);
      const { relevance, absorbed } = redistributeAbsorbing(
        l.map,
        l.rule,
        value(flow.input),
        l.cache.weight,
        R,
        l.layer.blocks,
        { weights: l.cache, bias: l.bias },
      );
      return { parts: [[flow.input, relevance]], absorbed };
    }
    case "operator":
      return {
        parts: [[
          flow.input,
          operatorRelevance(flow.adjoint, value(flow.input), value(node.name), R),
        ]],
      };
    case "reshape":
      return { parts: [[flow.input, tf.reshape(R, value(flow.input).shape)]] };
    case "split": {
      const sizes = flow.inputs.map((n) => value(n).shape.at(-1)!);
      const parts = tf.split(R, sizes, -1);
      return { parts: flow.inputs.map((n, i) => [n, parts[i]]) };
    }
    case "products": {
      return { parts: gatedTermsRelevance(flow.terms, value, value(node.name), R) };
    }
  }
}

/** The linear flow of a layer reading a concatenation part by part ({@link blockParts}). */
function partsRelevance(
  l: LayerState,
  parts: string[][],
  R: tf.Tensor,
  value: Lookup,
): NodeRelevance {
  const blockValue = (names: string[]) =>
    names.length === 1 ? value(names[0]) : tf.concat(names.map(value), -1);
  const blocks = l.layer.blocks;
  const { relevance, absorbed } = redistributeBlocks(
    l.map,
    l.rule,
    {
      shape: value(parts[0][0]).shape.slice(0, -1),
      block: (b) => blockValue(parts[blocks.indexOf(b)]),
    },
    l.cache.weight,
    R,
    blocks,
    { weights: l.cache, bias: l.bias },
  );
  return {
    parts: parts.flatMap((names, i): [string, tf.Tensor][] => {
      if (names.length === 1) return [[names[0], relevance[i]]];
      const pieces = tf.split(relevance[i], names.map((n) => value(n).shape.at(-1)!), -1);
      return names.map((n, k) => [n, pieces[k]]);
    }),
    absorbed,
  };
}

function addTo(map: Map<string, tf.Tensor>, name: string, r: tf.Tensor): void {
  const prev = map.get(name);
  map.set(name, prev ? tf.add(prev, r) : r);
}

/**
 * Propagates ReLU(f_y) of the target class `targets` ([B] int32) from the
 * logits of `trace` (a `traceForward` of `model`) down to every step input.
 * Rules are chosen and checked by `composite` before any computation; a rule
 * that does not fit a layer raises `RuleApplicationError`.
 */
export function propagateRelevance(
  model: CellModel,
  trace: Trace,
  targets: tf.Tensor1D,
  composite: Composite,
  opts: PropagationOptions = {},
): PropagationResult {
  const { spec, graph } = model;
  const assigned = assignRules(model, composite, {
    requireConservation: opts.requireConservation ?? true,
  });
  const layers = new Map<string, LayerState>();
  const nodes = new Map([...spec.step, ...spec.output].map((n) => [n.name, n]));
  const width = (n: string) => (graph.values.get(n) ?? graph.input).shape.at(-1)!;
  for (const [name, { rule, layer }] of assigned) {
    const flow = kindOf(layer.node).relevance(layer.node);
    if (flow.flow !== "linear") throw new Error(`${spec.id}: layer "${name}" is not linear`);
    const map = flow.map.kind === "dense" ? denseMap() : convMap(flow.map.padding);
    const weight = model.params.get(flow.weight);
    if (!weight) throw new Error(`${spec.id}: missing parameter "${flow.weight}"`);
    const made = tf.tidy(() =>
      [flow.bias?.((n) => model.params.get(n)) ?? null].filter((b) => b !== null)
    );
    const bias = made[0] ?? null;
    const parts = blockParts(nodes.get(flow.input), layer.blocks, width);
    layers.set(name, { rule, layer, map, cache: new WeightCache(map, weight), bias, parts });
  }
  const T = spec.T;
  const batched = opts.batched ?? false;
  try {
    return tf.tidy(() => {
      const logits = trace.logits;
      const B = logits.shape[0];
      const onehot = tf.oneHot(targets, logits.shape[1]);
      const start = tf.relu(tf.sum(tf.mul(logits, onehot), 1)) as tf.Tensor1D;
      const outNames = new Set(spec.output.map((n) => n.name));
      const outR = new Map<string, tf.Tensor>([[spec.logits, tf.mul(onehot, start.expandDims(1))]]);
      const stepR = Array.from({ length: T }, () => new Map<string, tf.Tensor>());
      const lastStep = trace.steps[T - 1];
      const outValue: Lookup = (n) => trace.output[n] ?? lastStep[n];
      let absorbed: tf.Tensor = tf.zeros([B]);
      const run = (node: CellNode, R: tf.Tensor, value: Lookup): [string, tf.Tensor][] => {
        const out = tf.tidy(() => backwardNode(node, R, value, layers));
        if (out.absorbed) {
          // The state-free part over all steps stacked: rows are t-major [T·B].
          const rows = out.absorbed.shape[0];
          const perSample = rows === B
            ? out.absorbed
            : tf.sum(tf.reshape(out.absorbed, [-1, B]), 0);
          absorbed = tf.add(absorbed, perSample);
        }
        return out.parts;
      };

      for (const node of [...spec.output].reverse()) {
        const R = outR.get(node.name);
        if (!R) continue;
        for (const [n, r] of run(node, R, outValue)) {
          addTo(outNames.has(n) ? outR : stepR[T - 1], n, r);
        }
      }
      const deferred = (name: string) => batched && graph.stateFree.has(name);
      for (let t = T - 1; t >= 0; t--) {
        const m = stepR[t];
        const value: Lookup = (n) => trace.steps[t][n];
        for (const node of [...spec.step].reverse()) {
          if (deferred(node.name)) continue;
          const R = m.get(node.name);
          if (!R) continue;
          for (const [n, r] of run(node, R, value)) addTo(m, n, r);
        }
        if (t > 0) {
          for (const s of spec.states) {
            const r = m.get(s.name);
            if (r) addTo(stepR[t - 1], s.next, r);
          }
        }
      }
      const stepShape = graph.input.shape;
      if (!batched) {
        return {
          perStep: tf.stack(stepR.map((m) => m.get("x") ?? tf.zeros([B, ...stepShape]))),
          start,
          absorbed: absorbed as tf.Tensor1D,
        };
      }
      // The state-free part, once over all steps stacked along the batch axis (t-major).
      const all = new Map<string, tf.Tensor>();
      const values = new Map<string, tf.Tensor>();
      const valueAll: Lookup = (n) => {
        let v = values.get(n);
        if (!v) {
          v = tf.concat(trace.steps.map((s) => s[n]), 0);
          values.set(n, v);
        }
        return v;
      };
      for (const name of [...graph.stateFree, "x"]) {
        if (!stepR.some((m) => m.has(name))) continue;
        all.set(
          name,
          tf.concat(stepR.map((m, t) => m.get(name) ?? tf.zerosLike(trace.steps[t][name])), 0),
        );
      }
      for (const node of [...spec.step].reverse()) {
        if (!graph.stateFree.has(node.name)) continue;
        const R = all.get(node.name);
        if (!R) continue;
        // Stack the values outside the node's tidy scope: later nodes read them too.
        const parts = layers.get(node.name)?.parts?.flat() ?? [];
        for (const n of [node.name, ...nodeInputs(node), ...parts]) valueAll(n);
        for (const [n, r] of run(node, R, valueAll)) addTo(all, n, r);
      }
      const rx = all.get("x") ?? tf.zeros([T * B, ...stepShape]);
      return {
        perStep: tf.reshape(rx, [T, B, ...stepShape]),
        start,
        absorbed: absorbed as tf.Tensor1D,
      };
    });
  } finally {
    for (const l of layers.values()) {
      l.cache.dispose();
      // A bias computed from its parameter (−softplus(b)) is owned here; a free bias is the parameter.
      if (l.bias && l.bias !== model.params.get(`${l.layer.node.name}.bias`)) l.bias.dispose();
    }
  }
}
