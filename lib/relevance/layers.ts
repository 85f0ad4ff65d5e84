/**
 * The linear layers of a cell as rules see them: each dense/conv node with
 * the blocks of its input (runs of one domain, from the cell analysis), and
 * the rule a composite assigns to it. Only layers that can receive relevance
 * from the logits get a rule (the gate layers of an R-LSTM do not).
 *
 * @module
 */
import type { CellModel } from "../cells/model.ts";
import type { CellNode, ConvNode, DenseNode } from "../cells/spec.ts";
import type { Composite } from "./composite.ts";
import type { InputBlock, LayerContext, Rule, RuleCheckOptions } from "./rule.ts";

/** The inputs a node passes relevance to (gates receive none). */
export function relevanceInputs(node: CellNode): string[] {
  switch (node.op) {
    case "concat":
      return node.inputs;
    case "gatedSum":
      return [node.prev, node.candidate];
    case "gate":
      return [node.value];
    default:
      return [node.input];
  }
}

/** The blocks of a layer's input: adjacent segments of one domain (and bounds) merged. */
export function inputBlocks(model: CellModel, node: DenseNode | ConvNode): InputBlock[] {
  const info = model.graph.values.get(node.input) ??
    (node.input === "x" ? model.graph.input : undefined);
  if (!info) {
    throw new Error(`${model.spec.id}: layer "${node.name}" reads unknown "${node.input}"`);
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
    if ((node.op !== "dense" && node.op !== "conv") || !reached.has(node.name)) continue;
    const layer = layerContext(model, node);
    const rule = composite.ruleFor(layer);
    rule.check(layer, opts);
    out.set(node.name, { rule, layer });
  }
  return out;
}
