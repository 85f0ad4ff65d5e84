/**
 * Per-epoch checkpoints of a run in progress: one safetensors file
 * (`state.safetensors` in `<run dir>.checkpoint/`, replaced atomically) with
 * the parameters (`param/<name>`), Adam's moments (`adam.m/<name>`,
 * `adam.v/<name>`) and, in the metadata, the completed epoch, Adam's step,
 * the epoch history, a fingerprint of the run's settings, whether the native
 * BLAS was used (`blas`: on/off) and the SHA-256 of
 * the whole file (computed with 64 zeros in its place). A checkpoint whose
 * fingerprint differs from the current settings is not used; one that is
 * corrupted, incomplete or holds non-finite values is reported with its path.
 *
 * @module
 */
import { join } from "node:path";
import {
  decodeSafetensors,
  encodeSafetensors,
  type SafeTensor,
  SafetensorsError,
  type SafetensorsFile,
} from "../cells/mod.ts";
import { CheckpointError } from "./errors.ts";
import { sha256Hex } from "./store.ts";
import { writeFileAtomic } from "../data/mod.ts";
import type { TrainCheckpoint } from "./trainer.ts";

/** The `format` metadata of a checkpoint file. */
export const CHECKPOINT_FORMAT = "rnnx-checkpoint/1";

/** The checkpoint file name inside a checkpoint directory. */
export const CHECKPOINT_FILE = "state.safetensors";

/** The metadata field holding the file's SHA-256. */
const CHECKSUM_FIELD = "sha256";

/** What the checksum is computed over in its place: 64 zeros. */
const CHECKSUM_PLACEHOLDER = "0".repeat(64);

/** Writes a checkpoint into `dir` (created if needed), replacing the previous one atomically. */
export async function writeCheckpoint(
  dir: string,
  checkpoint: TrainCheckpoint,
  fingerprint: string,
  blas?: boolean,
): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  const tensors = new Map<string, SafeTensor>();
  const add = (prefix: string, values: Map<string, Float32Array>) => {
    for (const [name, data] of values) {
      tensors.set(`${prefix}/${name}`, { dtype: "F32", shape: [data.length], data });
    }
  };
  add("param", checkpoint.params);
  add("adam.m", checkpoint.adam.m);
  add("adam.v", checkpoint.adam.v);
  const bytes = encodeSafetensors(tensors, {
    format: CHECKPOINT_FORMAT,
    fingerprint,
    epoch: String(checkpoint.epoch),
    step: String(checkpoint.adam.step),
    history: JSON.stringify(checkpoint.history),
    ...(blas === undefined ? {} : { blas: blas ? "on" : "off" }),
    [CHECKSUM_FIELD]: CHECKSUM_PLACEHOLDER,
  });
  const checksum = await sha256Hex(bytes);
  const field = new TextEncoder().encode(`"${CHECKSUM_FIELD}":"${CHECKSUM_PLACEHOLDER}"`);
  bytes.set(new TextEncoder().encode(checksum), indexOf(bytes, field) + field.length - 65);
  await writeFileAtomic(join(dir, CHECKPOINT_FILE), bytes);
}

/** What {@link readCheckpoint} found. */
export type CheckpointState =
  | { status: "missing" }
  | { status: "other-settings"; path: string }
  | {
    status: "ok";
    path: string;
    checkpoint: TrainCheckpoint;
    /** False for a checkpoint written without a checksum (by an earlier version). */
    verified: boolean;
  };

/** The checksum bytes of `bytes` with the recorded checksum replaced by the placeholder. */
async function fileChecksum(bytes: Uint8Array, recorded: string): Promise<string | null> {
  const field = new TextEncoder().encode(`"${CHECKSUM_FIELD}":"${recorded}"`);
  const headerEnd = 8 + Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const at = indexOf(bytes.subarray(0, headerEnd), field);
  if (at < 0) return null;
  const copy = bytes.slice();
  copy.set(new TextEncoder().encode(CHECKSUM_PLACEHOLDER), at + field.length - 65);
  return await sha256Hex(copy);
}

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** Where `data` first holds NaN or ±Infinity, or null when every value is finite. */
function nonFinite(name: string, data: Float32Array): string | null {
  const i = data.findIndex((v) => !Number.isFinite(v));
  return i < 0 ? null : `tensor "${name}" holds ${data[i]} at index ${i}; values must be finite`;
}

