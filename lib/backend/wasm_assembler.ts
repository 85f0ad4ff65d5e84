/**
 * A minimal WebAssembly assembler: the binary encoding of a module whose functions work
 * on an imported memory, and the instructions (core and SIMD) that the project's
 * hand-written loops use (`wasm_adam.ts`, `wasm_slice.ts`, `cells/dropout_masks.ts`).
 * An instruction is a byte array and a function body a list of them. Nothing here
 * validates: `WebAssembly.Module` does when it compiles.
 *
 * @module
 */

/** The value type i32. */
export const I32 = 0x7f;
/** The value type f32. */
export const F32 = 0x7d;
/** The value type f64. */
export const F64 = 0x7c;
/** The value type v128 (SIMD). */
export const V128 = 0x7b;

/** One function of a module: its exported name, parameter types, local types and body. */
export interface WasmFunction {
  /** The name it is exported under. */
  name: string;
  /** Parameter types (locals 0 … params.length − 1). */
  params: number[];
  /** Further locals, numbered after the parameters. */
  locals: number[];
  /** The instructions, without the closing `end`. */
  body: number[][];
}

/** An unsigned LEB128 number. */
function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** A signed LEB128 number (32-bit). */
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

const utf8 = (s: string) => [...uleb(s.length), ...new TextEncoder().encode(s)];
const vector = (items: number[][]) => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
const simd = (code: number): number[] => [0xfd, ...uleb(code)];
/** A load's or store's alignment (log₂ bytes) and constant offset. */
const memarg = (align: number, offset = 0): number[] => [align, ...uleb(offset)];

/** The instructions {@link op} holds: each as its bytes, or a function of its immediates. */
export interface Instructions {
  block: number[];
  loop: number[];
  end: number[];
  br(depth: number): number[];
  brIf(depth: number): number[];
  localGet(i: number): number[];
  localSet(i: number): number[];
  localTee(i: number): number[];
  i32Load: number[];
  i32Store: number[];
  i32Const(n: number): number[];
  f32Const(x: number): number[];
  i32GeU: number[];
  i32Add: number[];
  i32And: number[];
  i32Shl: number[];
  i32Mul: number[];
  f32Load: number[];
  f32Store(offset?: number): number[];
  f32Add: number[];
  f32Sub: number[];
  f32Mul: number[];
  v128Load(offset?: number): number[];
  v128Store: number[];
  v128Load64Zero: number[];
  v128Store32Lane(lane: number): number[];
  v128Store64Lane0: number[];
  i32x4Splat: number[];
  f64x2Splat: number[];
  i32x4LtU: number[];
  v128And: number[];
  v128Or: number[];
  v128Xor: number[];
  v128Bitselect: number[];
  f32x4Splat: number[];
  f32x4Gt: number[];
  f32x4Abs: number[];
  f32x4Neg: number[];
  f32x4Add: number[];
  f32x4Sub: number[];
  f32x4Mul: number[];
  f32x4Div: number[];
  f32x4DemoteF64x2Zero: number[];
  f64x2PromoteLowF32x4: number[];
  i32x4Shl: number[];
  i32x4ShrU: number[];
  i32x4Mul: number[];
  f64x2Sqrt: number[];
  f64x2Add: number[];
  f64x2Sub: number[];
  f64x2Mul: number[];
  f64x2Div: number[];
}

/** The instructions, by their text-format names. */
export const op: Instructions = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  localGet: (i: number) => [0x20, ...uleb(i)],
  localSet: (i: number) => [0x21, ...uleb(i)],
  localTee: (i: number) => [0x22, ...uleb(i)],
  i32Load: [0x28, ...memarg(2)],
  i32Store: [0x36, ...memarg(2)],
  i32Const: (n: number) => [0x41, ...sleb(n)],
  /** The float32 nearest `x`. */
  f32Const: (x: number) => [0x43, ...new Uint8Array(Float32Array.of(x).buffer)],
  i32GeU: [0x4f],
  i32Add: [0x6a],
  i32And: [0x71],
  i32Shl: [0x74],
  i32Mul: [0x6c],
  f32Load: [0x2a, ...memarg(2)],
  /** Stores the f32 on the stack at the address below it plus `offset`. */
  f32Store: (offset = 0) => [0x38, ...memarg(2, offset)],
  f32Add: [0x92],
  f32Sub: [0x93],
  f32Mul: [0x94],
  /** Loads 16 bytes from the address on the stack plus `offset`. */
  v128Load: (offset = 0) => [...simd(0x00), ...memarg(2, offset)],
  v128Store: [...simd(0x0b), ...memarg(2)],
  /** Loads 8 bytes into the low half, zeroing the high half. */
  v128Load64Zero: [...simd(0x5d), ...memarg(2)],
  /** Stores 4 bytes: lane `lane` of an i32x4 or f32x4. */
  v128Store32Lane: (lane: number) => [...simd(0x5a), ...memarg(2), lane],
  /** Stores 8 bytes: the low half. */
  v128Store64Lane0: [...simd(0x5b), ...memarg(2), 0],
  i32x4Splat: simd(0x11),
  f64x2Splat: simd(0x14),
  i32x4LtU: simd(0x3a),
  v128And: simd(0x4e),
  v128Or: simd(0x50),
  v128Xor: simd(0x51),
  /** Lanes of the first operand where the third's bits are set, else of the second. */
  v128Bitselect: simd(0x52),
  f32x4Splat: simd(0x13),
  f32x4Gt: simd(0x44),
  f32x4Abs: simd(0xe0),
  f32x4Neg: simd(0xe1),
  f32x4Add: simd(0xe4),
  f32x4Sub: simd(0xe5),
  f32x4Mul: simd(0xe6),
  f32x4Div: simd(0xe7),
  f32x4DemoteF64x2Zero: simd(0x5e),
  f64x2PromoteLowF32x4: simd(0x5f),
  i32x4Shl: simd(0xab),
  i32x4ShrU: simd(0xad),
  i32x4Mul: simd(0xb5),
  f64x2Sqrt: simd(0xef),
  f64x2Add: simd(0xf0),
  f64x2Sub: simd(0xf1),
  f64x2Mul: simd(0xf2),
  f64x2Div: simd(0xf3),
};

