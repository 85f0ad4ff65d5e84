/**
 * 2-D convolutions (NHWC) for the wasm backend computed by a native BLAS: the input
 * patches are laid out as rows of a matrix ("im2col", a block of rows at a time in a
 * reusable buffer) and multiplied with the filter seen as a `[kh·kw·cin, cout]` matrix.
 *
 * - `Conv2D` / `FusedConv2D`: out = patches · W (+ bias, activation);
 * - `Conv2DBackpropFilter`: dW = Σ over blocks patchesᵀ · dy;
 * - `Conv2DBackpropInput`: columns = dy · Wᵀ, then every column is added back onto the
 *   input position it was read from ("col2im").
 *
 * Convolutions of stride 1 and no dilation along the height with deep enough filter
 * rows (kw·C ≥ 32, the Conv⁺ cells' recurrent convolutions) take the row-tap layout
 * instead: only the kw taps of each position are laid out (kh times fewer values than
 * the patch matrix), and each of the kh filter rows is one product over a shifted block
 * of them; the input gradient of such a convolution is computed as a convolution of
 * `dy` with the filter turned by 180°, so nothing is scattered back. The input gradient
 * of a single input channel (the conv cells' first layer, which explanations need) gathers
 * the columns of dy · Wᵀ at each input position instead of scattering them back.
 *
 * A forward convolution run while a gradient is recorded keeps its patch matrix (or
 * width patches) for the filter gradient, which then needs only the products (see
 * `patchCache`).
 * Kernels fall back to the kernel registered before them for other layouts and dtypes.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type BlasLibrary, heapAddress } from "./blas_library.ts";
import {
  applyActivation,
  type BiasLayout,
  biasLayout,
  type BlasBackend,
  fillBias,
  supportsActivation,
} from "./blas_matmul.ts";
import { heapOffset, type KernelArgs, pair } from "./wasm_kernel_util.ts";

/** Values per block of the patch matrix (1 MiB of float32: stays in the cache). */
const BLOCK_VALUES = 1 << 18;

/** Reusable buffers outside the wasm heap: patches, a transposed operand, a flipped filter. */
const scratch = [new Float32Array(0), new Float32Array(0), new Float32Array(0)];
const scratchAddress = [0, 0, 0];

/** Reusable buffer `slot` with at least `n` floats, and its address. */
function patchBuffer(n: number, slot: 0 | 1 | 2 = 0): { buffer: Float32Array; address: number } {
  if (scratch[slot].length < n) {
    scratch[slot] = new Float32Array(n);
    scratchAddress[slot] = addressOf(scratch[slot]);
  }
  return { buffer: scratch[slot], address: scratchAddress[slot] };
}

/** The address of a typed array's first element. */
function addressOf(a: Float32Array): number {
  return Number(Deno.UnsafePointer.value(Deno.UnsafePointer.of(a)));
}

/** Most values the patch cache holds (128 MiB of float32). */
const CACHE_VALUES = 1 << 25;

/** A patch matrix kept from a forward convolution for the filter gradient. */
interface CachedPatches {
  /** The convolution it belongs to (shapes, strides, padding). */
  key: string;
  cols: Float32Array;
}

/**
 * Patch matrices of forward convolutions run while a gradient is being recorded, by the
 * input's data id: the filter gradient needs the same matrix, so it is built once. An
 * entry is dropped when the filter gradient takes it, when its input is released, or
 * (oldest first) when the cache would exceed {@link CACHE_VALUES}.
 */
const patchCache = new Map<tf.DataId, CachedPatches>();

/** Buffers of patch matrices the filter gradient has used, for reuse (fresh ones cost page faults). */
const spare: Float32Array[] = [];

/** A buffer of exactly `n` floats, reusing a spare one when one is large enough. */
function patchMatrix(n: number): Float32Array {
  const i = spare.findIndex((b) => b.length >= n);
  if (i < 0) return new Float32Array(n);
  const [buffer] = spare.splice(i, 1);
  return buffer.length === n ? buffer : buffer.subarray(0, n);
}

/**
 * Returns a patch matrix's buffer to the spares, which keep at most as many values as
 * the cache (a recurrent step's worth of convolutions), the smallest dropped first.
 */
function release(cols: Float32Array): void {
  spare.push(new Float32Array(cols.buffer));
  spare.sort((a, b) => a.length - b.length);
  let total = spare.reduce((sum, b) => sum + b.length, 0);
  while (total > CACHE_VALUES) total -= spare.shift()!.length;
}

