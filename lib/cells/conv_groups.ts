/**
 * The conv-group pass of the fast path: a convolution of a concatenation of channels,
 * act(conv([u₁, …, u_k], W) + b) = act(Σᵢ conv(uᵢ, Wᵢ) + b) with Wᵢ the input channels
 * of W that uᵢ meets. The terms of state-free inputs (the step image of the
 * literal-connection cells) are convolved once over all steps stacked, the terms of the
 * zero initial states are left out at step 0, and the other terms stay one
 * concatenation and one convolution per step. The concatenation of the image's one
 * channel with the previous output's 24 is gone at every step, and the per-step
 * convolution meets 24 channels instead of 25, a layout the native convolutions run
 * about twice as fast. This pass knows two kinds by name (conv, concat) and leaves
 * every other node to its kind.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { concatTerms, readersOf, type Term } from "./concat_terms.ts";
import type { CellGraph } from "./graph.ts";
import type { ConcatNode } from "./nodes/concat.ts";
import { type ConvNode, convolve } from "./nodes/conv.ts";
import { effectiveBias } from "./nodes/linear_layer.ts";
import type { ProgramEnvironment, ProgramItem, StepValues } from "./step_program.ts";
import type { CellNode, CellSpec } from "./spec.ts";

const isConv = (n: CellNode | undefined): n is ConvNode => n?.op === "conv";
const isConcat = (n: CellNode | undefined): n is ConcatNode => n?.op === "concat";

/** A convolution of a concatenation that only it reads, with the concatenation's inputs as terms. */
export interface ConvGroup {
  node: ConvNode;
  /** The concatenation it absorbs. */
  concat: ConcatNode;
  /** The concatenation's inputs, channels [offset, offset + width) each. */
  terms: Term[];
}

/** The conv groups of a step graph and the concatenations they absorb. */
export interface ConvGroupPlan {
  /** The group of every grouped convolution. */
  groupOf: Map<string, ConvGroup>;
  /** The concatenations the groups compute in their place. */
  absorbed: Set<string>;
}

const plans = new WeakMap<CellSpec, ConvGroupPlan>();

/**
 * Every convolution of the step graph that is not state-free and reads a concatenation
 * of a state-free value or a state (where the split saves work), as a {@link ConvGroup}.
 *
 * @example
 * ```ts
 * import { analyseCell, buildCell } from "./mod.ts";
 * import { planConvGroups } from "./conv_groups.ts";
 * const spec = buildCell("conv+deep", 12);
 * const { groupOf, absorbed } = planConvGroups(spec, analyseCell(spec));
 * const sources = groupOf.get("conv1")!.terms.map((t) => t.source);
 * if (sources.join() !== "x,conv1_prev" || !absorbed.has("conv1_in")) throw new Error();
 * ```
 */
export function planConvGroups(spec: CellSpec, graph: CellGraph): ConvGroupPlan {
  const cached = plans.get(spec);
  if (cached) return cached;
  const byName = new Map(spec.step.map((n) => [n.name, n]));
  const readers = readersOf(spec);
  const channels = (name: string): number | undefined => {
    const info = name === "x" ? graph.input : graph.values.get(name);
    return info && info.shape.length === 3 ? info.shape[2] : undefined;
  };
  const groupOf = new Map<string, ConvGroup>();
  const absorbed = new Set<string>();
  for (const node of spec.step) {
    if (!isConv(node) || graph.stateFree.has(node.name)) continue;
    const concat = byName.get(node.input);
    if (!isConcat(concat)) continue;
    if ((readers.get(concat.name) ?? []).some((r) => r !== node.name)) continue;
    const terms = concatTerms(concat.inputs, spec, graph, channels);
    if (terms === null || !terms.some((t) => t.hoisted || t.state)) continue;
    groupOf.set(node.name, { node, concat, terms });
    absorbed.add(concat.name);
  }
  const plan = { groupOf, absorbed };
  plans.set(spec, plan);
  return plan;
}

