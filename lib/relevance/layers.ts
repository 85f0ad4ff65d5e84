/**
 * The linear layers of a cell as rules see them: each node whose kind declares
 * a `linear` relevance flow (dense, conv) with the blocks of its input (runs of
 * one domain, from the cell analysis), and the rule a composite assigns to it.
 * Only layers that can receive relevance from the logits get a rule (the gate
 * layers of an R-LSTM do not).
 *
 * @module
 */
import type { CellModel } from "../cells/model.ts";
import { kindOf } from "../cells/nodes/registry.ts";
import type { CellNode, ConvNode, DenseNode } from "../cells/spec.ts";
import type { Composite } from "./composite.ts";
import type { InputBlock, LayerContext, Rule, RuleCheckOptions } from "./rule.ts";

/** The inputs a node passes relevance to, from its kind's relevance flow (gates receive none). */
export function relevanceInputs(node: CellNode): string[] {
  const flow = kindOf(node).relevance(node);
  switch (flow.flow) {
    case "split":
      return flow.inputs;
    case "products":
      return flow.terms.map((t) => t.value);
    default:
      return [flow.input];
  }
}

/** The node's input when its kind declares a `linear` flow (a layer rules apply to), else null. */
export function linearInput(node: CellNode): string | null {
  const flow = kindOf(node).relevance(node);
  return flow.flow === "linear" ? flow.input : null;
}

/** The blocks of a layer's input: adjacent segments of one domain (and bounds) merged. */
export function inputBlocks(model: CellModel, node: DenseNode | ConvNode): InputBlock[] {
  const input = linearInput(node) ?? node.input;
  const info = model.graph.values.get(input) ?? (input === "x" ? model.graph.input : undefined);
  if (!info) {
    throw new Error(`${model.spec.id}: layer "${node.name}" reads unknown "${input}"`);
  }
  const blocks: InputBlock[] = [];
  let start = 0;
  for (const s of info.segments) {
    const last = blocks[blocks.length - 1];
    if (last && last.domain === s.domain && last.low === s.low && last.high === s.high) {
      last.size += s.size;
      last.sources.push(s.from);
    } else {
      const b: InputBlock = { domain: s.domain, start, size: s.size, sources: [s.from] };
      if (s.low !== undefined) b.low = s.low;
      if (s.high !== undefined) b.high = s.high;
      blocks.push(b);
    }
    start += s.size;
  }
  return blocks;
}

/** The context of one layer. */
export function layerContext(model: CellModel, node: DenseNode | ConvNode): LayerContext {
  return { cell: model.spec.id, T: model.spec.T, node, blocks: inputBlocks(model, node) };
}

/**
 * The names (step nodes, states, output nodes, `x`) that can receive relevance
 * from the logits, following states back to the node that produces them.
 */
export function relevantValues(model: CellModel): Set<string> {
  const { spec } = model;
  const reached = new Set<string>([spec.logits]);
  for (const node of [...spec.output].reverse()) {
    if (reached.has(node.name)) { for (const n of relevanceInputs(node)) reached.add(n); }
  }
  let size = -1;
  while (size !== reached.size) {
    size = reached.size;
    for (const s of spec.states) if (reached.has(s.name)) reached.add(s.next);
    for (const node of [...spec.step].reverse()) {
      if (reached.has(node.name)) { for (const n of relevanceInputs(node)) reached.add(n); }
    }
  }
  return reached;
}

/**
 * The rule of every layer that can receive relevance, checked against the
 * layer. Throws `RuleApplicationError` naming the cell, the layer and the
 * rule when a rule does not fit.
 */
export function assignRules(
  model: CellModel,
  composite: Composite,
  opts: RuleCheckOptions,
): Map<string, { rule: Rule; layer: LayerContext }> {
  const reached = relevantValues(model);
  const out = new Map<string, { rule: Rule; layer: LayerContext }>();
  for (const node of [...model.spec.step, ...model.spec.output]) {
    if (linearInput(node) === null || !reached.has(node.name)) continue;
    // A rule sees every linear layer through the dense/conv layer fields (name, op, input).
    const layer = layerContext(model, node as DenseNode | ConvNode);
    const rule = composite.ruleFor(layer);
    rule.check(layer, opts);
    out.set(node.name, { rule, layer });
  }
  return out;
}