/** True while tfjs records operations for a gradient. */
function recording(): boolean {
  const engine = tf.engine() as unknown as { state: { gradientDepth: number } };
  return engine.state.gradientDepth > 0;
}

function geometryKey(g: Geometry): string {
  return [g.B, g.H, g.W, g.C, g.O, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.top, g.left].join(",");
}

function cachePatches(backend: BlasBackend, dataId: tf.DataId, entry: CachedPatches): void {
  let total = entry.cols.length;
  for (const [id, e] of patchCache) {
    if (!backend.dataIdMap.has(id as object)) {
      patchCache.delete(id);
      release(e.cols);
    } else {
      total += e.cols.length;
    }
  }
  for (const [id, e] of patchCache) {
    if (total <= CACHE_VALUES) break;
    patchCache.delete(id);
    release(e.cols);
    total -= e.cols.length;
  }
  if (total <= CACHE_VALUES) patchCache.set(dataId, entry);
}

/** Takes the cached patch matrix of `dataId` for the convolution `key`, if there is one. */
function takePatches(dataId: tf.DataId, key: string): Float32Array | null {
  const entry = patchCache.get(dataId);
  if (entry === undefined || entry.key !== key) return null;
  patchCache.delete(dataId);
  return entry.cols;
}

/** The number of patch matrices held for filter gradients (for tests). */
export function cachedPatchCount(): number {
  return patchCache.size;
}

/**
 * How the BLAS kernels lay out a convolution (for tests): the forward pass and filter
 * gradient (`forward`), and the input gradient (`input`), each `"pointwise"` (the input
 * is the patch matrix), `"row-taps"` (kh products over width patches) or `"patches"`
 * (the full patch matrix, in blocks); a single-channel input gradient may also
 * `"gather"` (one product, then every input position sums its columns).
 */
export function convLayout(
  xShape: readonly number[],
  filterShape: readonly number[],
  attrs: ConvAttrs,
): { forward: ConvLayoutName; input: ConvLayoutName } {
  const g = geometry(convInfo(xShape, filterShape, attrs));
  if (isPointwise(g)) return { forward: "pointwise", input: "pointwise" };
  return {
    forward: rowTaps(g) ? "row-taps" : "patches",
    input: transposedGeometry(g) !== null
      ? "row-taps"
      : gathersSingleChannel(g)
      ? "gather"
      : "patches",
  };
}

/** A convolution layout of the BLAS kernels (see {@link convLayout}). */
export type ConvLayoutName = "pointwise" | "row-taps" | "patches" | "gather";

/** The geometry of a convolution, from tfjs's `Conv2DInfo`. */
export interface Geometry {
  B: number;
  H: number;
  W: number;
  C: number;
  OH: number;
  OW: number;
  O: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  top: number;
  left: number;
  bottom: number;
  right: number;
  /** Rows of the patch matrix: B·OH·OW. */
  rows: number;
  /** Columns of the patch matrix: kh·kw·C. */
  K: number;
}

/** The geometry of a convolution from tfjs's description of it. */
export function geometry(info: tf.backend_util.Conv2DInfo): Geometry {
  const g = {
    B: info.batchSize,
    H: info.inHeight,
    W: info.inWidth,
    C: info.inChannels,
    OH: info.outHeight,
    OW: info.outWidth,
    O: info.outChannels,
    kh: info.filterHeight,
    kw: info.filterWidth,
    sh: info.strideHeight,
    sw: info.strideWidth,
    dh: info.dilationHeight,
    dw: info.dilationWidth,
    top: info.padInfo.top,
    left: info.padInfo.left,
    bottom: info.padInfo.bottom,
    right: info.padInfo.right,
    rows: 0,
    K: 0,
  };
  g.rows = g.B * g.OH * g.OW;
  g.K = g.kh * g.kw * g.C;
  return g;
}

/** True when the patch matrix is the input itself (1×1 filter, stride 1, no padding). */
export function isPointwise(g: Geometry): boolean {
  return g.kh === 1 && g.kw === 1 && g.sh === 1 && g.sw === 1 && g.top === 0 &&
    g.left === 0 && g.OH === g.H && g.OW === g.W;
}

/** Rows per block of the patch matrix. */
function blockRows(g: Geometry): number {
  return Math.max(1, Math.min(g.rows, Math.floor(BLOCK_VALUES / g.K)));
}

/**
 * The columns of one patch row that lie inside the input along the width axis (the
 * taps j with 0 ≤ ow·sw + j − left < W), as value offsets [from, to) within a filter row
 * of kw·C values, or null when the taps are not contiguous in the input (dilation > 1).
 */
