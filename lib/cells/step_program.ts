/**
 * Planning the fast path: the per-step program in which the dense layers of the step
 * graph run in dense groups, one product per concatenated input, with the
 * concatenations and dropouts they absorb left out. Run by `fast_evaluation.ts`.
 *
 * @module
 */
import type { CellGraph } from "./graph.ts";
import {
  type CellNode,
  type CellSpec,
  type ConcatNode,
  type DenseNode,
  type DropoutNode,
  nodeInputs,
} from "./spec.ts";

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
export interface DenseGroup {
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
export function stepProgram(spec: CellSpec, graph: CellGraph): StepItem[] {
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
