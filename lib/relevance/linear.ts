/**
 * The one mechanism behind every rule for linear layers. A layer is a linear
 * map (dense: x·W; conv: conv2d(x, W) with stride 1) together with its
 * adjoint (dense: s·Wᵀ; conv: the conv gradient w.r.t. its input,
 * `conv2dTranspose`). A rule (`rule.ts`) chooses modified inputs and weights
 * per group of terms; this module computes the normalisers, divides the
 * upper relevance by them and maps it back. Unless a rule's group asks for the
 * layer's bias (LRP-ε with the bias absorbed), z is computed from the weights
 * alone, so the bias's share is redistributed over the inputs. Each rule
 * carries its stabiliser ε. A group whose normaliser is zero at a neuron hands
 * its share to the neuron's other groups (`stabilise.ts`), so conservative
 * rules conserve exactly, on every neuron. What a layer does not pass on (the
 * bias's and the stabiliser's share) is returned as its absorbed part.
 *
 * Terms that read the same input are merged into one map with combined
 * weights, and terms with a constant input (the z^β bounds, the ones of w²)
 * into one map of ones computed once for all samples, so z^β costs two
 * passes each way instead of three.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { RESIDUAL_SUM, RESIDUAL_SUM_GROUPS, runFusedKernel } from "../backend/mod.ts";
import type { InputModifier } from "./modifiers.ts";
import type { InputBlock, Rule, Term, WeightCombination } from "./rule.ts";
import { guardedQuotient, nonZero } from "./stabilise.ts";

/** A linear map and its adjoint. */
export interface LinearMap {
  /** `dense` or `conv`. */
  readonly kind: "dense" | "conv";
  /** The map applied to `x` with weights `w`. */
  forward(x: tf.Tensor, w: tf.Tensor): tf.Tensor;
  /** The adjoint applied to `s` (shape of the output), giving the shape `inputShape`. */
  backward(s: tf.Tensor, w: PreparedWeight, inputShape: number[]): tf.Tensor;
  /** The weights of input features/channels [start, start + size). */
  sliceInput(w: tf.Tensor, start: number, size: number): tf.Tensor;
  /** Precomputes what `backward` needs (the transposed matrix for dense layers). */
  prepare(w: tf.Tensor): PreparedWeight;
}

/** Weights ready for both directions. */
export interface PreparedWeight {
  /** The weights. */
  w: tf.Tensor;
  /** Dense only: the transposed weights. */
  wT?: tf.Tensor;
}

/**
 * The dense map x·W (W is [in, out]). The adjoint multiplies by an explicitly
 * transposed matrix, which is much faster on the wasm backend than a
 * transposed matmul.
 */
export function denseMap(): LinearMap {
  return {
    kind: "dense",
    forward: (x, w) => tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D),
    backward: (s, p) => tf.matMul(s as tf.Tensor2D, p.wT as tf.Tensor2D),
    sliceInput: (w, start, size) => tf.slice(w, [start, 0], [size, w.shape[1]!]),
    prepare: (w) => ({ w, wT: tf.transpose(w) }),
  };
}

/** The conv map conv2d(x, W, stride 1) with W [kh, kw, cin, cout]; its adjoint is conv2dTranspose. */
export function convMap(padding: "same" | "valid"): LinearMap {
  return {
    kind: "conv",
    forward: (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, padding),
    backward: (s, p, shape) =>
      tf.conv2dTranspose(
        s as tf.Tensor4D,
        p.w as tf.Tensor4D,
        shape as [number, number, number, number],
        1,
        padding,
      ),
    sliceInput: (w, start, size) => {
      const [kh, kw, , cout] = w.shape;
      return tf.slice(w, [0, 0, start, 0], [kh, kw, size, cout]);
    },
    prepare: (w) => ({ w }),
  };
}

/**
 * Caches the modified weights of one layer (per block and weight modifier)
 * across calls, e.g. across the time steps of one propagation. The cached
 * tensors are kept out of every `tf.tidy` scope; release them with `dispose`.
 */