function validRun(g: Geometry, ow: number): [number, number] | null {
  if (g.dw !== 1) return null;
  const start = ow * g.sw - g.left;
  const j0 = Math.max(0, -start);
  const j1 = Math.min(g.kw, g.W - start);
  return j1 > j0 ? [j0 * g.C, j1 * g.C] : [0, 0];
}

/**
 * Writes the kw taps of one filter row at `dst` of `cols` (`rowValues` = kw·C values):
 * the taps in `run` (value offsets inside the input) from `x` at `src`, zeros around them.
 */
function copyTaps(
  x: Float32Array,
  src: number,
  run: [number, number],
  rowValues: number,
  cols: Float32Array,
  dst: number,
): void {
  const [from, to] = run;
  for (let q = 0; q < from; q++) cols[dst + q] = 0;
  for (let q = to; q < rowValues; q++) cols[dst + q] = 0;
  if (to - from >= 32) cols.set(x.subarray(src + from, src + to), dst + from);
  else for (let q = from; q < to; q++) cols[dst + q] = x[src + q];
}

/** Writes patch rows [r0, r0 + n) of `x` into `cols` (n rows of K values). */
function im2col(x: Float32Array, g: Geometry, r0: number, n: number, cols: Float32Array): void {
  const { H, W, C, OH, OW, kh, kw, sh, sw, dh, dw, top, left, K } = g;
  const rowValues = kw * C;
  let ow = r0 % OW;
  let oh = ((r0 - ow) / OW) % OH;
  let b = Math.floor(r0 / (OW * OH));
  for (let r = 0; r < n; r++) {
    const run = validRun(g, ow);
    let dst = r * K;
    for (let i = 0; i < kh; i++, dst += rowValues) {
      const ih = oh * sh + i * dh - top;
      if (ih < 0 || ih >= H) {
        cols.fill(0, dst, dst + rowValues);
        continue;
      }
      const rowBase = (b * H + ih) * W;
      if (run !== null) {
        // the valid taps are one contiguous run of the input row
        copyTaps(x, (rowBase + ow * sw - left) * C, run, rowValues, cols, dst);
        continue;
      }
      for (let j = 0; j < kw; j++) {
        const iw = ow * sw + j * dw - left;
        const at = dst + j * C;
        if (iw < 0 || iw >= W) {
          for (let c = 0; c < C; c++) cols[at + c] = 0;
          continue;
        }
        const src = (rowBase + iw) * C;
        for (let c = 0; c < C; c++) cols[at + c] = x[src + c];
      }
    }
    if (++ow === OW) {
      ow = 0;
      if (++oh === OH) {
        oh = 0;
        b++;
      }
    }
  }
}

/** Adds patch rows [r0, r0 + n) held in `cols` back onto the input positions of `dx`. */
function col2im(cols: Float32Array, g: Geometry, r0: number, n: number, dx: Float32Array): void {
  const { H, W, C, OH, OW, kh, kw, sh, sw, dh, dw, top, left, K } = g;
  const rowValues = kw * C;
  let ow = r0 % OW;
  let oh = ((r0 - ow) / OW) % OH;
  let b = Math.floor(r0 / (OW * OH));
  for (let r = 0; r < n; r++) {
    const run = validRun(g, ow);
    let src = r * K;
    for (let i = 0; i < kh; i++, src += rowValues) {
      const ih = oh * sh + i * dh - top;
      if (ih < 0 || ih >= H) continue;
      const rowBase = (b * H + ih) * W;
      if (run !== null) {
        const [from, to] = run;
        const dst = (rowBase + ow * sw - left) * C;
        for (let q = from; q < to; q++) dx[dst + q] += cols[src + q];
        continue;
      }
      for (let j = 0; j < kw; j++) {
        const iw = ow * sw + j * dw - left;
        if (iw < 0 || iw >= W) continue;
        const dst = (rowBase + iw) * C;
        const at = src + j * C;
        for (let c = 0; c < C; c++) dx[dst + c] += cols[at + c];
      }
    }
    if (++ow === OW) {
      ow = 0;
      if (++oh === OH) {
        oh = 0;
        b++;
      }
    }
  }
}

/**
 * Whether the input gradient gathers instead of scattering: one input channel (the
 * conv cells' first layer, whose input gradient only explanations need), stride 1 and
 * no dilation, and a column matrix within the patch cache's size.
 */
