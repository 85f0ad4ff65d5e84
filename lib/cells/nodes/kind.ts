/**
 * What a node kind is: everything the cell floor and the relevance floor need
 * to know about one kind of node, in one object. A kind is registered once
 * (`registry.ts`); the analysis (`graph.ts`), the model initialisation
 * (`model.ts`), the engine (`unroll.ts`) and relevance propagation all look it
 * up by the node's `op` instead of switching over a closed list of kinds.
 *
 * **Relevance, described without relevance.** Cells sit below relevance and
 * must not import it, so a kind does not propagate relevance itself: it says
 * what its node *is* for propagation, as a {@link RelevanceFlow} in
 * relevance-neutral terms (a linear map with these weights; a fixed
 * non-negative linear operator with this adjoint; a reshape; a split along the
 * last axis; a sum of gated products). The relevance floor maps each flow to
 * its rule: the composite's rule for linear maps, proportional redistribution
 * for operators and products. A new kind that is one of these flows needs no
 * change in the relevance floor; a new flow would.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import type { ValueInfo } from "./values.ts";

/** The fields every node has: its kind and its name. */
export interface NodeDescription {
  /** The node kind (the key of its {@link NodeKind} in the registry). */
  readonly op: string;
  /** The value the node defines. */
  readonly name: string;
}

/** An element-wise activation. */
export type Activation = "relu" | "sigmoid" | "tanh" | "linear";

/**
 * How a trainable tensor is initialised: `truncatedNormal` draws from a
 * normal with σ = 1/√fan_in (fan_in = the product of all but the last axis),
 * re-drawn beyond 2σ; `zero` fills zeros; `softplusBias` is the raw bias b of
 * an effective bias −softplus(b), present only in the `thesis` bias mode.
 */
export type ParameterInit = "truncatedNormal" | "zero" | "softplusBias";

/** A trainable tensor a node declares. Its name is `<node>.<role>`. */
export interface ParameterDeclaration {
  /** `weight` or `bias`. */
  role: "weight" | "bias";
  /** Its shape. */
  shape: number[];
  /** Its initialisation. */
  init: ParameterInit;
}

/** What a node's forward pass may use besides its input values. */
export interface ApplyContext {
  /** Samples per step. */
  readonly rows: number;
  /** Steps stacked along the batch axis: 1, or T for a node run once over all steps. */
  readonly steps: number;
  /** Whether activations are replaced by hooks (then fused kernels must not be used). */
  readonly hooked: boolean;
  /** A parameter of the model by name; throws when it is missing. */
  param(name: string): tf.Tensor;
  /** A parameter of the model by name, or undefined (e.g. a bias absent in `code` mode). */
  optionalParam(name: string): tf.Tensor | undefined;
  /** A value computed once per evaluation under `key` (e.g. an effective bias). */
  memo<T>(key: string, make: () => T): T;
  /** `pre` through the activation (or its hook). */
  activate(kind: Activation, pre: tf.Tensor): tf.Tensor;
  /**
   * The inverted-dropout mask of a node for the current step(s), `rows · steps · size`
   * values, or null when nothing is dropped (evaluation, keep probability 1).
   */
  dropoutMask(node: DropoutLike, size: number): Float32Array | null;
}

/** What identifies a dropout mask: the node's name and whether it is drawn per step or per sequence. */
export interface DropoutLike {
  readonly name: string;
  readonly mode: "step" | "stationary";
}

/**
 * One term of a {@link RelevanceFlow} `products`: gate ⊙ value, (1 − gate) ⊙ value
 * with `complement`, or the value alone when there is no gate.
 */
export interface GatedTerm {
  /** The factor treated as a constant (receives no relevance); absent: the factor 1. */
  gate?: string;
  /** The factor is 1 − gate instead of gate (the GRU interpolation). */
  complement?: boolean;
  /** The factor that receives the term's share. */
  value: string;
}

/**
 * What relevance propagation needs of a node, in relevance-neutral terms:
 *
 * - `linear`: the node is act(input · W + b) (dense) or act(conv(input, W) + b)
 *   (conv, stride 1) with W the parameter `weight` and b its effective bias
 *   (`bias`, from the model's parameters); the relevance floor applies the rule
 *   its composite picks for the layer, and the activation passes relevance
 *   through unchanged.
 * - `operator`: the node is a fixed linear operator with non-negative
 *   coefficients (a pool) whose adjoint is `adjoint`; relevance is redistributed
 *   in proportion to the contributions.
 * - `reshape`: the node rearranges (or, in evaluation, passes) its input; the
 *   relevance is reshaped back.
 * - `split`: the node concatenates `inputs` along the last axis; the relevance
 *   is split the same way.
 * - `products`: the node is Σₖ gateₖ ⊙ valueₖ (a term may have no gate, or the
 *   complement 1 − gate); the relevance of each term is its share of the sum
 *   (the last term takes the remainder), passed to its value; gates receive
 *   none ("signal-take-all").
 */
export type RelevanceFlow =
  | {
    flow: "linear";
    input: string;
    weight: string;
    map: { kind: "dense" } | { kind: "conv"; padding: "same" | "valid" };
    /** The effective bias from the model's parameters, or null when the layer has none. */
    bias?: (param: (name: string) => tf.Tensor | undefined) => tf.Tensor | null;
  }
  | { flow: "operator"; input: string; adjoint: (s: tf.Tensor, input: tf.Tensor) => tf.Tensor }
  | { flow: "reshape"; input: string }
  | { flow: "split"; inputs: string[] }
  | { flow: "products"; terms: GatedTerm[] };

/**
 * Everything known about one kind of node.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import type { NodeKind } from "./kind.ts";
 * import { singleValue } from "./values.ts";
 * interface HalveNode { op: "halve"; name: string; input: string }
 * const halve: NodeKind<HalveNode> = {
 *   op: "halve",
 *   inputs: (n) => [n.input],
 *   infer: (n, [x]) => singleValue(n.name, x.shape, "real"),
 *   apply: (_n, [x]) => tf.mul(x, 0.5),
 *   relevance: (n) => ({ flow: "reshape", input: n.input }),
 * };
 * ```
 */
export interface NodeKind<N extends NodeDescription = NodeDescription> {
  /** The `op` of the nodes of this kind. */
  readonly op: string;
  /** The names the node reads, in the order `infer` and `apply` receive them. */
  inputs(node: N): string[];
  /**
   * Validates the node against its inputs and infers its value: shape, segments
   * and domains. Calls `fail` (which throws) with what is wrong.
   */
  infer(node: N, inputs: ValueInfo[], fail: (message: string) => never): ValueInfo;
  /** The trainable tensors of the node (none when absent). */
  parameters?(node: N, inputs: ValueInfo[]): ParameterDeclaration[];
  /** The forward pass: the node's value from its input values. Differentiable. */
  apply(node: N, inputs: tf.Tensor[], context: ApplyContext): tf.Tensor;
  /**
   * The forward pass when the inputs given as null are zeros (the initial state at the
   * first step); the fast path uses it to leave out work on zeros. Must equal `apply`.
   */
  applyWithZeros?(node: N, inputs: (tf.Tensor | null)[], context: ApplyContext): tf.Tensor;
  /** What relevance propagation needs of the node. */
  relevance(node: N): RelevanceFlow;
}
