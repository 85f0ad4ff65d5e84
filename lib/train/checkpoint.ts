/**
 * Per-epoch checkpoints of a run in progress: one safetensors file
 * (`state.safetensors` in `<run dir>.checkpoint/`, replaced atomically) with
 * the parameters (`param/<name>`), Adam's moments (`adam.m/<name>`,
 * `adam.v/<name>`) and, in the metadata, the completed epoch, Adam's step,
 * the epoch history and a fingerprint of the run's settings. A checkpoint
 * whose fingerprint differs from the current settings is ignored.
 *
 * @module
 */
import { join } from "node:path";
import {
  decodeSafetensors,
  encodeSafetensors,
  type SafeTensor,
  SafetensorsError,
} from "../cells/mod.ts";
import { writeFileAtomic } from "./store.ts";
import type { TrainCheckpoint } from "./trainer.ts";

/** The `format` metadata of a checkpoint file. */
export const CHECKPOINT_FORMAT = "rnnx-checkpoint/1";

/** The checkpoint file name inside a checkpoint directory. */
export const CHECKPOINT_FILE = "state.safetensors";

/** Writes a checkpoint into `dir` (created if needed), replacing the previous one atomically. */
export async function writeCheckpoint(
  dir: string,
  checkpoint: TrainCheckpoint,
  fingerprint: string,
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
  });
  await writeFileAtomic(join(dir, CHECKPOINT_FILE), bytes);
}

/**
 * Reads the checkpoint in `dir`; returns null when there is none, when it is
 * unreadable, or when it was written for other settings (`fingerprint`).
 */
export async function readCheckpoint(
  dir: string,
  fingerprint: string,
): Promise<TrainCheckpoint | null> {
  const path = join(dir, CHECKPOINT_FILE);
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
  try {
    const file = decodeSafetensors(bytes, path);
    const meta = file.metadata;
    if (meta.format !== CHECKPOINT_FORMAT || meta.fingerprint !== fingerprint) return null;
    const part = (prefix: string) => {
      const out = new Map<string, Float32Array>();
      for (const [name, t] of file.tensors) {
        if (name.startsWith(`${prefix}/`)) {
          out.set(name.slice(prefix.length + 1), t.data as Float32Array);
        }
      }
      return out;
    };
    return {
      epoch: Number(meta.epoch),
      history: JSON.parse(meta.history),
      params: part("param"),
      adam: { step: Number(meta.step), m: part("adam.m"), v: part("adam.v") },
    };
  } catch (e) {
    if (e instanceof SafetensorsError || e instanceof SyntaxError) return null;
    throw e;
  }
}

/** Removes a checkpoint directory (no error if it does not exist). */
export async function removeCheckpoint(dir: string): Promise<void> {
  try {
    await Deno.remove(dir, { recursive: true });
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
}