export class WeightCache {
  readonly #map: LinearMap;
  readonly #weight: tf.Tensor;
  readonly #cache = new Map<string, PreparedWeight>();
  readonly #owned: tf.Tensor[] = [];

  /** Creates the cache for `weight` under `map`. */
  constructor(map: LinearMap, weight: tf.Tensor) {
    this.#map = map;
    this.#weight = weight;
  }

  /** The unmodified weights. */
  get weight(): tf.Tensor {
    return this.#weight;
  }

  /**
   * The weights of `block` (all rows/channels when `full`) combined as
   * Σ factor · modifier(W), or null for an empty combination.
   */
  combination(
    block: InputBlock,
    full: boolean,
    parts: WeightCombination,
  ): PreparedWeight | null {
    if (parts.length === 0) return null;
    const what = parts.map(([m, f]) => `${f}*${m.name}`).join("+");
    const key = `${full ? "all" : `${block.start}:${block.size}`}|${what}`;
    let p = this.#cache.get(key);
    if (!p) {
      const prepared = tf.tidy(() => {
        const base = full
          ? this.#weight
          : this.#map.sliceInput(this.#weight, block.start, block.size);
        const terms = parts.map(([m, f]) => (f === 1 ? m.apply(base) : tf.mul(m.apply(base), f)));
        const q = this.#map.prepare(terms.length === 1 ? terms[0] : tf.addN(terms));
        return q.wT ? { w: q.w, wT: q.wT } : { w: q.w };
      });
      for (const t of [prepared.w, prepared.wT]) {
        if (t && t !== this.#weight) this.#owned.push(tf.keep(t));
      }
      p = prepared;
      this.#cache.set(key, p);
    }
    return p;
  }

  /** Releases the cached tensors. */
  dispose(): void {
    for (const t of this.#owned) t.dispose();
    this.#owned.length = 0;
    this.#cache.clear();
  }
}

/**
 * Terms of one group and block that read the same input are merged into one
 * linear map with combined weights (Σ_t z_t·w_t forward, Σ_t r_t·w_t
 * backward); terms with a constant input (bounds, ones) are merged into one
 * map of ones whose weights carry the constants. `input: null` marks the
 * constant part.
 */
interface MergedTerms {
  block: InputBlock;
  input: InputModifier | null;
  zParts: WeightCombination;
  rParts: WeightCombination;
}

function mergeTerms(terms: readonly Term[]): MergedTerms[] {
  const out = new Map<string, MergedTerms>();
  for (const t of terms) {
    const c = t.input.constant?.(t.block);
    const key = `${t.block.start}|${c === undefined ? t.input.name : "constant"}`;
    let m = out.get(key);
    if (!m) {
      m = { block: t.block, input: c === undefined ? t.input : null, zParts: [], rParts: [] };
      out.set(key, m);
    }
    const k = c ?? 1;
    if (t.z * k !== 0) m.zParts.push([t.weight, t.z * k]);
    if (t.r * k !== 0) m.rParts.push([t.weight, t.r * k]);
  }
  return [...out.values()];
}

/** A group's normaliser and the share of the upper relevance it redistributes. */
interface GroupShare {
  /** The group's share (α, −β or 1), or per neuron after {@link groupShares}. */
  share: number | tf.Tensor;
  /** The normaliser [B, out…], absent for a group without terms. */
  z?: tf.Tensor;
  /** Where z is non-zero (1) or counts as zero (0). */
  mask?: tf.Tensor;
}

/**
 * The shares per neuron: a group whose normaliser is zero at a neuron has
 * nothing to redistribute by there, so its share goes to the neuron's other
 * groups in proportion to their shares, keeping Σ shares (α − β = 1 for a
 * conservative αβ rule). With one group nothing changes. Call inside a tidy.
 */
function groupShares(groups: readonly GroupShare[]): GroupShare[] {
  // one group: its quotient finds its own zeros
  if (groups.length < 2) return [...groups];
  const withMasks = groups.map((g) => ({ ...g, mask: g.z ? nonZero(g.z) : undefined }));
  const total = groups.reduce((a, g) => a + (g.share as number), 0);
  let live: tf.Tensor | undefined;
  for (const g of withMasks) {
    if (!g.mask) continue;
    const part = tf.mul(g.mask, g.share as number);
    live = live ? tf.add(live, part) : part;
  }
  if (!live) return withMasks;
  // share · total / live where some group is live, 0 where none is (nothing to redistribute by).
  const scale = guardedQuotient(tf.onesLike(live), live, 0);
  return withMasks.map((g) => ({ ...g, share: tf.mul(scale, (g.share as number) * total) }));
}

/**
 * Per row of `R` [B, out…]: Σ_k (R_k − Σ_g s_gk·z_gk), what the groups' quotients `s_g`
 * did not pass on through their normalisers `z_g`. One kernel on wasm
 * (`RnnxResidualSum`, the same bits). Call inside a tidy.
 */
function residualSum(R: tf.Tensor, groups: readonly [tf.Tensor, tf.Tensor][]): tf.Tensor1D {
  if (groups.length > 0 && groups.length <= RESIDUAL_SUM_GROUPS) {
    const inputs: tf.NamedTensorMap = { r: R };
    groups.forEach(([s, z], g) => Object.assign(inputs, { [`s${g}`]: s, [`z${g}`]: z }));
    const fused = runFusedKernel(RESIDUAL_SUM, inputs, {}, true);
    if (fused) return fused as tf.Tensor1D;
  }
  // Σ_g s_g·z_g from the first term on: 0 + x is x but for −0, which the row sums
  // cannot tell from +0 (a sum that starts at +0 never becomes −0)
  const passed = groups.map(([s, z]) => tf.mul(s, z)).reduce<tf.Tensor | undefined>(
    (a, sz) => a ? tf.add(a, sz) : sz,
    undefined,
  );
  return tf.sum(tf.reshape(passed ? tf.sub(R, passed) : R, [R.shape[0], -1]), 1) as tf.Tensor1D;
}

/** Σ factor · modifier(bias). */
function biasTerm(parts: WeightCombination, bias: tf.Tensor): tf.Tensor {
  const terms = parts.map(([m, f]) => (f === 1 ? m.apply(bias) : tf.mul(m.apply(bias), f)));
  return terms.length === 1 ? terms[0] : tf.addN(terms);
}

/** Options of {@link redistribute}. */
export interface RedistributeOptions {
  /** ε of the stabiliser (default: the rule's own, `rule.epsilon`). */
  epsilon?: number;
  /** A weight cache to reuse across calls (default: a fresh one, released at the end). */
  weights?: WeightCache;
  /** The layer's effective bias (broadcast over the output), for rules that absorb it. */
  bias?: tf.Tensor | null;
}

/** What {@link redistributeAbsorbing} returns. */
export interface Redistribution {
  /** The relevance of the input, shaped like it. */
  relevance: tf.Tensor;
  /**
   * Per sample [B]: Σ_k (R_k − Σ_g s_gk · z⁰_gk), with z⁰ the normaliser without bias and
   * stabiliser: what the bias's and the stabiliser's shares (and neurons with nothing to
   * redistribute by) keep from the input. Zero for a conservative rule with ε = 0.
   */
  absorbed: tf.Tensor1D;
}

/**
 * Redistributes the relevance `R` of a linear layer's outputs onto its input
 * `x` with `rule`, for the given input `blocks` (which must tile the last
 * axis of `x`). Returns a tensor shaped like `x`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { denseMap, redistribute } from "./linear.ts";
 * import { zPlus } from "./zplus.ts";
 * const x = tf.tensor2d([[1, 2]]);
 * const w = tf.tensor2d([[1, -1], [1, 1]]);
 * const blocks = [{ domain: "nonneg" as const, start: 0, size: 2, sources: ["x"] }];
 * const r = redistribute(denseMap(), zPlus(), x, w, tf.tensor2d([[3, 2]]), blocks);
 * // r = [[1 + 0, 2 + 2]] = [[1, 4]]
 * ```
 */
export function redistribute(
  map: LinearMap,
  rule: Rule,
  x: tf.Tensor,
  weight: tf.Tensor,
  R: tf.Tensor,
  blocks: readonly InputBlock[],
  opts: RedistributeOptions = {},
): tf.Tensor {
  const { relevance, absorbed } = redistributeAbsorbing(map, rule, x, weight, R, blocks, opts);
  absorbed.dispose();
  return relevance;
}

/**
 * {@link redistribute}, also returning what the layer absorbed per sample.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { denseMap, redistributeAbsorbing } from "./linear.ts";
 * import { lrpEpsilon } from "./epsilon.ts";
 * const blocks = [{ domain: "real" as const, start: 0, size: 1, sources: ["x"] }];
 * const { relevance, absorbed } = redistributeAbsorbing(
 *   denseMap(), lrpEpsilon({ epsilon: 0 }), tf.tensor2d([[1]]), tf.tensor2d([[3]]),
 *   tf.tensor2d([[4]]), blocks, { bias: tf.tensor1d([1]) },
 * ); // z = 3 + 1: relevance [[3]], absorbed [1]
 * ```
 */
export function redistributeAbsorbing(
  map: LinearMap,
  rule: Rule,
  x: tf.Tensor,
  weight: tf.Tensor,
  R: tf.Tensor,
  blocks: readonly InputBlock[],
  opts: RedistributeOptions = {},
): Redistribution {
  const lastAxis = x.shape.length - 1;
  const width = x.shape[lastAxis];
  const covered = blocks.reduce((a, b) => a + b.size, 0);
  if (covered !== width) {
    throw new RangeError(
      `input blocks cover ${covered} of the ${width} features/channels of the layer input`,
    );
  }
  return tf.tidy(() => {
    const block = (b: InputBlock): tf.Tensor => {
      if (blocks.length === 1) return x;
      const begin = x.shape.map((_, i) => (i === lastAxis ? b.start : 0));
      const size = x.shape.map((d, i) => (i === lastAxis ? b.size : d));
      return tf.slice(x, begin, size);
    };
    const { relevance, absorbed } = redistributeBlocks(
      map,
      rule,
      { shape: x.shape.slice(0, lastAxis), block },
      weight,
      R,
      blocks,
      opts,
    );
    const ordered = [...blocks].sort((a, b) => a.start - b.start)
      .map((b) => relevance[blocks.indexOf(b)]);
    return {
      relevance: ordered.length === 1 ? ordered[0] : tf.concat(ordered, lastAxis),
      absorbed,
    };
  });
}

/**
 * A layer input given block by block: the shape shared by every block (all axes but
 * the last) and each block's values (called only for blocks a rule reads).
 */
export interface BlockInputs {
  /** The input's shape without its last axis. */
  shape: readonly number[];
  /** The values of one block, `[...shape, block.size]`. */
  block(b: InputBlock): tf.Tensor;
}

/** What {@link redistributeBlocks} returns. */
export interface BlockRedistribution {
  /** The relevance of each block, in the order of the blocks given. */
  relevance: tf.Tensor[];
  /** Per sample, as {@link Redistribution.absorbed}. */
  absorbed: tf.Tensor1D;
}

/**
 * {@link redistributeAbsorbing} for an input given block by block, with the relevance
 * returned block by block: when the blocks are the parts of a concatenation, nothing is
 * sliced out of it and nothing is assembled into it. The numbers are those of
 * {@link redistributeAbsorbing} on the concatenated input.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { denseMap, redistributeBlocks } from "./linear.ts";
 * import { mixed } from "./mixed.ts";
 * import type { InputBlock } from "./rule.ts";
 * import { zBeta } from "./zbeta.ts";
 * import { zPlus } from "./zplus.ts";
 * const blocks: InputBlock[] = [
 *   { domain: "pixels", start: 0, size: 1, low: -1, high: 1, sources: ["x"] },
 *   { domain: "nonneg", start: 1, size: 1, sources: ["h"] },
 * ];
 * const parts = [tf.tensor2d([[0.5]]), tf.tensor2d([[2]])];
 * const { relevance } = redistributeBlocks(
 *   denseMap(), mixed({ pixels: zBeta(), nonneg: zPlus() }),
 *   { shape: [1], block: (b) => parts[blocks.indexOf(b)] },
 *   tf.tensor2d([[1], [1]]), tf.tensor2d([[3]]), blocks,
 * ); // z = (0.5 + 1) + 2: relevance [[1.5·3/3.5]] and [[2·3/3.5]]
 * ```
 */
export function redistributeBlocks(
  map: LinearMap,
  rule: Rule,
  input: BlockInputs,
  weight: tf.Tensor,
  R: tf.Tensor,
  blocks: readonly InputBlock[],
  opts: RedistributeOptions = {},
): BlockRedistribution {
  const epsilon = opts.epsilon ?? rule.epsilon;
  const own = opts.weights ? undefined : new WeightCache(map, weight);
  const weights = opts.weights ?? own!;
  const full = blocks.length === 1;
  try {
    return tf.tidy(() => {
      const parts = new Map<number, tf.Tensor>();
      const inputs = new Map<string, tf.Tensor>();
      const modified = (b: InputBlock, m: InputModifier): tf.Tensor => {
        const key = `${b.start}|${m.name}`;
        let v = inputs.get(key);
        if (!v) {
          v = m.apply(input.block(b), b);
          inputs.set(key, v);
        }
        return v;
      };
      const blockShape = (b: InputBlock) => [...input.shape, b.size];
      const groups = rule.plan(blocks).filter((g) => g.share !== 0).map((group) => {
        const merged = mergeTerms(group.terms);
        let z: tf.Tensor | undefined;
        for (const m of merged) {
          const w = weights.combination(m.block, full, m.zParts);
          if (!w) continue;
          // A constant input gives the same output for every sample: compute it once.
          const x = m.input
            ? modified(m.block, m.input)
            : tf.ones([1, ...blockShape(m.block).slice(1)]);
          const out = map.forward(x, w.w);
          z = z ? tf.add(z, out) : out;
        }
        const zb = group.bias && opts.bias && z ? biasTerm(group.bias, opts.bias) : null;
        return { share: group.share, merged, z, zWithBias: zb ? tf.add(z!, zb) : z };
      });
      const shares = groupShares(groups.map((g) => ({ share: g.share, z: g.zWithBias })));
      const passed: [s: tf.Tensor, z: tf.Tensor][] = [];
      groups.forEach((group, i) => {
        const { z, mask, share } = shares[i];
        const upper = share === 1 ? R : tf.mul(R, share);
        const s = z ? guardedQuotient(upper, z, epsilon, mask) : tf.zerosLike(R);
        if (group.z) passed.push([s, group.z]);
        for (const m of group.merged) {
          const w = weights.combination(m.block, full, m.rParts);
          if (!w) continue;
          const back = map.backward(s, w, blockShape(m.block));
          const contribution = m.input ? tf.mul(modified(m.block, m.input), back) : back;
          const prev = parts.get(m.block.start);
          parts.set(m.block.start, prev ? tf.add(prev, contribution) : contribution);
        }
      });
      return {
        relevance: blocks.map((b) => parts.get(b.start) ?? tf.zeros(blockShape(b))),
        absorbed: residualSum(R, passed),
      };
    });
  } finally {
    own?.dispose();
  }
}
