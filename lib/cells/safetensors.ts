/**
 * The safetensors file format (https://github.com/huggingface/safetensors):
 * an 8-byte little-endian header length N, a JSON header of N bytes
 * `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}}`
 * padded with spaces to a multiple of 8, then the raw little-endian tensor
 * data, each tensor at its offsets relative to the end of the header. Files
 * written here are readable by Python's `safetensors` and by NumPy.
 *
 * @module
 */
import { writeFileAtomic } from "../data/atomic_file.ts";

/** The element types this module reads and writes. */
export type SafetensorsDtype = "F32" | "F64" | "I32" | "I64" | "U8" | "I8" | "I16" | "U16";

/** The typed array that holds each element type. */
export type SafetensorsArray =
  | Float32Array
  | Float64Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Int8Array
  | Int16Array
  | Uint16Array;

/** One tensor: element type, shape and values (row-major). */
export interface SafeTensor {
  /** Element type. */
  dtype: SafetensorsDtype;
  /** Shape; `[]` is a scalar. */
  shape: number[];
  /** Values, row-major; length = product of the shape. */
  data: SafetensorsArray;
}

/** The contents of a safetensors file. */
export interface SafetensorsFile {
  /** Tensors by name, in file order. */
  tensors: Map<string, SafeTensor>;
  /** The string-to-string metadata (`__metadata__`). */
  metadata: Record<string, string>;
}

/** A file that is not valid safetensors, or a tensor that cannot be written. */
export class SafetensorsError extends Error {
  /** Creates the error; `where` names the file or tensor. */
  constructor(where: string, problem: string) {
    super(`${where}: ${problem}`);
    this.name = "SafetensorsError";
  }
}

interface DtypeInfo {
  bytes: number;
  make: (buffer: ArrayBuffer, offset: number, length: number) => SafetensorsArray;
  matches: (a: SafetensorsArray) => boolean;
}

/** The dtype entry of a typed-array class: element size, view constructor and type test. */
function dtypeOf(
  TypedArray: {
    new (buffer: ArrayBuffer, offset: number, length: number): SafetensorsArray;
    readonly BYTES_PER_ELEMENT: number;
  },
): DtypeInfo {
  return {
    bytes: TypedArray.BYTES_PER_ELEMENT,
    make: (b, o, n) => new TypedArray(b, o, n),
    matches: (a) => a instanceof TypedArray,
  };
}

const DTYPES: Record<SafetensorsDtype, DtypeInfo> = {
  F32: dtypeOf(Float32Array),
  F64: dtypeOf(Float64Array),
  I32: dtypeOf(Int32Array),
  I64: dtypeOf(BigInt64Array),
  U8: dtypeOf(Uint8Array),
  I8: dtypeOf(Int8Array),
  I16: dtypeOf(Int16Array),
  U16: dtypeOf(Uint16Array),
};

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The valid dtype names. */
export const SAFETENSORS_DTYPES: readonly SafetensorsDtype[] = Object.keys(
  DTYPES,
) as SafetensorsDtype[];

function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function bytesOf(a: SafetensorsArray): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/**
 * Encodes tensors (and optional string metadata) as a safetensors file.
 * Tensors are written in the given order; the header is space-padded so that
 * the data start at a multiple of 8 bytes.
 *
 * @example
 * ```ts
 * import { decodeSafetensors, encodeSafetensors } from "./safetensors.ts";
 * const bytes = encodeSafetensors(
 *   new Map([["w", { dtype: "F32", shape: [2], data: new Float32Array([1, 2]) }]]),
 *   { cell: "deep" },
 * );
 * const back = decodeSafetensors(bytes);
 * if (back.tensors.get("w")!.data[1] !== 2 || back.metadata.cell !== "deep") throw new Error();
 * ```
 */
export function encodeSafetensors(
  tensors: ReadonlyMap<string, SafeTensor>,
  metadata: Record<string, string> = {},
): Uint8Array {
  if (!LITTLE_ENDIAN) {
    throw new SafetensorsError("encode", "big-endian hosts are not supported");
  }
  const header: Record<string, unknown> = {};
  const meta: Record<string, string> = {};
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== "string") {
      throw new SafetensorsError(`metadata "${k}"`, `values must be strings, found ${typeof v}`);
    }
    meta[k] = v;
  }
  if (Object.keys(meta).length > 0) header["__metadata__"] = meta;
  let offset = 0;
  for (const [name, t] of tensors) {
    if (name === "__metadata__") {
      throw new SafetensorsError(`tensor "${name}"`, "the name is reserved");
    }
    const info = DTYPES[t.dtype];
    if (!info) {
      throw new SafetensorsError(
        `tensor "${name}"`,
        `unknown dtype "${t.dtype}"; valid: ${SAFETENSORS_DTYPES.join(", ")}`,
      );
    }
    if (!info.matches(t.data)) {
      throw new SafetensorsError(
        `tensor "${name}"`,
        `dtype ${t.dtype} needs a matching typed array, found ${t.data.constructor.name}`,
      );
    }
    if (!t.shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new SafetensorsError(`tensor "${name}"`, `invalid shape [${t.shape}]`);
    }
    const count = elementCount(t.shape);
    if (t.data.length !== count) {
      throw new SafetensorsError(
        `tensor "${name}"`,
        `shape [${t.shape}] needs ${count} values, found ${t.data.length}`,
      );
    }
    const size = count * info.bytes;
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + size] };
    offset += size;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const t of tensors.values()) {
    const b = bytesOf(t.data);
    out.set(b, at);
    at += b.length;
  }
  return out;
}