function gathersSingleChannel(g: Geometry): boolean {
  return g.C === 1 && g.sh === 1 && g.sw === 1 && g.dh === 1 && g.dw === 1 &&
    g.rows * g.K <= CACHE_VALUES;
}

/**
 * Tap-plane values per block of samples in {@link gatherSingleChannel} (256 KiB), so that
 * the planes are still in the core's cache when they are gathered.
 */
const GATHER_BLOCK_VALUES = 1 << 16;

/**
 * The input gradient of a single-channel stride-1 convolution from its tap planes
 * `planes = W · dyᵀ` (`[kh·kw, B·OH·OW]`: per tap, one value per output position): each
 * input position sums the values of the outputs that read it,
 * dx[b, y, x] = Σ_ij planes[(i, j), (b, y + top − i, x + left − j)], and is written once
 * instead of added back tap by tap (as `col2im` does, which with one channel moves a
 * single value per tap). Neighbouring positions read neighbouring values of each plane.
 */
function gatherSingleChannel(planes: Float32Array, g: Geometry, dx: Float32Array): void {
  const { B, H, W, OH, OW, kh, kw, top, left } = g;
  const rows = B * OH * OW;
  // taps [j0, j1) of column x that land inside the output; likewise [i0, i1) for row y
  const j0 = Int32Array.from({ length: W }, (_, x) => Math.max(0, x + left - OW + 1));
  const j1 = Int32Array.from({ length: W }, (_, x) => Math.min(kw, x + left + 1));
  const step = kw * rows - OW; // from tap (i, j) to (i + 1, j): the next tap row's plane, one output row up
  let at = 0;
  for (let b = 0; b < B; b++) {
    for (let y = 0; y < H; y++) {
      const i0 = Math.max(0, y + top - OH + 1);
      const i1 = Math.min(kh, y + top + 1);
      // tap (i0, 0) of output (y + top − i0, left): x and j move it on from there
      const first = i0 * kw * rows + (b * OH + y + top - i0) * OW + left;
      for (let x = 0; x < W; x++, at++) {
        let sum = 0;
        for (let i = i0, row = first + x; i < i1; i++, row += step) {
          for (let j = j0[x], q = row + j * (rows - 1); j < j1[x]; j++, q += rows - 1) {
            sum += planes[q];
          }
        }
        dx[at] = sum;
      }
    }
  }
}

/**
 * The least product depth kw·C for the row-tap layout: below it the kh thin products
 * cost more than building the full patch matrix (ConvDeep's first layer, kw·C = 5, trains
 * slower in that layout; Conv⁺Deep's, 125 and 168, faster).
 */
const MIN_TAP_DEPTH = 32;

/**
 * Whether a convolution runs in the row-tap layout: stride 1 and no dilation along the
 * height and no dilation along the width, so the kh filter rows read kh shifted blocks
 * of one matrix of width patches (see {@link widthPatches}), kh times smaller than the
 * full patch matrix. The outputs and output gradients are then laid out `[OH, B, OW, O]`.
 */
function rowTaps(g: Geometry): boolean {
  return g.sh === 1 && g.dh === 1 && g.dw === 1 && g.kh > 1 && tapDepth(g) >= MIN_TAP_DEPTH &&
    tapValues(g) <= CACHE_VALUES;
}

/** Values per width patch (one filter row's taps): kw·C. */
function tapDepth(g: Geometry): number {
  return g.kw * g.C;
}

/** Rows of the width-patch matrix per padded input row: B·OW. */
function tapStride(g: Geometry): number {
  return g.B * g.OW;
}

/** Values of the width-patch matrix: (OH + kh − 1) padded rows of B·OW rows of kw·C. */
function tapValues(g: Geometry): number {
  return (g.OH + g.kh - 1) * tapStride(g) * tapDepth(g);
}

/**
 * Writes the width patches of `x` (`[B, H, W, C]`) into `z`, laid out
 * `[OH + kh − 1, B, OW, kw·C]`: row (p, b, ow) holds the kw taps of output column ow
 * read from input row p − top (zeros outside the input). Filter row i of output row oh
 * reads padded row oh + i, so for every i the rows it needs are one contiguous block.
 */
