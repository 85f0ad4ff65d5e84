/**
 * A recording replayed straight through the backend's kernel functions: the same kernels
 * in the same order on the same attributes, so the same bits, without tfjs's engine
 * around them (no tensors, no gradient tape, no scopes). The caller binds some slots to
 * new values at every run (the inputs), the recording's other written and outside values
 * are constants, written once. Each kernel output is freed after its last use.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { KernelRecording } from "./kernel_recording.ts";
import { sameShape } from "./same_shape.ts";

interface ProgramCall {
  readonly kernelName: string;
  readonly names: readonly string[] | null;
  readonly inputs: readonly number[];
  readonly views: readonly (readonly number[] | null)[];
  readonly viewed: boolean;
  readonly attrs: tf.NamedAttrMap;
  readonly outputs: readonly number[];
  /** Slots whose last use this call is. */
  readonly frees: readonly number[];
}

/** Which slots of a recording a program takes at every run and which it hands back. */
export interface ProgramSlots {
  /** Slots given new values at every run, in the order `run` takes them. */
  readonly bound: readonly number[];
  /** Slots handed back by `run`, in this order; the caller owns them. */
  readonly results: readonly number[];
}

/**
 * A recording compiled for replay.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { KernelProgram } from "./kernel_program.ts";
 * import { recordKernels } from "./kernel_recording.ts";
 * await tf.setBackend("cpu");
 * const x = tf.tensor1d([1, 2, 3]);
 * const { result, recording } = recordKernels(() => tf.add(tf.mul(x, x), 1));
 * const program = new KernelProgram(recording, {
 *   bound: [recording.slotOf(x)!],
 *   results: [recording.slotOf(result)!],
 * });
 * const x2 = tf.tensor1d([4, 5, 6]);
 * const [y] = program.run([x2]);
 * const values = tf.backend().readSync(y.dataId) as Float32Array;
 * if (values.join() !== "17,26,37") throw new Error(`${values}`);
 * tf.backend().disposeData(y.dataId);
 * program.dispose();
 * tf.dispose([x, x2, result]);
 * ```
 */
export class KernelProgram {
  readonly #backendName: string;
  readonly #calls: ProgramCall[];
  readonly #bound: readonly number[];
  readonly #results: readonly number[];
  readonly #shapes: readonly (readonly number[])[];
  /** Slots filled before every run: the constants. */
  readonly #base: (tf.TensorInfo | undefined)[];
  /** Result slots that are not a kernel's own output (they get one more reference). */
  readonly #shared: readonly boolean[];
  #disposed = false;

  /** Compiles `recording`; `slots` names its inputs and results. */
  constructor(recording: KernelRecording, slots: ProgramSlots) {
    const { slots: recorded, calls } = recording;
    this.#backendName = recording.backendName;
    this.#bound = [...slots.bound];
    this.#results = [...slots.results];
    this.#shapes = recorded.map((s) => s.shape);
    const bound = new Set(slots.bound);
    const kept = new Set(slots.results);
    const lastUse = new Map<number, number>();
    calls.forEach((c, i) => {
      for (const [, slot] of c.inputs) lastUse.set(slot, i);
    });
    const freesAt: number[][] = calls.map(() => []);
    calls.forEach((c, i) => {
      for (const slot of c.outputs) {
        if (!kept.has(slot)) freesAt[lastUse.get(slot) ?? i].push(slot);
      }
    });
    this.#calls = calls.map((c, i) => ({
      kernelName: c.kernelName,
      names: c.positional ? null : c.inputs.map(([name]) => name),
      inputs: c.inputs.map(([, slot]) => slot),
      views: c.views,
      viewed: c.views.some((v) => v !== null),
      attrs: c.attrs,
      outputs: c.outputs,
      frees: freesAt[i],
    }));
    const backend = tf.backend();
    const used = new Set([...lastUse.keys(), ...slots.results]);
    this.#base = recorded.map((s, slot) => {
      if (s.origin.kind === "kernel" || bound.has(slot) || !used.has(slot)) return undefined;
      const shape = [...s.shape];
      return {
        dataId: backend.write(s.origin.values.slice(), shape, s.dtype),
        shape,
        dtype: s.dtype,
      };
    });
    const seen = new Set<number>();
    this.#shared = this.#results.map((slot) => {
      const shared = recorded[slot].origin.kind !== "kernel" || seen.has(slot);
      seen.add(slot);
      return shared;
    });
  }

  /** Runs the program on `inputs` (one per bound slot, of its recorded shape); returns the results. */
  run(inputs: readonly tf.TensorInfo[]): tf.TensorInfo[] {
    if (this.#disposed) throw new Error("KernelProgram.run: the program was disposed");
    if (tf.getBackend() !== this.#backendName) {
      throw new Error(
        `KernelProgram.run: recorded on ${this.#backendName}, the backend is ${tf.getBackend()}`,
      );
    }
    if (inputs.length !== this.#bound.length) {
      throw new RangeError(
        `KernelProgram.run: ${inputs.length} inputs given, the program takes ${this.#bound.length}`,
      );
    }
    const values = this.#base.slice();
    this.#bound.forEach((slot, i) => {
      const shape = this.#shapes[slot];
      const given = inputs[i];
      if (!sameShape(given.shape, shape)) {
        throw new RangeError(
          `KernelProgram.run: input ${i} has shape [${given.shape}], recorded [${shape}]`,
        );
      }
      values[slot] = given;
    });
    const backend = tf.backend();
    // looked up at every run, so that kernels swapped in since (a profiler's timers) run
    const kernels = new Map<string, tf.KernelFunc>();
    for (const c of this.#calls) {
      let kernel = kernels.get(c.kernelName);
      if (!kernel) {
        kernel = tf.getKernel(c.kernelName, this.#backendName)!.kernelFunc;
        kernels.set(c.kernelName, kernel);
      }
      const { inputs: slots, names, views } = c;
      const list: tf.TensorInfo[] = new Array(slots.length);
      for (let k = 0; k < slots.length; k++) {
        const info = values[slots[k]]!;
        const view = c.viewed ? views[k] : null;
        list[k] = view ? { dataId: info.dataId, shape: [...view], dtype: info.dtype } : info;
      }
      let inputs: tf.NamedTensorInfoMap | tf.TensorInfo[] = list;
      if (names) {
        const named: tf.NamedTensorInfoMap = {};
        for (let k = 0; k < names.length; k++) named[names[k]] = list[k];
        inputs = named;
      }
      const out = kernel({ inputs: inputs as tf.NamedTensorInfoMap, attrs: c.attrs, backend });
      const { outputs, frees } = c;
      if (Array.isArray(out)) {
        for (let k = 0; k < outputs.length; k++) values[outputs[k]] = out[k];
      } else {
        values[outputs[0]] = out;
      }
      for (let k = 0; k < frees.length; k++) {
        backend.disposeData(values[frees[k]]!.dataId);
        values[frees[k]] = undefined;
      }
    }
    return this.#results.map((slot, i) => {
      const info = values[slot]!;
      if (this.#shared[i]) backend.incRef(info.dataId);
      return info;
    });
  }

  /** Frees the constants. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    const backend = tf.backend();
    for (const info of this.#base) if (info) backend.disposeData(info.dataId);
  }
}
