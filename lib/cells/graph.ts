/**
 * Static analysis of a cell description: the per-sample shape, value domain
 * and last-axis segments of every node, the parameters of every layer, and
 * which step nodes do not depend on the recurrent state (so the engine can run
 * them once over all time steps). What a node contributes comes from its kind
 * (`nodes/`).
 *
 * @module
 */
import { CellSpecError } from "./errors.ts";
import type { ParameterInit } from "./nodes/kind.ts";
import { kindOf } from "./nodes/registry.ts";
import { domainOf, sameShape, singleValue, type ValueInfo } from "./nodes/values.ts";
import type { CellNode, CellSpec } from "./spec.ts";

export type { ValueInfo } from "./nodes/values.ts";

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
  /** How it is initialised. */
  init: ParameterInit;
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

/** The names a node reads (from its kind). */
export function nodeInputs(node: CellNode): string[] {
  return kindOf(node).inputs(node);
}

/**
 * Analyses a cell description: infers shapes, domains and segments, lists its
 * parameters and finds the state-free step nodes. Throws `CellSpecError`
 * naming the node for any inconsistency (unknown kind, unknown name, duplicate
 * name, shape mismatch, state shape differing from its `next` node).
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
  for (const s of spec.states) define(s.name, singleValue(s.name, s.shape, "nonneg"), "state");

  const run = (nodes: CellNode[], where: string, lookup: (n: string) => ValueInfo | undefined) => {
    for (const node of nodes) {
      const fail = (msg: string): never => {
        throw new CellSpecError(`${spec.id}: ${where} node "${node.name}" (${node.op}): ${msg}`);
      };
      const kind = kindOf(node);
      const names = kind.inputs(node);
      const inputs = names.map((name) => {
        const found = lookup(name);
        if (!found) {
          throw new CellSpecError(
            `${spec.id}: ${where} node "${node.name}" reads unknown name "${name}"`,
          );
        }
        return found;
      });
      define(node.name, kind.infer(node, inputs, fail), where);
      for (const p of kind.parameters?.(node, inputs) ?? []) {
        parameters.push({ name: `${node.name}.${p.role}`, node: node.name, ...p });
      }
      if (where === "step" && names.every((n) => stateFree.has(n))) stateFree.add(node.name);
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
    values.set(s.name, singleValue(s.name, s.shape, domainOf(next)));
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
