/**
 * Dropout masks drawn per dropout node and step from the seed, the same on every
 * evaluation path.
 *
 * @module
 */
import {
  exportsOn,
  I32,
  op,
  updateLocal,
  V128,
  type WasmFunction,
  whileBelow,
} from "../backend/mod.ts";
import { Prng } from "../data/prng.ts";
import type { DropoutLike } from "./nodes/kind.ts";

/** Streams drawn side by side, one per SIMD lane. */
const LANES = 4;

/**
 * `draw4(state, out0, out1, out2, out3, n, threshold, scaleBits)`: four xoshiro128**
 * streams in the four i32 lanes, their state at byte `state` (word w of lane l at
 * 16·w + 4·l); n entries of each, written as float32 bits to `out0` … `out3`: `scaleBits`
 * where the draw's top 31 bits are below `threshold`, else +0.
 */
function drawFunction(): WasmFunction {
  // parameters 0–7 (out1 … out3 are out0 + 1 … 3), then the locals
  const [state, out0, , , , n, threshold, scale, at, end, s0, s1, s2, s3, t, m] = Array.from(
    { length: 16 },
    (_, i) => i,
  );
  const rotl = (k: number) => [
    op.localTee(m),
    op.i32Const(k),
    op.i32x4Shl,
    op.localGet(m),
    op.i32Const(32 - k),
    op.i32x4ShrU,
    op.v128Or,
  ];
  const xorInto = (into: number, from: number) => updateLocal(into, op.v128Xor, op.localGet(from));

  return {
    name: "draw4",
    params: [I32, I32, I32, I32, I32, I32, I32, I32],
    locals: [I32, I32, V128, V128, V128, V128, V128, V128],
    body: [
      ...[s0, s1, s2, s3].flatMap((word, w) => [
        op.localGet(state),
        op.v128Load(16 * w),
        op.localSet(word),
      ]),
      op.localGet(n),
      op.i32Const(2),
      op.i32Shl,
      op.localSet(end),
      ...whileBelow(at, end, 4, [
        // draw = rotl(s1·5, 7)·9 >>> 1; entry = scale where draw < threshold, else 0
        op.localGet(s1),
        op.i32Const(5),
        op.i32x4Splat,
        op.i32x4Mul,
        ...rotl(7),
        op.i32Const(9),
        op.i32x4Splat,
        op.i32x4Mul,
        op.i32Const(1),
        op.i32x4ShrU,
        op.localGet(threshold),
        op.i32x4Splat,
        op.i32x4LtU,
        op.localGet(scale),
        op.i32x4Splat,
        op.v128And,
        op.localSet(m),
        ...[0, 1, 2, 3].flatMap((lane) => [
          op.localGet(out0 + lane),
          op.localGet(at),
          op.i32Add,
          op.localGet(m),
          op.v128Store32Lane(lane),
        ]),
        // the xoshiro128 step
        op.localGet(s1),
        op.i32Const(9),
        op.i32x4Shl,
        op.localSet(t),
        ...xorInto(s2, s0),
        ...xorInto(s3, s1),
        ...xorInto(s1, s2),
        ...xorInto(s0, s3),
        ...xorInto(s2, t),
        op.localGet(s3),
        ...rotl(11),
        op.localSet(s3),
      ]),
    ],
  };
}

type Draw4 = (
  state: number,
  out0: number,
  out1: number,
  out2: number,
  out3: number,
  n: number,
  threshold: number,
  scaleBits: number,
) => void;

/** {@link drawFunction}'s export on a memory, compiled and instantiated at the first call. */
const drawOn = exportsOn<{ draw4: Draw4 }>(() => [drawFunction()]);

/** The lanes' memory, made at the first draw and grown as needed. */
let lanesMemory: WebAssembly.Memory | undefined;

/** Bytes of the state block before the four output blocks. */
const STATE_BYTES = 64;

/** The lanes' memory, with room for four streams of n entries, and their function. */
function lanesFor(n: number): { memory: WebAssembly.Memory; draw4: Draw4 } {
  const bytes = STATE_BYTES + LANES * 4 * n;
  lanesMemory ??= new WebAssembly.Memory({ initial: Math.ceil(bytes / 65536) });
  const missing = bytes - lanesMemory.buffer.byteLength;
  if (missing > 0) lanesMemory.grow(Math.ceil(missing / 65536));
  return { memory: lanesMemory, draw4: drawOn(lanesMemory).draw4 };
}

/** Where a run's dropout masks come from: {@link Masks}, or a stand-in with the same requests. */
export interface MaskSource {
  /** The mask of `node` at one step (`key`) for `rows` samples of `size` values. */
  step(node: DropoutLike, rows: number, size: number, key: string): Float32Array;
  /** The masks of steps 0..steps−1 stacked along the batch axis (t-major). */
  stacked(node: DropoutLike, rows: number, size: number, steps: number): Float32Array;
}