/** The input channels of `filter` that `terms` meet, in the terms' order (null for none). */
function filterChannels(filter: tf.Tensor4D, terms: readonly Term[]): tf.Tensor4D | null {
  if (terms.length === 0) return null;
  const [kh, kw, channels, filters] = filter.shape;
  const runs: { offset: number; width: number }[] = [];
  for (const { offset, width } of terms) {
    const last = runs.at(-1);
    if (last && last.offset + last.width === offset) last.width += width;
    else runs.push({ offset, width });
  }
  if (runs.length === 1 && runs[0].offset === 0 && runs[0].width === channels) return filter;
  const parts = runs.map(({ offset, width }) =>
    tf.slice(filter, [0, 0, offset, 0], [kh, kw, width, filters])
  );
  return parts.length === 1 ? parts[0] : tf.concat(parts, 2);
}

/** The per-step part of a group at some steps: its terms and the filter channels they meet. */
interface StepPart {
  terms: Term[];
  filter: tf.Tensor4D | null;
}

/** A conv group ready to run: its filters per step, its bias and its hoisted part. */
class PreparedConvGroup {
  readonly group: ConvGroup;
  /** Per step: the hoisted terms' convolutions plus the bias, or null without hoisted terms. */
  readonly hoisted: tf.Tensor4D[] | null;
  /** The per-step terms at step 0 (no states) and after. */
  readonly #first: StepPart;
  readonly #later: StepPart;
  readonly #env: ProgramEnvironment;
  readonly #shape: number[];

  constructor(group: ConvGroup, env: ProgramEnvironment, graph: CellGraph) {
    this.group = group;
    this.#env = env;
    const { node, terms } = group;
    this.#shape = [env.B, ...graph.values.get(node.name)!.shape];
    const ctx = env.context.at("0");
    const filter = ctx.param(`${node.name}.weight`) as tf.Tensor4D;
    const perStep = terms.filter((t) => !t.hoisted);
    const first = perStep.filter((t) => !t.state);
    this.#later = { terms: perStep, filter: filterChannels(filter, perStep) };
    this.#first = { terms: first, filter: filterChannels(filter, first) };
    const up = terms.filter((t) => t.hoisted);
    if (up.length === 0) {
      this.hoisted = null;
      return;
    }
    const products = up.map((term) =>
      tf.conv2d(
        env.hoisted(term.source) as tf.Tensor4D,
        filterChannels(filter, [term])!,
        1,
        node.padding,
      )
    );
    let sum = products.length === 1 ? products[0] : tf.addN(products);
    const bias = effectiveBias(node, ctx);
    if (bias) sum = tf.add(sum, bias);
    this.hoisted = env.T === 1 ? [sum] : tf.split(sum, env.T, 0);
  }

  /** Runs the convolution at step `t`, defining its value in `values`. */
  run(t: number, values: StepValues): void {
    const { node } = this.group;
    const ctx = this.#env.context.at(`${t}`);
    const { terms, filter } = t === 0 ? this.#first : this.#later;
    const input = terms.length === 0
      ? null
      : terms.length === 1
      ? values.get(terms[0].source) as tf.Tensor4D
      : tf.concat(terms.map((term) => values.get(term.source)), 3) as tf.Tensor4D;
    const conv = () => tf.conv2d(input!, filter!, 1, node.padding);
    let out: tf.Tensor;
    if (this.hoisted) {
      const pre = input ? tf.add(this.hoisted[t], conv()) : this.hoisted[t];
      out = ctx.activate(node.activation, pre);
    } else if (input) {
      out = convolve(node, input, filter!, ctx);
    } else {
      const bias = effectiveBias(node, ctx);
      const zeros = tf.zeros(this.#shape);
      out = ctx.activate(node.activation, bias ? tf.add(zeros, bias) : zeros);
    }
    values.set(node.name, out);
  }
}

/** The program item of a conv group. */
export function convGroupItem(group: ConvGroup, graph: CellGraph): ProgramItem {
  return {
    prepare(env) {
      const prepared = new PreparedConvGroup(group, env, graph);
      return (t, values) => prepared.run(t, values);
    },
  };
}
