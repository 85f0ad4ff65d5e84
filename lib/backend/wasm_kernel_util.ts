/**
 * Utilities for kernels that run on the wasm backend and are built from other wasm
 * kernels: calling a registered kernel function directly and releasing the
 * intermediate results it leaves in the backend.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { KernelInputError, MissingKernelError } from "./errors.ts";
import { unlikeInput } from "./fused_kernel.ts";

/** The name tfjs registers the WebAssembly backend under. */
export const WASM = "wasm";

/** The part of the wasm backend object that the kernels of this folder use. */
export interface WasmBackendLike {
  /** Allocates an output on the wasm heap (uninitialised memory). */
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  /** A view of a tensor's memory on the wasm heap; invalid after the next allocation. */
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
  /** Decrements the reference count of `dataId` and frees it at zero. */
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
}

/** The parts of the wasm backend that locate tensors on its heap. */
export interface WasmHeap {
  /** The Emscripten module: `HEAPU8` views the whole heap, `asm.memory` is its memory. */
  wasm: { HEAPU8: Uint8Array; asm: { memory: WebAssembly.Memory } };
  /** Per tensor: its byte offset on the heap. */
  dataIdMap: {
    get(dataId: object): { memoryOffset: number } | undefined;
    /** Whether the tensor data is (still) held by the backend. */
    has(dataId: object): boolean;
  };
}

/** The byte offset of a tensor's data on the wasm heap. */
export function heapOffset(backend: WasmHeap, dataId: object): number {
  const entry = backend.dataIdMap.get(dataId);
  if (entry === undefined) throw new Error("tensor data is not on the wasm heap");
  return entry.memoryOffset;
}

/** The wasm heap's `WebAssembly.Memory` (the same object as the heap grows). */
export function heapMemory(backend: WasmHeap): WebAssembly.Memory {
  return backend.wasm.asm.memory;
}

/** The argument every tfjs kernel function receives. */
export type KernelArgs = Parameters<tf.KernelFunc>[0];

/** Returns the input `name` of a kernel call, or throws naming the kernel if it is absent. */
export function requireInput(
  inputs: tf.NamedTensorInfoMap,
  name: string,
  kernel: string,
): tf.TensorInfo {
  const info = inputs[name];
  if (info == null) {
    throw new KernelInputError(
      kernel,
      `missing input "${name}" (found: ${Object.keys(inputs).join(", ") || "none"})`,
    );
  }
  return info;
}

/**
 * Returns the inputs `names` of a kernel call, checked to be float32 of one shape (with
 * at least one axis when `rows`), or throws naming the kernel and the first input that
 * is absent or is not.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { requireFloat32Inputs } from "./wasm_kernel_util.ts";
 * const a = { dataId: {}, shape: [2, 3], dtype: "float32" as const };
 * const b = { ...a, shape: [3, 2] };
 * try {
 *   requireFloat32Inputs({ a, b } as tf.NamedTensorInfoMap, ["a", "b"], "K");
 *   throw new Error("accepted");
 * } catch (e) {
 *   if (!String(e).includes("input b must be float32 of shape [2,3]")) throw e;
 * }
 * ```
 */
export function requireFloat32Inputs(
  inputs: tf.NamedTensorInfoMap,
  names: readonly string[],
  kernel: string,
  rows = false,
): tf.TensorInfo[] {
  const infos = names.map((name) => requireInput(inputs, name, kernel));
  const i = unlikeInput(infos, rows);
  if (i !== -1) {
    const shape = infos[0].shape;
    throw new KernelInputError(
      kernel,
      `input ${names[i]} must be float32 of shape [${shape}]${rows ? " (rows first)" : ""}, ` +
        `found ${infos[i].dtype} of shape [${infos[i].shape}]`,
    );
  }
  return infos;
}

/**
 * One pass of a kernel of the project's own over `count` units (elements or rows) of
 * its operands on the wasm heap: the first `count` rounded down to a multiple of
 * `multiple` by `whole(units, at, memory)` in WebAssembly, at the operands' byte offsets
 * `at(x)`, the rest by `tail(units, view)` in JavaScript, on float32 views of the
 * operands from element `view(x, from)` on. The views are taken after every
 * allocation, since an allocation may grow (and detach) the heap.
 */
export function heapPass(
  backend: WasmBackendLike,
  count: number,
  multiple: number,
  whole: (units: number, at: (x: tf.TensorInfo) => number, memory: WebAssembly.Memory) => void,
  tail: (units: number, view: (x: tf.TensorInfo, from: number) => Float32Array) => void,
): void {
  const units = count - count % multiple;
  if (units > 0) {
    const heap = backend as unknown as WasmHeap;
    whole(units, (x) => heapOffset(heap, x.dataId), heapMemory(heap));
  }
  if (units < count) {
    tail(units, (x, from) => (backend.typedArrayFromHeap(x) as Float32Array).subarray(from));
  }
}

/** Runs the wasm kernel `name` with the given inputs and attributes and returns its single output. */
export function callWasmKernel(
  name: string,
  backend: WasmBackendLike,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap = {},
): tf.TensorInfo {
  const config = tf.getKernel(name, WASM);
  if (config == null) throw new MissingKernelError(name, WASM);
  return singleOutput(name, config.kernelFunc({ inputs, backend, attrs }));
}

/** Returns the only output of a kernel call, or throws if the kernel returned several. */
export function singleOutput(name: string, out: tf.TensorInfo | tf.TensorInfo[]): tf.TensorInfo {
  if (Array.isArray(out)) {
    if (out.length !== 1) {
      throw new KernelInputError(name, `returned ${out.length} outputs, expected 1`);
    }
    return out[0];
  }
  return out;
}

/**
 * Collects intermediate kernel outputs and releases them from the backend in one go,
 * so that a composite kernel leaves only its result behind.
 */
export class Scratch {
  #items: tf.TensorInfo[] = [];
  #backend: WasmBackendLike;

  /** Creates an empty scratch list for `backend`. */
  constructor(backend: WasmBackendLike) {
    this.#backend = backend;
  }

  /** Records `info` for later release and returns it. */
  keep(info: tf.TensorInfo): tf.TensorInfo {
    this.#items.push(info);
    return info;
  }

  /** Releases every recorded intermediate (once each). */
  release(): void {
    for (const info of this.#items) this.#backend.disposeData(info.dataId);
    this.#items = [];
  }
}

/** Reads a 2-element attribute given as a number or a pair (strides, filter sizes, dilations). */
export function pair(value: number | readonly number[] | undefined, fallback: number): [
  number,
  number,
] {
  if (value == null) return [fallback, fallback];
  if (typeof value === "number") return [value, value];
  return [value[0], value[1]];
}
