/**
 * Parts of a convolution pass, as `dnnl_library.ts` runs them across threads: which
 * ranges a pass is cut into (the forward pass and the input gradient by sample, the
 * filter gradient by output channel), and the check that the parts compute the bits
 * of the whole pass before they are used for a geometry.
 *
 * @module
 */
import type { Geometry } from "./blas_conv2d.ts";

/** A range `[from, to)` of samples or channels. */
export type Range = readonly [from: number, to: number];

/** The three passes of a convolution. */
export type ConvolutionPass = "forward" | "backwardData" | "backwardWeights";

/**
 * One part of a convolution pass: `forward` and `backwardData` over the samples
 * `range` (the whole tensors' addresses, as the pass takes them), `backwardWeights`
 * over the output channels `range`.
 */
export interface ConvolutionPart {
  /** The pass. */
  pass: ConvolutionPass;
  /** The whole convolution's geometry (with whether its forward pass adds a bias). */
  geometry: Geometry & { bias: boolean };
  /** The samples (or, of a filter gradient, the output channels) of the part. */
  range: Range;
  /** The pass's byte addresses, in the order the whole pass takes them. */
  args: number[];
}

/**
 * Multiply-adds below which a convolution pass runs whole on one thread: handing a
 * part to a helper costs tens of microseconds.
 */
export const MIN_PARTED_MULTIPLY_ADDS = 2_000_000;

/**
 * `n` items cut into `parts` ranges `[from, to)` as even as can be, or null when there
 * are fewer items than parts.
 *
 * @example
 * ```ts
 * import { evenRanges } from "./dnnl_parts.ts";
 * if (JSON.stringify(evenRanges(24, 2)) !== "[[0,12],[12,24]]") throw new Error();
 * if (JSON.stringify(evenRanges(5, 2)) !== "[[0,3],[3,5]]") throw new Error();
 * if (evenRanges(1, 2) !== null) throw new Error();
 * ```
 */
export function evenRanges(n: number, parts: number): Range[] | null {
  if (n < parts) return null;
  const ends = Array.from({ length: parts + 1 }, (_, i) => Math.ceil((n * i) / parts));
  return ends.slice(1).map((to, i) => [ends[i], to] as const);
}

/**
 * The ranges a pass of `g` is cut into for `count` threads: by sample, or by output
 * channel for the filter gradient; null where the pass is below
 * {@link MIN_PARTED_MULTIPLY_ADDS} or has fewer samples (channels) than threads.
 *
 * @example
 * ```ts
 * import { partRanges } from "./dnnl_parts.ts";
 * const g = {
 *   B: 50, H: 28, W: 7, C: 24, OH: 28, OW: 7, O: 24, kh: 5, kw: 5, sh: 1, sw: 1, dh: 1, dw: 1,
 *   top: 2, left: 2, bottom: 2, right: 2, rows: 9800, K: 600, bias: false,
 * };
 * if (JSON.stringify(partRanges("forward", g, 2)) !== "[[0,25],[25,50]]") throw new Error();
 * if (JSON.stringify(partRanges("backwardWeights", g, 2)) !== "[[0,12],[12,24]]") throw new Error();
 * if (partRanges("forward", { ...g, B: 1 }, 2) !== null) throw new Error();
 * ```
 */
export function partRanges(
  pass: ConvolutionPass,
  g: ConvolutionPart["geometry"],
  count: number,
): Range[] | null {
  if (g.B * g.OH * g.OW * g.O * g.kh * g.kw * g.C < MIN_PARTED_MULTIPLY_ADDS) return null;
  return evenRanges(pass === "backwardWeights" ? g.O : g.B, count);
}

/** A buffer of `n` floats in [-1, 1) from a fixed xorshift sequence. */
function randomBuffer(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let v = seed | 1;
  for (let i = 0; i < n; i++) {
    v ^= v << 13;
    v ^= v >>> 17;
    v ^= v << 5;
    a[i] = (v >>> 0) / 2 ** 31 - 1;
  }
  return a;
}

const addressOf = (a: Float32Array) => Number(Deno.UnsafePointer.value(Deno.UnsafePointer.of(a)));

/** Floats of a pass's inputs and of its output, in the order the pass takes them. */
function passSizes(pass: ConvolutionPass, g: ConvolutionPart["geometry"]) {
  const [x, y, w] = [g.B * g.H * g.W * g.C, g.B * g.OH * g.OW * g.O, g.kh * g.kw * g.C * g.O];
  if (pass === "forward") return { inputs: [x, w, g.bias ? g.O : 0], output: y };
  return pass === "backwardData" ? { inputs: [y, w], output: x } : { inputs: [x, y], output: w };
}

/**
 * Whether the parts `ranges` of a pass of `g`, each run by `part`, compute the same bits
 * as the whole pass run by `whole`, on inputs of random values (the part's and the
 * whole's arguments are byte addresses, as {@link ConvolutionPart} holds them).
 */
export function partsGiveWholeBits(
  pass: ConvolutionPass,
  g: ConvolutionPart["geometry"],
  ranges: readonly Range[],
  whole: (args: number[]) => void,
  part: (part: ConvolutionPart) => void,
): boolean {
  const { inputs, output } = passSizes(pass, g);
  const buffers = inputs.map((size, i) => randomBuffer(size, i + 1));
  const [one, parted] = [0, 1].map(() => new Float32Array(output));
  const args = (out: Float32Array) => [...buffers, out].map(addressOf);
  whole(args(one));
  for (const range of ranges) part({ pass, geometry: g, range, args: args(parted) });
  const [a, b] = [one, parted].map((f) => new Uint32Array(f.buffer));
  return a.every((v, i) => v === b[i]);
}