/**
 * `local = local ⊕ operand`: local `local`, then the one instruction `operand` pushes,
 * combined by the binary instruction `operator` and stored back in `local`.
 *
 * @example
 * ```ts
 * import { op, updateLocal } from "./wasm_assembler.ts";
 * // local 2 += local 5
 * const bytes = updateLocal(2, op.i32Add, op.localGet(5)).flat();
 * if (bytes.join() !== "32,2,32,5,106,33,2") throw new Error(`${bytes}`);
 * ```
 */
export function updateLocal(local: number, operator: number[], operand: number[]): number[][] {
  return [op.localGet(local), operand, operator, op.localSet(local)];
}

/**
 * A counted loop: runs `body` while local `at` is below local `end`, adding `step` to
 * `at` after each pass (both locals hold i32 byte offsets).
 */
export function whileBelow(at: number, end: number, step: number, body: number[][]): number[][] {
  return [
    op.block,
    op.loop,
    op.localGet(at),
    op.localGet(end),
    op.i32GeU,
    op.brIf(1),
    ...body,
    ...updateLocal(at, op.i32Add, op.i32Const(step)),
    op.br(0),
    op.end,
    op.end,
  ];
}

/**
 * The bytes of a module that imports its memory as `env.memory` and exports each of
 * `functions` under its name (none returns a value).
 *
 * @example
 * ```ts
 * import { I32, op, whileBelow, wasmModule } from "./wasm_assembler.ts";
 * // count(end): memory[at] = at·2⁹ (an i32, four at a time as a splat) for at < end
 * const bytes = wasmModule([{
 *   name: "count",
 *   params: [I32],
 *   locals: [I32],
 *   body: whileBelow(1, 0, 4, [
 *     op.localGet(1),
 *     op.localGet(1),
 *     op.i32x4Splat,
 *     op.i32Const(9),
 *     op.i32x4Shl,
 *     op.v128Store32Lane(0),
 *   ]),
 * }]);
 * const memory = new WebAssembly.Memory({ initial: 1 });
 * const { exports } = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
 * (exports.count as (end: number) => void)(16);
 * const words = Array.from(new Int32Array(memory.buffer, 0, 4));
 * if (words.join() !== "0,2048,4096,6144") throw new Error(`${words}`);
 * ```
 */
export function wasmModule(functions: readonly WasmFunction[]): Uint8Array<ArrayBuffer> {
  const types = functions.map((f) => [0x60, ...vector(f.params.map((t) => [t])), 0]);
  const bodies = functions.map((f) => {
    const locals = vector(f.locals.map((t) => [1, t]));
    const code = [...locals, ...f.body.flat(), ...op.end];
    return [...uleb(code.length), ...code];
  });
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vector(types)),
    ...section(2, vector([[...utf8("env"), ...utf8("memory"), 0x02, 0x00, 0x00]])),
    ...section(3, vector(functions.map((_, i) => uleb(i)))),
    ...section(7, vector(functions.map((f, i) => [...utf8(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vector(bodies)),
  ]);
}

/**
 * The exports of a module of `functions`, made on first use, per memory: the module is
 * compiled once and instantiated once for each memory it is asked for (a backend's heap
 * keeps its `WebAssembly.Memory` as it grows).
 *
 * @example
 * ```ts
 * import { exportsOn, I32, op } from "./wasm_assembler.ts";
 * // put(p, v): the i32 v at byte p
 * const putOn = exportsOn<{ put: (p: number, v: number) => void }>(() => [{
 *   name: "put",
 *   params: [I32, I32],
 *   locals: [],
 *   body: [op.localGet(0), op.localGet(1), op.i32Store],
 * }]);
 * const memory = new WebAssembly.Memory({ initial: 1 });
 * putOn(memory).put(4, 7);
 * if (putOn(memory) !== putOn(memory)) throw new Error("instantiated twice");
 * if (new Int32Array(memory.buffer)[1] !== 7) throw new Error("not stored");
 * ```
 */
export function exportsOn<T>(
  functions: () => readonly WasmFunction[],
): (memory: WebAssembly.Memory) => T {
  let module: WebAssembly.Module | undefined;
  const instances = new WeakMap<WebAssembly.Memory, T>();
  return (memory) => {
    let exports = instances.get(memory);
    if (exports === undefined) {
      module ??= new WebAssembly.Module(wasmModule(functions()));
      exports = new WebAssembly.Instance(module, { env: { memory } }).exports as T;
      instances.set(memory, exports);
    }
    return exports;
  };
}
