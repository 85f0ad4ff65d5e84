/**
 * Static analysis of a cell description: the per-sample shape, value domain
 * and last-axis segments of every node, the parameters of every layer, and
 * which step nodes do not depend on the recurrent state (so the engine can run
 * them once over all time steps).
 *
 * @module
 */
import { CellSpecError } from "./catalog.ts";
import {
  type CellNode,
  type CellSpec,
  type ConvNode,
  type DenseNode,
  type Domain,
  hasParameters,
  nodeInputs,
  type Segment,
} from "./spec.ts";

/** What is known statically about one value of the graph. */
export interface ValueInfo {
  /** Per-sample shape (no batch axis). */
  shape: number[];
  /** Parts of the last axis with their domains (one part unless concatenated). */
  segments: Segment[];
}

/** One trainable tensor of a layer. */
export interface ParameterInfo {
  /** Tensor name, `<node>.weight` or `<node>.bias`. */
  name: string;
  /** The layer node. */
  node: string;
  /** `weight` or `bias`. */
  role: "weight" | "bias";
  /** Its shape: [in, out] for dense, [kh, kw, cin, cout] for conv, [out] or [1, out] for biases. */
  shape: number[];
}

/** The analysed graph of a cell. */
export interface CellGraph {
  spec: CellSpec;
  /** The step input `x`. */
  input: ValueInfo;
  /** Every state, step node and output node by name. */
  values: Map<string, ValueInfo>;
  /** Step nodes whose value does not depend on any state (hoistable over time). */
  stateFree: Set<string>;
  /** Every trainable tensor. */
  parameters: ParameterInfo[];
}

function domainOf(info: ValueInfo): Domain {
  const domains = new Set(info.segments.map((s) => s.domain));
  if (domains.size === 1) return info.segments[0].domain;
  return domains.has("real") ? "real" : "nonneg";
}

function single(from: string, shape: number[], domain: Domain): ValueInfo {
  return { shape, segments: [{ from, size: shape[shape.length - 1], domain }] };
}

function activationDomain(activation: string): Domain {
  return activation === "linear" ? "real" : "nonneg";
}

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function convOut(size: number, k: number, padding: "same" | "valid"): number {
  return padding === "same" ? size : size - k + 1;
}

function infer(
  node: CellNode,
  read: (name: string) => ValueInfo,
  where: string,
): ValueInfo {
  const fail = (msg: string): never => {
    throw new CellSpecError(`${where} node "${node.name}" (${node.op}): ${msg}`);
  };
  switch (node.op) {
    case "dense": {
      const inp = read(node.input);
      if (inp.shape.length !== 1) fail(`expects a vector input, got shape [${inp.shape}]`);
      return single(node.name, [node.units], activationDomain(node.activation));
    }
    case "conv": {
      const inp = read(node.input);
      if (inp.shape.length !== 3) fail(`expects an H×W×C input, got shape [${inp.shape}]`);
      const [h, w] = inp.shape;
      const shape = [
        convOut(h, node.kernel[0], node.padding),
        convOut(w, node.kernel[1], node.padding),
        node.filters,
      ];
      if (shape[0] <= 0 || shape[1] <= 0) fail(`kernel larger than its ${h}×${w} input`);
      return single(node.name, shape, activationDomain(node.activation));
    }
    case "pool": {
      const inp = read(node.input);
      if (inp.shape.length !== 3) fail(`expects an H×W×C input, got shape [${inp.shape}]`);
      const out = (n: number) =>
        node.padding === "same"
          ? Math.ceil(n / node.stride)
          : Math.floor((n - node.size) / node.stride) + 1;
      return single(node.name, [out(inp.shape[0]), out(inp.shape[1]), inp.shape[2]], domainOf(inp));
    }
    case "flatten": {
      const inp = read(node.input);
      if (inp.segments.length !== 1) fail("cannot flatten a concatenation of several domains");
      const size = inp.shape.reduce((a, b) => a * b, 1);
      return single(node.name, [size], domainOf(inp));
    }
    case "concat": {
      const parts = node.inputs.map(read);
      const rank = parts[0].shape.length;
      for (const p of parts) {
        if (
          !sameShape(p.shape.slice(0, -1), parts[0].shape.slice(0, -1)) || p.shape.length !== rank
        ) {
          fail(`inputs ${node.inputs.join(", ")} differ in shape except the last axis`);
        }
      }
      const last = parts.reduce((a, p) => a + p.shape[rank - 1], 0);
      return {
        shape: [...parts[0].shape.slice(0, -1), last],
        segments: parts.flatMap((p) => p.segments),
      };
    }
    case "dropout": {
      const inp = read(node.input);
      return { shape: inp.shape, segments: inp.segments };
    }
    case "gatedSum": {
      const [keep, prev, write, cand] = nodeInputs(node).map(read);
      for (const p of [keep, write, cand]) {
        if (!sameShape(p.shape, prev.shape)) fail("all operands must have the same shape");
      }
      const nonneg = [keep, prev, write, cand].every((p) => domainOf(p) !== "real");
      return single(node.name, prev.shape, nonneg ? "nonneg" : "real");
    }
    case "gate": {
      const gate = read(node.gate);
      const value = read(node.value);
      if (!sameShape(gate.shape, value.shape)) fail("gate and value must have the same shape");
      return single(node.name, value.shape, domainOf(value));
    }
  }
}

