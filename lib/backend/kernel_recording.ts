/**
 * A stretch of work taken down as the kernel calls it makes: which registered kernel ran
 * on which values with which attributes, the outermost calls only (a kernel built of
 * kernels counts once). Every value gets a slot: a kernel's output, a tensor written from
 * JavaScript during the stretch (its values copied), or a tensor from before it (its
 * values copied when a kernel first reads it). `KernelProgram` replays a recording straight through the
 * backend.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { replaceKernels } from "./replace_kernels.ts";
import { sameShape } from "./same_shape.ts";

/** The values of a numeric tensor, as the backend reads them. */
export type TensorValues = Float32Array | Int32Array | Uint8Array;

/** Where a slot's value comes from. */
export type SlotOrigin =
  | { readonly kind: "kernel"; readonly call: number }
  | { readonly kind: "written"; readonly values: TensorValues }
  | { readonly kind: "outside"; readonly dataId: tf.DataId; readonly values: TensorValues };

/** One value of a recording. */
export interface RecordedSlot {
  readonly shape: readonly number[];
  readonly dtype: tf.DataType;
  readonly origin: SlotOrigin;
}

/** One kernel call of a recording. */
export interface RecordedCall {
  readonly kernelName: string;
  /** Input name (the position for a list of inputs) and slot. */
  readonly inputs: readonly (readonly [string, number])[];
  /**
   * Per input, the shape it was read in where that is not its slot's: kernels that only
   * reshape hand on the buffer they were given, so one buffer can be read in two shapes.
   */
  readonly views: readonly (readonly number[] | null)[];
  /** Whether the kernel took its inputs as a list (AddN, Concat) rather than by name. */
  readonly positional: boolean;
  readonly attrs: tf.NamedAttrMap;
  readonly outputs: readonly number[];
}

/** The kernel calls and values of one recorded stretch of work. */
export interface KernelRecording {
  /** The backend the kernels ran on. */
  readonly backendName: string;
  readonly slots: readonly RecordedSlot[];
  readonly calls: readonly RecordedCall[];
  /**
   * How often JavaScript read a tensor's values outside the kernels: work that looks at
   * values may take another course on other values, so it cannot be replayed.
   */
  readonly reads: number;
  /**
   * The first value the recording could not take down (a string or complex tensor), or
   * null; a recording with one cannot be replayed.
   */
  readonly unsupported: string | null;
  /**
   * The slot that holds `t`: the latest of `t`'s buffer in `t`'s shape (kernels that only
   * reshape hand one buffer on), or undefined.
   */
  slotOf(t: tf.TensorInfo): number | undefined;
}

function valuesOf(
  readSync: tf.KernelBackend["readSync"],
  backend: tf.KernelBackend,
  dataId: tf.DataId,
): TensorValues {
  return (readSync.call(backend, dataId) as TensorValues).slice();
}

/**
 * Runs `run` and takes down its kernel calls. Strings and complex numbers are not
 * taken down: a recording that meets one says so in `unsupported`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { recordKernels } from "./kernel_recording.ts";
 * await tf.setBackend("cpu");
 * const x = tf.tensor1d([1, 2, 3]);
 * const { result, recording } = recordKernels(() => tf.mul(tf.neg(x), 2));
 * // Neg and Multiply; x came from outside, the 2 was written during the run
 * if (recording.calls.map((c) => c.kernelName).join() !== "Neg,Multiply") throw new Error("calls");
 * if (recording.slots[recording.slotOf(result)!].origin.kind !== "kernel") throw new Error("slot");
 * tf.dispose([x, result]);
 * ```
 */