/**
 * Decodes a safetensors file. The tensor arrays are copies (aligned), so the
 * input may be reused. `where` (e.g. the file path) is used in error messages.
 */
export function decodeSafetensors(bytes: Uint8Array, where = "safetensors"): SafetensorsFile {
  if (!LITTLE_ENDIAN) {
    throw new SafetensorsError(where, "big-endian hosts are not supported");
  }
  if (bytes.length < 8) {
    throw new SafetensorsError(where, `file has ${bytes.length} bytes, expected at least 8`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  if (n > bytes.length - 8) {
    throw new SafetensorsError(
      where,
      `header length ${n} exceeds the ${bytes.length - 8} bytes after the length field`,
    );
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    throw new SafetensorsError(where, `header is not valid JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== "object" || Array.isArray(header)) {
    throw new SafetensorsError(where, "header must be a JSON object");
  }
  const dataStart = 8 + n;
  const dataLength = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const tensors = new Map<string, SafeTensor>();
  const entries: [
    string,
    { dtype: SafetensorsDtype; shape: number[]; begin: number; end: number },
  ][] = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === "__metadata__") {
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== "string") {
          throw new SafetensorsError(where, `metadata "${k}" is not a string`);
        }
        metadata[k] = v;
      }
      continue;
    }
    const e = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const dtype = e.dtype as SafetensorsDtype;
    if (typeof e.dtype !== "string" || !(e.dtype in DTYPES)) {
      throw new SafetensorsError(
        where,
        `tensor "${name}" has dtype ${JSON.stringify(e.dtype)}; supported: ${
          SAFETENSORS_DTYPES.join(", ")
        }`,
      );
    }
    const shape = e.shape as number[];
    const offsets = e.data_offsets as number[];
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new SafetensorsError(where, `tensor "${name}" has an invalid shape`);
    }
    if (
      !Array.isArray(offsets) || offsets.length !== 2 ||
      !offsets.every((d) => Number.isInteger(d) && d >= 0) || offsets[1] < offsets[0]
    ) {
      throw new SafetensorsError(where, `tensor "${name}" has invalid data_offsets`);
    }
    const expected = elementCount(shape) * DTYPES[dtype].bytes;
    if (offsets[1] - offsets[0] !== expected) {
      throw new SafetensorsError(
        where,
        `tensor "${name}" [${shape}] ${dtype} needs ${expected} bytes, its offsets span ${
          offsets[1] - offsets[0]
        }`,
      );
    }
    if (offsets[1] > dataLength) {
      throw new SafetensorsError(
        where,
        `tensor "${name}" ends at byte ${
          offsets[1]
        } of the data, which has ${dataLength} bytes (truncated file?)`,
      );
    }
    entries.push([name, { dtype, shape, begin: offsets[0], end: offsets[1] }]);
  }
  entries.sort((a, b) => a[1].begin - b[1].begin);
  for (const [name, e] of entries) {
    const copy = bytes.slice(dataStart + e.begin, dataStart + e.end);
    const count = elementCount(e.shape);
    tensors.set(name, {
      dtype: e.dtype,
      shape: e.shape,
      data: DTYPES[e.dtype].make(copy.buffer, 0, count),
    });
  }
  return { tensors, metadata };
}

/**
 * Writes a safetensors file (see {@link encodeSafetensors}) atomically: a reader, or
 * a process killed while writing, finds the old file or the new one, never part of it.
 */
export async function writeSafetensors(
  path: string,
  tensors: ReadonlyMap<string, SafeTensor>,
  metadata: Record<string, string> = {},
): Promise<void> {
  await writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

/** Reads a safetensors file (see {@link decodeSafetensors}). */
export async function readSafetensors(path: string): Promise<SafetensorsFile> {
  return decodeSafetensors(await Deno.readFile(path), path);
}
