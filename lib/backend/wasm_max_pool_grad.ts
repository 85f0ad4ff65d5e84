/**
 * `MaxPoolGrad` for the wasm backend.
 *
 * The stock wasm kernel routes the gradient of a window whose values are all negative
 * to the window's first cell instead of its maximum (the gradient of `maxPool` on a
 * window `[-0.22, -0.21, -0.65, -0.58]` lands on `-0.22`). This replacement follows the
 * cpu backend: the gradient goes to the first cell holding the window maximum, padding
 * cells never win. It reads and writes the wasm heap directly.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { UnsupportedKernelAttributeError } from "./errors.ts";
import { type KernelArgs, requireInput, WASM, type WasmBackendLike } from "./wasm_kernel_util.ts";

const NAME = tf.MaxPoolGrad;

/** Computes the input gradient of a 2-D NHWC max pooling on the wasm backend. */
export function maxPoolGradWasm(
  args: KernelArgs,
): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const dy = requireInput(args.inputs, "dy", NAME);
  const input = requireInput(args.inputs, "input", NAME);
  const attrs = (args.attrs ?? {}) as unknown as tf.MaxPoolGradAttrs;
  if (input.dtype !== "float32" || dy.dtype !== "float32") {
    throw new UnsupportedKernelAttributeError(NAME, "dtype", "float32 for input and dy", [
      input.dtype,
      dy.dtype,
    ]);
  }
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const out = backend.makeOutput(input.shape.slice(), "float32");
  // Views are taken after the allocation above: allocating may move the heap.
  const x = backend.typedArrayFromHeap(input) as Float32Array;
  const g = backend.typedArrayFromHeap(dy) as Float32Array;
  const dx = backend.typedArrayFromHeap(out) as Float32Array;
  dx.fill(0);
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth } = info;
  const { strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const { effectiveFilterHeight, effectiveFilterWidth } = info;
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;
  for (let b = 0; b < batchSize; b++) {
    const xBatch = b * inHeight * inWidth * inChannels;
    const yBatch = b * outHeight * outWidth * inChannels;
    for (let yR = 0; yR < outHeight; yR++) {
      const rCorner = yR * strideHeight - padTop;
      let rMin = rCorner;
      while (rMin < 0) rMin += dilationHeight;
      const rMax = Math.min(inHeight, effectiveFilterHeight + rCorner);
      for (let yC = 0; yC < outWidth; yC++) {
        const cCorner = yC * strideWidth - padLeft;
        let cMin = cCorner;
        while (cMin < 0) cMin += dilationWidth;
        const cMax = Math.min(inWidth, effectiveFilterWidth + cCorner);
        const yBase = yBatch + (yR * outWidth + yC) * inChannels;
        for (let d = 0; d < inChannels; d++) {
          let best = Number.NEGATIVE_INFINITY;
          let bestAt = -1;
          for (let r = rMin; r < rMax; r += dilationHeight) {
            const rowBase = xBatch + r * inWidth * inChannels + d;
            for (let c = cMin; c < cMax; c += dilationWidth) {
              const at = rowBase + c * inChannels;
              if (x[at] > best) {
                best = x[at];
                bestAt = at;
              }
            }
          }
          if (bestAt >= 0) dx[bestAt] += g[yBase + d];
        }
      }
    }
  }
  return out;
}

/** Kernel config registering {@link maxPoolGradWasm} for the wasm backend. */
export const maxPoolGradWasmConfig: tf.KernelConfig = {
  kernelName: NAME,
  backendName: WASM,
  kernelFunc: maxPoolGradWasm,
};
