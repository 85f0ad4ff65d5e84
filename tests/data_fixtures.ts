/**
 * Shared fixtures of the data tests: small IDX payloads, temporary folders and
 * the location of the local dataset mirror.
 *
 * @module
 */

import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** An IDX image payload with the given header; pixel p of image i is (i·7 + p) mod 256. */
export function idxImagesPayload(
  count: number,
  rows = 28,
  cols = 28,
  stored = count,
  magic = 2051,
): Uint8Array {
  const out = new Uint8Array(16 + stored * rows * cols);
  const view = new DataView(out.buffer);
  view.setUint32(0, magic, false);
  view.setUint32(4, count, false);
  view.setUint32(8, rows, false);
  view.setUint32(12, cols, false);
  for (let i = 0; i < stored; i++) {
    for (let p = 0; p < rows * cols; p++) out[16 + i * rows * cols + p] = (i * 7 + p) % 256;
  }
  return out;
}

/** An IDX label payload holding `labels`. */
export function idxLabelsPayload(labels: ArrayLike<number>, magic = 2049): Uint8Array {
  const out = new Uint8Array(8 + labels.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, magic, false);
  view.setUint32(4, labels.length, false);
  out.set(Array.from(labels), 8);
  return out;
}

/** Gzip-compresses `payload` and writes it to `dir/name`; returns the path. */
export async function writeGz(dir: string, name: string, payload: Uint8Array): Promise<string> {
  await Deno.mkdir(dir, { recursive: true });
  const path = join(dir, name);
  await Deno.writeFile(path, gzipSync(payload));
  return path;
}

/** Runs `fn` with a fresh temporary folder, removed afterwards. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T> | T): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "rnnx-data-test-" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The dataset mirror: env RNNX_DATA_MIRROR, else `../shared/datasets` from the repository root. */
export function mirrorDir(): string {
  return Deno.env.get("RNNX_DATA_MIRROR") ??
    fileURLToPath(new URL("../../shared/datasets", import.meta.url));
}

/** Runs `fn` with environment variables set (undefined removes one), restoring them afterwards. */
export async function withEnv<T>(
  vars: Record<string, string | undefined>,
  fn: () => Promise<T> | T,
): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, Deno.env.get(k)]));
  const apply = (v: Record<string, string | undefined>): void => {
    for (const [k, value] of Object.entries(v)) {
      if (value === undefined) Deno.env.delete(k);
      else Deno.env.set(k, value);
    }
  };
  apply(vars);
  try {
    return await fn();
  } finally {
    apply(saved);
  }
}

/** Names of the entries of `dir` (empty if it does not exist). */
export async function listDir(dir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) names.push(e.name);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return names.sort();
}
