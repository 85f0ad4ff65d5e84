/**
 * Kernel inputs and outputs saved for the backward pass, shared instead of cloned.
 *
 * While a gradient tape records, tfjs keeps every tensor a kernel's gradient needs by
 * cloning it: one `Identity` kernel and one tape node per saved tensor, about 180 per
 * Deep training step and 440 per Conv⁺ step, each paying the engine's full dispatch.
 * On a backend whose tensor data is reference counted and never written in place (wasm,
 * like tfjs's cpu backend; see `wasm_identity.ts`), a new tensor on the same data with
 * one more reference is the same thing without the dispatch: the saved tensor outlives
 * the original exactly as the clone did, and the values are the same bits.
 *
 * What is left out is the clone's tape node, which only matters for a gradient taken
 * through the saved tensors themselves (a gradient of a gradient); nothing in this
 * toolkit takes one. Tensors of a backend without reference counting, and complex or
 * string tensors, are still cloned.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** The part of the tfjs engine this module replaces and uses. */
interface EngineInternals {
  saveTensorsForBackwardMode(tensors: tf.Tensor[]): tf.Tensor[];
  clone(x: tf.Tensor): tf.Tensor;
  keep<T extends tf.Tensor>(result: T): T;
  makeTensorFromTensorInfo(info: tf.TensorInfo, backend?: unknown): tf.Tensor;
  state: { tensorInfo: { get(dataId: tf.DataId): { backend: unknown } | undefined } };
}

/** A backend that counts references to tensor data. */
interface RefCounting {
  incRef(dataId: tf.DataId): void;
}

function refCounting(backend: unknown): backend is RefCounting {
  return typeof (backend as Partial<RefCounting> | undefined)?.incRef === "function";
}

function engineClass(): EngineInternals {
  return Object.getPrototypeOf(tf.engine()) as EngineInternals;
}

let cloning: EngineInternals["saveTensorsForBackwardMode"] | undefined;

function shareSaved(this: EngineInternals, tensors: tf.Tensor[]): tf.Tensor[] {
  return tensors.map((t) => {
    const backend = this.state.tensorInfo.get(t.dataId)?.backend;
    if (!refCounting(backend) || t.dtype === "complex64" || t.dtype === "string") {
      return this.keep(this.clone(t));
    }
    const saved = this.makeTensorFromTensorInfo(
      { dataId: t.dataId, shape: t.shape, dtype: t.dtype },
      backend,
    );
    backend.incRef(t.dataId);
    return this.keep(saved);
  });
}

/**
 * Turns the sharing of saved tensors on or off for the whole process (the wasm backend
 * turns it on when it is chosen) and returns whether it was on before.
 *
 * @example
 * ```ts
 * import { shareSavedTensors } from "./saved_tensors.ts";
 * const before = shareSavedTensors(true);
 * shareSavedTensors(before);
 * ```
 */
export function shareSavedTensors(on: boolean): boolean {
  const engine = engineClass();
  const was = cloning !== undefined;
  if (on && !was) {
    cloning = engine.saveTensorsForBackwardMode;
    engine.saveTensorsForBackwardMode = shareSaved;
  } else if (!on && was) {
    engine.saveTensorsForBackwardMode = cloning!;
    cloning = undefined;
  }
  return was;
}
