/**
 * Kernel fixes for the tfjs wasm backend, registered once when that backend is chosen.
 *
 * | kernel | action | why |
 * | --- | --- | --- |
 * | `BatchMatMul`, `_FusedMatMul` | replaced | transposed products are 12-25x slower than plain ones |
 * | `Conv2DBackpropFilter` | added | missing from tfjs-backend-wasm, conv layers cannot train |
 * | `Conv2DBackpropInput` | replaced | the stock kernel is 3-15x slower than the same work as `Conv2D` |
 * | `UnsortedSegmentSum` | added | missing, needed by the gradient of `gather` |
 * | `MaxPoolGrad` | replaced | wrong gradient for windows whose values are all negative |
 * | `Slice` | replaced | non-contiguous slices are copied row by row, 10-20x slower than needed |
 * | `SplitV` | replaced | the stock kernel copies the whole input once per part |
 * | `Concat` | replaced | the stock kernel copies every row of every input through a subarray, 7x slower |
 * | `AvgPoolGrad` | replaced | the stock kernel is 5-8x slower than one pass over `dy` |
 * | `Identity`, `Cast` | replaced | the stock kernels copy; these share the data (same dtype) |
 * | `RnnxAdamUpdate` | added | one Adam step in one pass (float64 SIMD pairs) instead of twelve elementwise kernels |
 * | `RnnxGuardedQuotient` | added | the relevance rules' guarded quotient in one pass instead of seven elementwise kernels |
 * | `RnnxResidualSum` | added | what a layer's rule keeps, per row, in one pass instead of three to five kernels |
 *
 * The kernels are registered under the backend name "wasm" only; other backends keep
 * their own kernels.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { MissingKernelError } from "./errors.ts";
import { replaceKernels } from "./replace_kernels.ts";
import { MATMUL_KERNELS, physicalTransposeMatMul } from "./wasm_batch_mat_mul.ts";
import { conv2DBackpropFilterWasmConfig } from "./wasm_conv2d_backprop_filter.ts";
import { conv2DBackpropInputViaConv } from "./wasm_conv2d_backprop_input.ts";
import { adamUpdateWasmConfig } from "./wasm_adam.ts";
import { guardedQuotientWasmConfig } from "./wasm_guarded_quotient.ts";
import { residualSumWasmConfig } from "./wasm_residual_sum.ts";
import { avgPoolGradWasmConfig } from "./wasm_avg_pool_grad.ts";
import { identityWasmConfig, zeroCopyCast } from "./wasm_identity.ts";
import { maxPoolGradWasmConfig } from "./wasm_max_pool_grad.ts";
import { fastConcat, fastSlice, fastSplitV } from "./wasm_slice.ts";
import { unsortedSegmentSumWasmConfig } from "./wasm_unsorted_segment_sum.ts";
import { WASM } from "./wasm_kernel_util.ts";

/** One kernel registered for the wasm backend by {@link registerWasmKernels}. */
export interface KernelFix {
  /** The tfjs kernel name. */
  readonly kernel: string;
  /** "replaced" wraps or swaps a stock kernel, "added" fills a missing one. */
  readonly action: "replaced" | "added";
  /** Why the kernel is registered. */
  readonly reason: string;
}

let registered: readonly KernelFix[] | undefined;

/** Registers `config` in place of the stock kernel (for `reason`), or as the missing one. */
function replaceOrAdd(config: tf.KernelConfig, reason: string): KernelFix {
  if (tf.getKernel(config.kernelName, WASM) == null) {
    tf.registerKernel(config);
    return { kernel: config.kernelName, action: "added", reason: "missing on wasm" };
  }
  replaceKernels([config]);
  return { kernel: config.kernelName, action: "replaced", reason };
}

/**
 * Registers the wasm kernel fixes (see the module table) and returns what was registered.
 * Requires `@tensorflow/tfjs-backend-wasm` to be imported. Runs once per process; later
 * calls return the first result without registering anything again. A kernel listed as
 * "added" is left alone when the installed tfjs already provides it.
 */