function widthPatches(x: Float32Array, g: Geometry, z: Float32Array): void {
  const { B, H, W, C, OH, OW, kh, sw, top, left } = g;
  const rowValues = tapDepth(g);
  let dst = 0;
  for (let p = 0; p < OH + kh - 1; p++) {
    const ih = p - top;
    if (ih < 0 || ih >= H) {
      z.fill(0, dst, dst + B * OW * rowValues);
      dst += B * OW * rowValues;
      continue;
    }
    for (let b = 0; b < B; b++) {
      const rowBase = (b * H + ih) * W;
      for (let ow = 0; ow < OW; ow++, dst += rowValues) {
        copyTaps(x, (rowBase + ow * sw - left) * C, validRun(g, ow)!, rowValues, z, dst);
      }
    }
  }
}

/**
 * Swaps the two outer axes: `src` `[n0, n1, inner]` into `dst` `[n1, n0, inner]`,
 * added onto `dst` when `add` (the bias already there).
 */
function swapOuterAxes(
  src: Float32Array,
  n0: number,
  n1: number,
  inner: number,
  dst: Float32Array,
  add: boolean,
): void {
  for (let a = 0; a < n0; a++) {
    for (let b = 0; b < n1; b++) {
      const from = (a * n1 + b) * inner;
      const to = (b * n0 + a) * inner;
      if (!add) {
        dst.set(src.subarray(from, from + inner), to);
        continue;
      }
      for (let q = 0; q < inner; q++) dst[to + q] += src[from + q];
    }
  }
}

/**
 * A convolution in the row-tap layout: width patches of `x` into `z` (at address `pz`),
 * one product per filter row into `[OH, B, OW, O]` (scratch buffer 1), then into `out`
 * in NHWC, added onto what is there when `add` (a bias).
 */
function rowTapConv(
  blas: BlasLibrary,
  x: Float32Array,
  pw: number,
  g: Geometry,
  z: Float32Array,
  pz: number,
  out: Float32Array,
  add: boolean,
): void {
  widthPatches(x, g, z);
  const { buffer: t, address: pt } = patchBuffer(g.rows * g.O, 1);
  const K1 = tapDepth(g);
  const shift = tapStride(g) * K1 * 4;
  for (let i = 0; i < g.kh; i++) {
    const pwi = pw + i * K1 * g.O * 4;
    blas.sgemm(false, false, g.rows, g.O, K1, 1, pz + i * shift, K1, pwi, g.O, i && 1, pt, g.O);
  }
  swapOuterAxes(t, g.OH, g.B, g.OW * g.O, out, add);
}

/**
 * The input gradient of a stride-1 convolution as a convolution itself: `dy` correlated
 * with the filter turned by 180° (channels swapped), padded by kh − 1 − top rows and
 * kw − 1 − left columns, gives `[B, H, W, C]`; null where that is not the row-tap layout.
 */
function transposedGeometry(g: Geometry): Geometry | null {
  if (g.sw !== 1 || !rowTaps(g)) return null;
  const t: Geometry = {
    B: g.B,
    H: g.OH,
    W: g.OW,
    C: g.O,
    OH: g.H,
    OW: g.W,
    O: g.C,
    kh: g.kh,
    kw: g.kw,
    sh: 1,
    sw: 1,
    dh: 1,
    dw: 1,
    top: g.kh - 1 - g.top,
    left: g.kw - 1 - g.left,
    bottom: g.kh - 1 - g.bottom,
    right: g.kw - 1 - g.right,
    rows: g.B * g.H * g.W,
    K: g.kh * g.kw * g.O,
  };
  return rowTaps(t) ? t : null;
}

/** The filter `[kh, kw, C, O]` turned by 180° with its channels swapped, `[kh, kw, O, C]` (scratch 2). */
function turnedFilter(w: Float32Array, g: Geometry): number {
  const { kh, kw, C, O } = g;
  const { buffer: f, address } = patchBuffer(kh * kw * C * O, 2);
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const from = (i * kw + j) * C * O;
      const to = ((kh - 1 - i) * kw + (kw - 1 - j)) * O * C;
      for (let c = 0; c < C; c++) {
        for (let o = 0; o < O; o++) f[to + o * C + c] = w[from + c * O + o];
      }
    }
  }
  return address;
}

/** The attributes of the convolution kernels (tfjs `Conv2DAttrs`). */
export interface ConvAttrs {
  strides: number | [number, number];
  pad: tf.backend_util.PadInfo["type"] | number | tf.backend_util.ExplicitPadding;
  dataFormat?: string;
  dilations?: number | [number, number];
  dimRoundingMode?: "floor" | "round" | "ceil";
  activation?: string;
  leakyreluAlpha?: number;
}

