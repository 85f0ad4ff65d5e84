/**
 * Zero-copy `Identity` and same-dtype `Cast` for the wasm backend.
 *
 * The stock wasm kernels copy the tensor's data into a new buffer. tfjs calls them all
 * the time in gradients (the gradient of a product casts its other operand to float32,
 * sums pass their gradient through `identity`), about 200 copies per training step of a
 * recurrent cell. Like tfjs's cpu backend, these kernels return the same data with one
 * more reference; tensor data is never written in place, so sharing it is safe. Casts
 * to another dtype go to the stock kernel.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type KernelArgs, requireInput, WASM } from "./wasm_kernel_util.ts";

/** The part of the wasm backend that counts references to tensor data. */
interface RefCounting {
  incRef(dataId: tf.DataId): void;
}

function share(backend: unknown, x: tf.TensorInfo): tf.TensorInfo {
  (backend as RefCounting).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/** Kernel config of a zero-copy `Identity` for the wasm backend. */
export const identityWasmConfig: tf.KernelConfig = {
  kernelName: tf.Identity,
  backendName: WASM,
  kernelFunc:
    ((args: KernelArgs) =>
      share(args.backend, requireInput(args.inputs, "x", tf.Identity))) as tf.KernelFunc,
};

/** Returns a `Cast` kernel config that shares the data when the dtype does not change. */
export function zeroCopyCast(original: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] => {
    const x = args.inputs.x;
    const dtype = (args.attrs as unknown as tf.CastAttrs | undefined)?.dtype;
    if (x != null && dtype === x.dtype && x.dtype !== "string") return share(args.backend, x);
    return original.kernelFunc(args);
  };
  return { ...original, kernelFunc: kernelFunc as tf.KernelFunc };
}