export function registerWasmKernels(): readonly KernelFix[] {
  if (registered !== undefined) return registered;
  const fixes: KernelFix[] = [];
  for (const name of MATMUL_KERNELS) {
    const original = tf.getKernel(name, WASM);
    if (original == null) throw new MissingKernelError(name, WASM);
    replaceKernels([physicalTransposeMatMul(original)]);
    fixes.push({
      kernel: name,
      action: "replaced",
      reason: "transposes flagged operands physically (transposed products are slow on wasm)",
    });
  }
  const backpropInput = tf.getKernel(tf.Conv2DBackpropInput, WASM);
  if (backpropInput == null) throw new MissingKernelError(tf.Conv2DBackpropInput, WASM);
  replaceKernels([conv2DBackpropInputViaConv(backpropInput)]);
  fixes.push({
    kernel: tf.Conv2DBackpropInput,
    action: "replaced",
    reason: "stride-1 calls run as a forward Conv2D (the stock kernel is a slow direct loop)",
  });
  fixes.push(
    replaceOrAdd(
      maxPoolGradWasmConfig,
      "the stock kernel misroutes gradients of all-negative windows",
    ),
  );
  const slice = tf.getKernel(tf.Slice, WASM);
  const split = tf.getKernel(tf.SplitV, WASM);
  const concat = tf.getKernel(tf.Concat, WASM);
  if (slice == null || split == null || concat == null) {
    throw new MissingKernelError(
      slice == null ? tf.Slice : split == null ? tf.SplitV : tf.Concat,
      WASM,
    );
  }
  replaceKernels([fastSlice(slice), fastSplitV(split), fastConcat(concat)]);
  fixes.push({
    kernel: tf.Slice,
    action: "replaced",
    reason: "copies contiguous blocks (the stock kernel copies innermost rows one by one)",
  }, {
    kernel: tf.SplitV,
    action: "replaced",
    reason: "copies each part's columns row by row (the stock kernel copies the input per part)",
  }, {
    kernel: tf.Concat,
    action: "replaced",
    reason: "copies each input's columns row by row (the stock kernel makes a subarray per row)",
  });
  fixes.push(
    replaceOrAdd(
      avgPoolGradWasmConfig,
      "one pass over dy (the stock kernel is several times slower)",
    ),
  );
  const cast = tf.getKernel(tf.Cast, WASM);
  if (cast == null || tf.getKernel(tf.Identity, WASM) == null) {
    throw new MissingKernelError(cast == null ? tf.Cast : tf.Identity, WASM);
  }
  replaceKernels([identityWasmConfig, zeroCopyCast(cast)]);
  for (const kernel of [tf.Identity, tf.Cast]) {
    fixes.push({
      kernel,
      action: "replaced",
      reason: "shares the data instead of copying it (same dtype), as the cpu backend does",
    });
  }
  const missing: [tf.KernelConfig, string][] = [
    [conv2DBackpropFilterWasmConfig, "missing on wasm; conv layers need it to train"],
    [unsortedSegmentSumWasmConfig, "missing on wasm; the gradient of gather needs it"],
    [adamUpdateWasmConfig, "one Adam step per parameter in one pass (the optimiser's fast path)"],
    [guardedQuotientWasmConfig, "a rule's guarded quotient in one pass (the relevance fast path)"],
    [
      residualSumWasmConfig,
      "what a layer's rule keeps per row in one pass (the relevance fast path)",
    ],
  ];
  for (const [config, reason] of missing) {
    if (tf.getKernel(config.kernelName, WASM) != null) continue;
    tf.registerKernel(config);
    fixes.push({ kernel: config.kernelName, action: "added", reason });
  }
  registered = fixes;
  return registered;
}

/** The kernel fixes registered so far (empty before {@link registerWasmKernels} ran). */
export function wasmKernelFixes(): readonly KernelFix[] {
  return registered ?? [];
}
