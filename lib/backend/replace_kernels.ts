/**
 * Swapping registered kernels: the wasm and BLAS kernel fixes replace tfjs's kernels
 * this way, and the kernel profiler times every kernel and puts the originals back the
 * same way.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/**
 * Registers each of `configs` in place of the kernel registered under its name for its
 * backend (which must be registered).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { replaceKernels } from "./replace_kernels.ts";
 * await tf.setBackend("cpu");
 * const original = tf.getKernel("Neg", "cpu")!;
 * let calls = 0;
 * replaceKernels([{ ...original, kernelFunc: (args) => (calls++, original.kernelFunc(args)) }]);
 * tf.neg(tf.scalar(1)).dispose();
 * replaceKernels([original]);
 * if (calls !== 1) throw new Error(`${calls} calls`);
 * ```
 */
export function replaceKernels(configs: readonly tf.KernelConfig[]): void {
  for (const c of configs) {
    tf.unregisterKernel(c.kernelName, c.backendName);
    tf.registerKernel(c);
  }
}