function layerParameters(node: DenseNode | ConvNode, inputShape: number[]): ParameterInfo[] {
  const cin = inputShape[inputShape.length - 1];
  const out = node.op === "dense" ? node.units : node.filters;
  const weightShape = node.op === "dense" ? [cin, out] : [...node.kernel, cin, out];
  return [
    { name: `${node.name}.weight`, node: node.name, role: "weight", shape: weightShape },
    {
      name: `${node.name}.bias`,
      node: node.name,
      role: "bias",
      shape: node.bias === "free" ? [1, out] : [out],
    },
  ];
}

/**
 * Analyses a cell description: infers shapes, domains and segments, lists its
 * parameters and finds the state-free step nodes. Throws `CellSpecError`
 * naming the node for any inconsistency (unknown name, duplicate name, shape
 * mismatch, state shape differing from its `next` node).
 */
export function analyseCell(spec: CellSpec): CellGraph {
  const stepShape = spec.input === "flat"
    ? [spec.height * spec.columns]
    : [spec.height, spec.columns, 1];
  const [low, high] = spec.pixelBounds;
  const input: ValueInfo = {
    shape: stepShape,
    segments: [{ from: "x", size: stepShape[stepShape.length - 1], domain: "pixels", low, high }],
  };
  const values = new Map<string, ValueInfo>();
  const stateFree = new Set<string>(["x"]);
  const parameters: ParameterInfo[] = [];
  const states = new Map(spec.states.map((s) => [s.name, s]));

  const define = (name: string, info: ValueInfo, where: string) => {
    if (values.has(name) || name === "x") {
      throw new CellSpecError(`${spec.id}: ${where} name "${name}" is defined twice`);
    }
    values.set(name, info);
  };
  // States get their domain from the node that produces them; start as nonneg and fix below.
  for (const s of spec.states) define(s.name, single(s.name, s.shape, "nonneg"), "state");

  const run = (nodes: CellNode[], where: string, lookup: (n: string) => ValueInfo | undefined) => {
    for (const node of nodes) {
      const read = (name: string): ValueInfo => {
        const found = lookup(name);
        if (!found) {
          throw new CellSpecError(
            `${spec.id}: ${where} node "${node.name}" reads unknown name "${name}"`,
          );
        }
        return found;
      };
      const info = infer(node, read, `${spec.id}: ${where}`);
      define(node.name, info, where);
      if (hasParameters(node)) parameters.push(...layerParameters(node, read(node.input).shape));
      if (where === "step" && nodeInputs(node).every((n) => stateFree.has(n))) {
        stateFree.add(node.name);
      }
    }
  };
  run(spec.step, "step", (n) => (n === "x" ? input : values.get(n)));
  for (const s of spec.states) {
    const next = values.get(s.next);
    if (!next || states.has(s.next)) {
      throw new CellSpecError(`${spec.id}: state "${s.name}" has no step node "${s.next}"`);
    }
    if (!sameShape(next.shape, s.shape)) {
      throw new CellSpecError(
        `${spec.id}: state "${s.name}" has shape [${s.shape}] but "${s.next}" has [${next.shape}]`,
      );
    }
    values.set(s.name, single(s.name, s.shape, domainOf(next)));
  }
  // Re-run the step graph so that segments read from states carry the right domain.
  for (const node of spec.step) values.delete(node.name);
  parameters.length = 0;
  stateFree.clear();
  stateFree.add("x");
  run(spec.step, "step", (n) => (n === "x" ? input : values.get(n)));
  run(spec.output, "output", (n) => values.get(n));
  const logits = values.get(spec.logits);
  if (!logits || !sameShape(logits.shape, [10])) {
    throw new CellSpecError(`${spec.id}: logits node "${spec.logits}" must exist with shape [10]`);
  }
  stateFree.delete("x");
  return { spec, input, values, stateFree, parameters };
}