export function recordKernels<T>(run: () => T): { result: T; recording: KernelRecording } {
  const backendName = tf.getBackend();
  const backend = tf.backend();
  const slots: RecordedSlot[] = [];
  const calls: RecordedCall[] = [];
  const slotByData = new Map<tf.DataId, number>();
  /** Every slot of a buffer, in order. */
  const slotsByData = new Map<tf.DataId, number[]>();
  const { readSync: readValues } = backend;
  let reads = 0;
  let depth = 0;
  let unsupported: string | null = null;
  const numeric = (dtype: tf.DataType, what: string): boolean => {
    if (dtype !== "string" && dtype !== "complex64") return true;
    unsupported ??= `a ${dtype} tensor ${what}`;
    return false;
  };
  const newSlot = (info: tf.TensorInfo, origin: SlotOrigin): number => {
    slots.push({ shape: [...info.shape], dtype: info.dtype, origin });
    const slot = slots.length - 1;
    slotByData.set(info.dataId, slot);
    slotsByData.set(info.dataId, [...slotsByData.get(info.dataId) ?? [], slot]);
    return slot;
  };
  const slotFor = (info: tf.TensorInfo): number => {
    const known = slotByData.get(info.dataId);
    if (known !== undefined) return known;
    // read now: the work may free it (as an optimiser step frees the weights it replaces)
    const values = numeric(info.dtype, "from before the recording")
      ? valuesOf(readValues, backend, info.dataId)
      : new Uint8Array(0);
    return newSlot(info, { kind: "outside", dataId: info.dataId, values });
  };
  const originals = tf.getKernelsForBackend(backendName);
  replaceKernels(originals.map((config) => ({
    ...config,
    kernelFunc: (args) => {
      if (depth > 0) return config.kernelFunc(args);
      const positional = Array.isArray(args.inputs);
      const given = Object.entries(args.inputs).filter(([, t]) => t) as [string, tf.TensorInfo][];
      const inputs = given.map(([name, t]) => [name, slotFor(t)] as const);
      const views = given.map(([, t], i) =>
        sameShape(slots[inputs[i][1]].shape, t.shape) ? null : [...t.shape]
      );
      depth++;
      let out;
      try {
        out = config.kernelFunc(args);
      } finally {
        depth--;
      }
      const call = calls.length;
      const outputs = (Array.isArray(out) ? out : [out]).map((o) => {
        numeric(o.dtype, `made by ${config.kernelName}`);
        return newSlot(o, { kind: "kernel", call });
      });
      calls.push({
        kernelName: config.kernelName,
        inputs,
        views,
        positional,
        attrs: args.attrs ?? {},
        outputs,
      });
      return out;
    },
  })));
  const patched = ["write", "readSync", "read"] as const;
  const own = patched.map((name) => Object.getOwnPropertyDescriptor(backend, name));
  const { write, readSync, read } = backend;
  backend.write = (values, shape, dtype) => {
    const dataId = write.call(backend, values, shape, dtype);
    if (depth === 0) {
      const typed = values instanceof Float32Array || values instanceof Int32Array ||
        values instanceof Uint8Array;
      if (!typed) numeric("string", "written from JavaScript");
      newSlot({ dataId, shape, dtype }, {
        kind: "written",
        values: typed && numeric(dtype, "written from JavaScript")
          ? values.slice()
          : new Uint8Array(0),
      });
    }
    return dataId;
  };
  backend.readSync = (dataId) => {
    if (depth === 0) reads++;
    return readSync.call(backend, dataId);
  };
  backend.read = (dataId) => {
    if (depth === 0) reads++;
    return read.call(backend, dataId);
  };
  let result: T;
  try {
    result = run();
  } finally {
    replaceKernels(originals);
    patched.forEach((name, i) => {
      const descriptor = own[i];
      if (descriptor) Object.defineProperty(backend, name, descriptor);
      else delete (backend as Partial<tf.KernelBackend>)[name];
    });
  }
  return {
    result,
    recording: {
      backendName,
      slots,
      calls,
      reads,
      unsupported,
      slotOf: (t) =>
        slotsByData.get(t.dataId)?.findLast((slot) => sameShape(slots[slot].shape, t.shape)),
    },
  };
}