/** tfjs's geometry of an NHWC convolution of `xShape` with `filterShape`. */
export function convInfo(
  xShape: readonly number[],
  filterShape: readonly number[],
  attrs: ConvAttrs,
): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    pair(attrs.strides, 1),
    pair(attrs.dilations, 1),
    attrs.pad as "same",
    attrs.dimRoundingMode,
    false,
    "channelsLast",
  );
}

/** Whether the attributes say NHWC (channels last). */
export function isNhwc(attrs: ConvAttrs): boolean {
  const f = attrs.dataFormat ?? "NHWC";
  return f === "NHWC" || f === "channelsLast";
}

/** out = patches(x) · W (+ bias with `layout`, then `activation`) into a new tensor. */
function forwardConv(
  blas: BlasLibrary,
  backend: BlasBackend,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
  bias: tf.TensorInfo | null,
  layout: BiasLayout | null,
  activation: string,
  alpha: number,
): tf.TensorInfo {
  const g = geometry(info);
  const out = backend.makeOutput([g.B, g.OH, g.OW, g.O], "float32");
  // Views and addresses are taken after the allocation: allocating may move the heap.
  const outView = backend.typedArrayFromHeap(out) as Float32Array;
  if (bias !== null) {
    fillBias(outView, backend.typedArrayFromHeap(bias) as Float32Array, g.O, layout!);
  }
  const beta = bias === null ? 0 : 1;
  const base = heapAddress(backend);
  const pw = base + heapOffset(backend, filter.dataId);
  const po = base + heapOffset(backend, out.dataId);
  if (isPointwise(g)) {
    const px = base + heapOffset(backend, x.dataId);
    blas.sgemm(false, false, g.rows, g.O, g.K, 1, px, g.K, pw, g.O, beta, po, g.O);
  } else if (rowTaps(g)) {
    const xs = backend.typedArrayFromHeap(x) as Float32Array;
    if (recording()) {
      // The filter gradient will need the same width patches: keep them.
      const z = patchMatrix(tapValues(g));
      rowTapConv(blas, xs, pw, g, z, addressOf(z), outView, bias !== null);
      cachePatches(backend, x.dataId, { key: geometryKey(g), cols: z });
    } else {
      const { buffer: z, address: pz } = patchBuffer(tapValues(g));
      rowTapConv(blas, xs, pw, g, z, pz, outView, bias !== null);
    }
  } else if (recording() && g.rows * g.K <= CACHE_VALUES) {
    // The filter gradient will need the same patches: build them all once and keep them.
    const xs = backend.typedArrayFromHeap(x) as Float32Array;
    const cols = patchMatrix(g.rows * g.K);
    const address = addressOf(cols);
    const step = blockRows(g);
    for (let r0 = 0; r0 < g.rows; r0 += step) {
      const n = Math.min(step, g.rows - r0);
      im2col(xs, g, r0, n, cols.subarray(r0 * g.K, (r0 + n) * g.K));
      const pa = address + r0 * g.K * 4;
      blas.sgemm(false, false, n, g.O, g.K, 1, pa, g.K, pw, g.O, beta, po + r0 * g.O * 4, g.O);
    }
    cachePatches(backend, x.dataId, { key: geometryKey(g), cols });
  } else {
    const xs = backend.typedArrayFromHeap(x) as Float32Array;
    const step = blockRows(g);
    const { buffer, address } = patchBuffer(step * g.K);
    for (let r0 = 0; r0 < g.rows; r0 += step) {
      const n = Math.min(step, g.rows - r0);
      im2col(xs, g, r0, n, buffer);
      blas.sgemm(false, false, n, g.O, g.K, 1, address, g.K, pw, g.O, beta, po + r0 * g.O * 4, g.O);
    }
  }
  return applyActivation(backend, out, activation, alpha);
}

/** A `Conv2D` kernel config for the wasm backend that runs on `blas`. */
export function blasConv2D(blas: BlasLibrary, fallback: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] => {
    const { x, filter } = args.inputs;
    const attrs = (args.attrs ?? {}) as unknown as ConvAttrs;
    if (x == null || filter == null || x.dtype !== "float32" || filter.dtype !== "float32") {
      return fallback.kernelFunc(args);
    }
    if (!isNhwc(attrs) || x.shape.length !== 4) return fallback.kernelFunc(args);
    const info = convInfo(x.shape, filter.shape, attrs);
    if (info.outHeight * info.outWidth * info.batchSize === 0) return fallback.kernelFunc(args);
    return forwardConv(
      blas,
      args.backend as BlasBackend,
      x,
      filter,
      info,
      null,
      null,
      "linear",
      0,
    );
  };
  return { ...fallback, kernelFunc: kernelFunc as tf.KernelFunc };
}

