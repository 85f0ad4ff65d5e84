/**
 * Reading gzip-compressed IDX files (the MNIST format): image files with magic
 * 2051 and header (count, rows, cols), label files with magic 2049 and header
 * (count). All header fields are big-endian uint32.
 *
 * @module
 */

import { gunzipSync } from "node:zlib";
import { DataFileError } from "./errors.ts";

/** Magic number of an IDX image file (uint8 data, 3 dimensions). */
export const IDX_IMAGES_MAGIC = 2051;
/** Magic number of an IDX label file (uint8 data, 1 dimension). */
export const IDX_LABELS_MAGIC = 2049;

/** The images of one IDX image file. */
export interface IdxImages {
  /** Number of images. */
  count: number;
  /** Rows per image. */
  rows: number;
  /** Columns per image. */
  cols: number;
  /** `count * rows * cols` raw bytes, image by image, row by row. */
  pixels: Uint8Array;
}

/** The labels of one IDX label file. */
export interface IdxLabels {
  /** Number of labels. */
  count: number;
  /** One byte per label. */
  labels: Uint8Array;
}

/** Options for parsing IDX payloads. */
export interface IdxImageOptions {
  /** Expected rows per image (default 28). */
  rows?: number;
  /** Expected columns per image (default 28). */
  cols?: number;
}

/**
 * Decompresses a gzip stream; `file` names the file in errors.
 *
 * @example
 * ```ts
 * import { gzipSync } from "node:zlib";
 * import { gunzipPayload } from "./idx.ts";
 * const out = gunzipPayload(gzipSync(new Uint8Array([1, 2, 3])), "x.gz");
 * if (out.length !== 3) throw new Error("bad");
 * ```
 */
export function gunzipPayload(compressed: Uint8Array, file: string): Uint8Array {
  try {
    const out = gunzipSync(compressed);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new DataFileError(file, `corrupt gzip stream (${why})`);
  }
}

/** Checks the magic number, then that the whole header is present; returns a view of the header. */
function readHeader(
  payload: Uint8Array,
  file: string,
  magic: number,
  headerBytes: number,
  what: string,
): DataView {
  const truncated = (): DataFileError =>
    new DataFileError(
      file,
      `truncated: ${what} header needs ${headerBytes} bytes, file has ${payload.byteLength}`,
    );
  if (payload.byteLength < 4) throw truncated();
  const view = new DataView(
    payload.buffer,
    payload.byteOffset,
    Math.min(headerBytes, payload.byteLength),
  );
  const found = view.getUint32(0, false);
  if (found !== magic) {
    throw new DataFileError(file, `wrong magic number ${found}, expected ${magic} (${what} file)`);
  }
  if (payload.byteLength < headerBytes) throw truncated();
  return view;
}

function checkLength(payload: Uint8Array, file: string, expected: number, what: string): void {
  if (payload.byteLength < expected) {
    throw new DataFileError(
      file,
      `truncated: header promises ${what} (${expected} bytes), payload has ${payload.byteLength}`,
    );
  }
  if (payload.byteLength > expected) {
    throw new DataFileError(
      file,
      `${payload.byteLength - expected} trailing bytes after ${what} (${expected} bytes expected)`,
    );
  }
}

/**
 * Parses a decompressed IDX image payload; the pixels are a view into `payload`.
 * Throws {@link DataFileError} for a wrong magic, wrong image size or truncation.
 */
export function parseIdxImages(
  payload: Uint8Array,
  file: string,
  options: IdxImageOptions = {},
): IdxImages {
  const wantRows = options.rows ?? 28;
  const wantCols = options.cols ?? 28;
  const view = readHeader(payload, file, IDX_IMAGES_MAGIC, 16, "image");
  const count = view.getUint32(4, false);
  const rows = view.getUint32(8, false);
  const cols = view.getUint32(12, false);
  if (rows !== wantRows || cols !== wantCols) {
    throw new DataFileError(
      file,
      `wrong image dimensions ${rows}x${cols}, expected ${wantRows}x${wantCols}`,
    );
  }
  const size = count * rows * cols;
  checkLength(payload, file, 16 + size, `${count} images of ${rows}x${cols}`);
  return { count, rows, cols, pixels: payload.subarray(16, 16 + size) };
}

/**
 * Parses a decompressed IDX label payload; labels must be below `numClasses`
 * (default 10). The labels are a view into `payload`.
 */
export function parseIdxLabels(payload: Uint8Array, file: string, numClasses = 10): IdxLabels {
  const view = readHeader(payload, file, IDX_LABELS_MAGIC, 8, "label");
  const count = view.getUint32(4, false);
  checkLength(payload, file, 8 + count, `${count} labels`);
  const labels = payload.subarray(8, 8 + count);
  for (let i = 0; i < count; i++) {
    if (labels[i] >= numClasses) {
      throw new DataFileError(
        file,
        `label ${labels[i]} at index ${i} is out of range, expected 0..${numClasses - 1}`,
      );
    }
  }
  return { count, labels };
}

/** Reads and parses a gzip-compressed IDX image file. */
export async function readIdxImages(
  path: string,
  options: IdxImageOptions = {},
): Promise<IdxImages> {
  const payload = gunzipPayload(await readFileNamed(path), path);
  return parseIdxImages(payload, path, options);
}

/** Reads and parses a gzip-compressed IDX label file. */
export async function readIdxLabels(path: string, numClasses = 10): Promise<IdxLabels> {
  const payload = gunzipPayload(await readFileNamed(path), path);
  return parseIdxLabels(payload, path, numClasses);
}

/**
 * Checks that an image file and a label file hold the same number of samples.
 * Throws {@link DataFileError} naming both files otherwise.
 */
export function checkPaired(
  images: IdxImages,
  labels: IdxLabels,
  imageFile: string,
  labelFile: string,
): void {
  if (images.count !== labels.count) {
    throw new DataFileError(
      `${imageFile} + ${labelFile}`,
      `mismatched counts: ${images.count} images but ${labels.count} labels`,
    );
  }
}

async function readFileNamed(path: string): Promise<Uint8Array> {
  try {
    return await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new DataFileError(path, "file not found");
    throw e;
  }
}