/**
 * Reads and checks the checkpoint in `dir`: its SHA-256 (recorded in its
 * header), its fingerprint (equal to `fingerprint`, or accepted by it when it is a
 * predicate) and BLAS use, when both are known (a checkpoint of
 * other settings is reported as `other-settings` and not used) and, when `params` gives the size of every
 * parameter, that each parameter and both of Adam's moments are present, of
 * that size and finite. Anything wrong throws {@link CheckpointError} naming
 * the file and the problem.
 */
export async function readCheckpoint(
  dir: string,
  fingerprint: string | ((stored: string) => boolean),
  params?: ReadonlyMap<string, number>,
  blas?: boolean,
): Promise<CheckpointState> {
  const path = join(dir, CHECKPOINT_FILE);
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return { status: "missing" };
    throw e;
  }
  let file: SafetensorsFile;
  try {
    file = decodeSafetensors(bytes, path);
  } catch (e) {
    if (e instanceof SafetensorsError) {
      throw new CheckpointError(path, `cannot be read (${e.message})`);
    }
    throw e;
  }
  const meta = file.metadata;
  const recorded = meta[CHECKSUM_FIELD];
  if (recorded !== undefined) {
    const actual = await fileChecksum(bytes, recorded);
    if (actual !== recorded) {
      throw new CheckpointError(
        path,
        `its SHA-256 is ${actual?.slice(0, 12)}…, its header records ${recorded.slice(0, 12)}…: ` +
          "the file is corrupted",
      );
    }
  }
  if (meta.format !== CHECKPOINT_FORMAT) {
    throw new CheckpointError(path, `format is "${meta.format}", expected "${CHECKPOINT_FORMAT}"`);
  }
  const otherBlas = blas !== undefined && meta.blas !== undefined && (meta.blas === "on") !== blas;
  const stored = meta.fingerprint ?? "";
  const same = typeof fingerprint === "string" ? stored === fingerprint : fingerprint(stored);
  if (!same || otherBlas) return { status: "other-settings", path };
  const bad = (problem: string) => new CheckpointError(path, problem);
  const part = (prefix: string) => {
    const out = new Map<string, Float32Array>();
    for (const [name, t] of file.tensors) {
      if (!name.startsWith(`${prefix}/`)) continue;
      if (!(t.data instanceof Float32Array)) throw bad(`tensor "${name}" is ${t.dtype}, not F32`);
      const problem = nonFinite(name, t.data);
      if (problem) throw bad(problem);
      out.set(name.slice(prefix.length + 1), t.data);
    }
    for (const [name, size] of params ?? []) {
      const data = out.get(name);
      if (!data) throw bad(`tensor "${prefix}/${name}" is missing`);
      if (data.length !== size) {
        throw bad(`tensor "${prefix}/${name}" has ${data.length} values, the model's ${size}`);
      }
    }
    for (const name of out.keys()) {
      if (params && !params.has(name)) {
        throw bad(`tensor "${prefix}/${name}" is not a parameter of the model`);
      }
    }
    return out;
  };
  let history: unknown;
  try {
    history = JSON.parse(meta.history);
  } catch (e) {
    throw bad(`its history is not JSON (${(e as Error).message})`);
  }
  const epoch = Number(meta.epoch);
  const step = Number(meta.step);
  if (
    !Number.isInteger(epoch) || epoch < 1 || !Array.isArray(history) || history.length !== epoch
  ) {
    throw bad(`epoch "${meta.epoch}" does not fit its history of epochs`);
  }
  if (!Number.isInteger(step) || step < 0) throw bad(`Adam step "${meta.step}" is not a count`);
  return {
    status: "ok",
    path,
    verified: recorded !== undefined,
    checkpoint: {
      epoch,
      history,
      params: part("param"),
      adam: { step, m: part("adam.m"), v: part("adam.v") },
    },
  };
}

/** Removes a checkpoint directory (no error if it does not exist). */
export async function removeCheckpoint(dir: string): Promise<void> {
  try {
    await Deno.remove(dir, { recursive: true });
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
}
