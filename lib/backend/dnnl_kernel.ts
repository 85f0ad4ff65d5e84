/**
 * What the oneDNN kernel configs share: the address of a tensor's data on the wasm
 * heap, which oneDNN reads and writes in place, and the fallback to the kernel
 * registered before for the cases they leave to it.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import { heapAddress } from "./blas_library.ts";
import type { BlasBackend } from "./blas_matmul.ts";
import { heapOffset, type KernelArgs } from "./wasm_kernel_util.ts";

/** Byte address of a tensor's data on the heap (take it after the kernel's last allocation). */
export function address(backend: BlasBackend, t: tf.TensorInfo): number {
  return heapAddress(backend) + heapOffset(backend, t.dataId);
}

/** A kernel config that runs `run`, or the kernel before it where `run` returns null. */
export function orFallback(
  fallback: tf.KernelConfig,
  run: (args: KernelArgs, backend: BlasBackend) => tf.TensorInfo | null,
): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs) =>
    run(args, args.backend as BlasBackend) ?? fallback.kernelFunc(args);
  return { ...fallback, kernelFunc: kernelFunc as tf.KernelFunc };
}