/** A `FusedConv2D` kernel config for the wasm backend that runs on `blas`. */
export function blasFusedConv2D(blas: BlasLibrary, fallback: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] => {
    const { x, filter, bias, preluActivationWeights } = args.inputs;
    const attrs = (args.attrs ?? {}) as unknown as ConvAttrs;
    if (
      x == null || filter == null || x.dtype !== "float32" || filter.dtype !== "float32" ||
      preluActivationWeights != null || !supportsActivation(attrs.activation) ||
      (bias != null && bias.dtype !== "float32") || !isNhwc(attrs) || x.shape.length !== 4
    ) {
      return fallback.kernelFunc(args);
    }
    const info = convInfo(x.shape, filter.shape, attrs);
    if (info.outHeight * info.outWidth * info.batchSize === 0) return fallback.kernelFunc(args);
    const outShape = [info.batchSize, info.outHeight, info.outWidth, info.outChannels];
    const layout = bias == null ? null : biasLayout(bias.shape, outShape);
    if (bias != null && layout === null) return fallback.kernelFunc(args);
    return forwardConv(
      blas,
      args.backend as BlasBackend,
      x,
      filter,
      info,
      bias ?? null,
      layout,
      attrs.activation ?? "linear",
      attrs.leakyreluAlpha ?? 0.2,
    );
  };
  return { ...fallback, kernelFunc: kernelFunc as tf.KernelFunc };
}

/**
 * The geometry of a convolution's backward pass (filter or input gradient)
 * when the BLAS path can run it: `operand` (x or the filter) and `dy` float32,
 * NHWC, a 4-d input and `dy` of the forward output's shape; else `null`, and
 * the wasm kernel runs it. The tensors come back with the geometry.
 */
function backpropGeometry(
  operand: tf.TensorInfo | undefined,
  dy: tf.TensorInfo | undefined,
  inputShape: number[] | undefined,
  filterShape: number[] | undefined,
  attrs: ConvAttrs,
): { g: Geometry; operand: tf.TensorInfo; dy: tf.TensorInfo } | null {
  if (operand == null || dy == null || operand.dtype !== "float32" || dy.dtype !== "float32") {
    return null;
  }
  if (!isNhwc(attrs) || inputShape?.length !== 4 || filterShape === undefined) return null;
  const g = geometry(convInfo(inputShape, filterShape, attrs));
  const expected = [g.B, g.OH, g.OW, g.O];
  return g.rows === 0 || dy.shape.some((d, i) => d !== expected[i]) ? null : { g, operand, dy };
}

/** A `Conv2DBackpropFilter` kernel config for the wasm backend that runs on `blas`. */
export function blasConv2DBackpropFilter(
  blas: BlasLibrary,
  fallback: tf.KernelConfig,
): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] => {
    const attrs = (args.attrs ?? {}) as unknown as ConvAttrs & { filterShape: number[] };
    const { x: input, dy: grad } = args.inputs;
    const found = backpropGeometry(input, grad, input?.shape, attrs.filterShape, attrs);
    if (found === null) return fallback.kernelFunc(args);
    const { g, operand: x, dy } = found;
    const backend = args.backend as BlasBackend;
    const out = backend.makeOutput(attrs.filterShape.slice(), "float32");
    const base = heapAddress(backend);
    const pdy = base + heapOffset(backend, dy.dataId);
    const po = base + heapOffset(backend, out.dataId);
    if (isPointwise(g)) {
      const px = base + heapOffset(backend, x.dataId);
      blas.sgemm(true, false, g.K, g.O, g.rows, 1, px, g.K, pdy, g.O, 0, po, g.O);
      return out;
    }
    if (rowTaps(g)) {
      // dW[i] = (width patches shifted by filter row i)ᵀ · dy laid out [OH, B, OW, O]
      const cached = takePatches(x.dataId, geometryKey(g));
      const fresh = cached === null ? patchBuffer(tapValues(g)) : null;
      if (fresh !== null) {
        widthPatches(backend.typedArrayFromHeap(x) as Float32Array, g, fresh.buffer);
      }
      const pz = cached === null ? fresh!.address : addressOf(cached);
      const { buffer: dyt, address: pdyt } = patchBuffer(g.rows * g.O, 1);
      const dys = backend.typedArrayFromHeap(dy) as Float32Array;
      swapOuterAxes(dys, g.B, g.OH, g.OW * g.O, dyt, false);
      const K1 = tapDepth(g);
      const shift = tapStride(g) * K1 * 4;
      for (let i = 0; i < g.kh; i++) {
        const poi = po + i * K1 * g.O * 4;
        blas.sgemm(true, false, K1, g.O, g.rows, 1, pz + i * shift, K1, pdyt, g.O, 0, poi, g.O);
      }
      if (cached !== null) release(cached);
      return out;
    }
    const step = blockRows(g);
    // Patch rows r0..r0+n: from the forward pass's cached patch matrix, or built block by block.
    const cached = takePatches(x.dataId, geometryKey(g));
    const xs = cached === null ? backend.typedArrayFromHeap(x) as Float32Array : null;
    const block = cached === null ? patchBuffer(step * g.K) : null;
    for (let r0 = 0; r0 < g.rows; r0 += step) {
      const n = Math.min(step, g.rows - r0);
      let pa: number;
      if (cached !== null) {
        pa = addressOf(cached) + r0 * g.K * 4;
      } else {
        im2col(xs!, g, r0, n, block!.buffer);
        pa = block!.address;
      }
      const beta = r0 === 0 ? 0 : 1;
      blas.sgemm(true, false, g.K, g.O, n, 1, pa, g.K, pdy + r0 * g.O * 4, g.O, beta, po, g.O);
    }
    if (cached !== null) release(cached);
    return out;
  };
  return { ...fallback, kernelFunc: kernelFunc as tf.KernelFunc };
}