/**
 * Dropout masks drawn from {@link Prng} streams named after the dropout node and the
 * step (`<node>@<t>`, `<node>@out` in the output graph, `<node>` for a stationary mask),
 * so the same seed gives the same masks whatever the evaluation order and whether the
 * steps are hoisted. An entry is kept with probability `keep` (a 31-bit draw below
 * ⌊keep·2³¹⌋) and then holds 1/keep, else 0. The first request for a step's mask draws
 * the node's masks of every step, four streams at a time in the SIMD lanes of a small
 * WebAssembly function, and the masks are uploaded as constants: several times faster
 * than `tf.randomUniform` plus comparisons, and about three times faster per entry than
 * one stream at a time in JavaScript.
 *
 * @example
 * ```ts
 * import { Masks } from "./dropout_masks.ts";
 * const masks = new Masks(7, 0.8, 12);
 * const node = { name: "hidden_drop", mode: "step" as const };
 * const mask = masks.step(node, 50, 128, "3"); // 50 rows of 128 entries, each 0 or 1.25
 * if (!mask.every((v) => v === 0 || v === Math.fround(1 / 0.8))) throw new Error("not a mask");
 * ```
 */
export class Masks implements MaskSource {
  readonly #root: Prng;
  readonly #threshold: number;
  /** The bits of the kept entries' float32 value. */
  readonly #scaleBits: number;
  readonly #steps: number;
  readonly #stationary = new Map<string, Float32Array>();
  /** Per node and mask size: the masks of all steps, drawn together at the first request. */
  readonly #perStep = new Map<string, Float32Array>();

  /** Masks from `seed` keeping each entry with probability `keep`, for sequences of `steps`. */
  constructor(seed: number, keep: number, steps: number) {
    this.#root = new Prng(seed);
    this.#threshold = Math.floor(keep * 2 ** 31);
    this.#scaleBits = new Int32Array(Float32Array.of(1 / keep).buffer)[0];
    this.#steps = steps;
  }

  /** The four state words of the stream `label`: four draws of the root's fork `label`. */
  #seed(label: string): number[] {
    const fork = this.#root.fork(label);
    const words = [0, 1, 2, 3].map(() => fork.nextUint32() | 0);
    if ((words[0] | words[1] | words[2] | words[3]) === 0) words[0] = 1;
    return words;
  }

  /**
   * n mask entries from each stream of `labels`, one after another: xoshiro128**
   * generators (the algorithm of {@link Prng}, the same bits) seeded by `#seed`, four
   * streams at a time.
   */
  #drawAll(labels: readonly string[], n: number): Float32Array {
    const { memory, draw4 } = lanesFor(n);
    const out = new Float32Array(labels.length * n);
    for (let first = 0; first < labels.length; first += LANES) {
      const group = labels.slice(first, first + LANES);
      const state = new Int32Array(memory.buffer, 0, 4 * LANES);
      group.forEach((label, lane) => {
        this.#seed(label).forEach((word, w) => state[LANES * w + lane] = word);
      });
      const outputs = [0, 1, 2, 3].map((lane) => STATE_BYTES + lane * 4 * n);
      draw4(0, outputs[0], outputs[1], outputs[2], outputs[3], n, this.#threshold, this.#scaleBits);
      group.forEach((_, lane) => {
        out.set(new Float32Array(memory.buffer, outputs[lane], n), (first + lane) * n);
      });
    }
    return out;
  }

  /** The masks of `node` (`n` entries each) of every step, step after step. */
  #everyStep(node: DropoutLike, n: number): Float32Array {
    const id = `${node.name}/${n}`;
    let block = this.#perStep.get(id);
    if (!block) {
      const labels = Array.from({ length: this.#steps }, (_, s) => `${node.name}@${s}`);
      block = this.#drawAll(labels, n);
      this.#perStep.set(id, block);
    }
    return block;
  }

  /**
   * The mask of `node` for one step (`key`: a step number, or a name such as `out`) of
   * `rows` samples with `size` values each. The first request for a step number draws
   * the node's masks of every step at once, into one array that this and later requests
   * view: read a mask, never write it.
   */
  step(node: DropoutLike, rows: number, size: number, key: string): Float32Array {
    const n = rows * size;
    if (node.mode === "stationary") {
      let mask = this.#stationary.get(node.name);
      if (!mask) {
        mask = this.#drawAll([node.name], n);
        this.#stationary.set(node.name, mask);
      }
      return mask;
    }
    const t = Number(key);
    if (String(t) !== key || !Number.isInteger(t) || t < 0 || t >= this.#steps) {
      return this.#drawAll([`${node.name}@${key}`], n);
    }
    return this.#everyStep(node, n).subarray(t * n, (t + 1) * n);
  }

  /**
   * The masks of steps 0..steps−1 stacked along the batch axis (t-major). Like
   * {@link step}'s, the array may be shared with later requests: read it, never write it.
   */
  stacked(node: DropoutLike, rows: number, size: number, steps: number): Float32Array {
    const n = rows * size;
    if (node.mode === "step" && steps <= this.#steps) {
      return this.#everyStep(node, n).subarray(0, steps * n);
    }
    const out = new Float32Array(steps * n);
    for (let t = 0; t < steps; t++) out.set(this.step(node, rows, size, `${t}`), t * n);
    return out;
  }
}