/** A `Conv2DBackpropInput` kernel config for the wasm backend that runs on `blas`. */
export function blasConv2DBackpropInput(
  blas: BlasLibrary,
  fallback: tf.KernelConfig,
): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] => {
    const attrs = (args.attrs ?? {}) as unknown as ConvAttrs & { inputShape: number[] };
    const { filter: w, dy: grad } = args.inputs;
    const found = backpropGeometry(w, grad, attrs.inputShape, w?.shape, attrs);
    if (found === null) return fallback.kernelFunc(args);
    const { g, operand: filter, dy } = found;
    const backend = args.backend as BlasBackend;
    const out = backend.makeOutput(attrs.inputShape.slice(), "float32");
    const base = heapAddress(backend);
    const pdy = base + heapOffset(backend, dy.dataId);
    const pw = base + heapOffset(backend, filter.dataId);
    const po = base + heapOffset(backend, out.dataId);
    if (isPointwise(g)) {
      blas.sgemm(false, true, g.rows, g.K, g.O, 1, pdy, g.O, pw, g.O, 0, po, g.K);
      return out;
    }
    const dx = backend.typedArrayFromHeap(out) as Float32Array;
    const turned = transposedGeometry(g);
    if (turned !== null) {
      const pf = turnedFilter(backend.typedArrayFromHeap(filter) as Float32Array, g);
      const { buffer: z, address: pz } = patchBuffer(tapValues(turned));
      const dys = backend.typedArrayFromHeap(dy) as Float32Array;
      rowTapConv(blas, dys, pf, turned, z, pz, dx, false);
      return out;
    }
    if (gathersSingleChannel(g)) {
      const perSample = g.OH * g.OW;
      const step = Math.max(1, Math.floor(GATHER_BLOCK_VALUES / (perSample * g.K)));
      const { buffer, address } = patchBuffer(Math.min(step, g.B) * perSample * g.K);
      for (let b0 = 0; b0 < g.B; b0 += step) {
        const n = Math.min(step, g.B - b0);
        const block = { ...g, B: n, rows: n * perSample };
        const from = pdy + b0 * perSample * g.O * 4;
        blas.sgemm(
          false,
          true,
          g.K,
          block.rows,
          g.O,
          1,
          pw,
          g.O,
          from,
          g.O,
          0,
          address,
          block.rows,
        );
        gatherSingleChannel(buffer, block, dx.subarray(b0 * g.H * g.W, (b0 + n) * g.H * g.W));
      }
      return out;
    }
    dx.fill(0);
    const step = blockRows(g);
    const { buffer, address } = patchBuffer(step * g.K);
    for (let r0 = 0; r0 < g.rows; r0 += step) {
      const n = Math.min(step, g.rows - r0);
      blas.sgemm(false, true, n, g.K, g.O, 1, pdy + r0 * g.O * 4, g.O, pw, g.O, 0, address, g.K);
      col2im(buffer, g, r0, n, dx);
    }
    return out;
  };
  return { ...fallback, kernelFunc: kernelFunc as tf.KernelFunc };
}
