/**
 * `Conv2DBackpropFilter` for the wasm backend, which ships without it, so that
 * convolution layers can be trained there.
 *
 * For stride 1 and dilation 1 the filter gradient is itself a convolution:
 * `dW[i, j, c, o] = sum_{b, h, w} xpad[b, h + i, w + j, c] * dy[b, h, w, o]`.
 * With the input transposed to `[c, H, W, B]` (padded inside the convolution exactly as
 * the forward pass was) and `dy` transposed to `[Ho, Wo, B, o]` as the filter, a VALID
 * convolution yields `[c, kh, kw, o]`, which is transposed to `[kh, kw, c, o]`.
 * Everything runs in wasm kernels (`Transpose`, `Conv2D`).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { KernelInputError, UnsupportedKernelAttributeError } from "./errors.ts";
import {
  callWasmKernel,
  type KernelArgs,
  pair,
  requireInput,
  Scratch,
  WASM,
  type WasmBackendLike,
} from "./wasm_kernel_util.ts";

const NAME = tf.Conv2DBackpropFilter;

/** Computes the filter gradient of a stride-1, NHWC `conv2d` on the wasm backend. */
export function conv2DBackpropFilterWasm(
  args: KernelArgs,
): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const x = requireInput(args.inputs, "x", NAME);
  const dy = requireInput(args.inputs, "dy", NAME);
  const attrs = (args.attrs ?? {}) as unknown as tf.Conv2DBackpropFilterAttrs;
  const dataFormat = attrs.dataFormat ?? "NHWC";
  if (dataFormat !== "NHWC") {
    throw new UnsupportedKernelAttributeError(NAME, "dataFormat", '"NHWC"', dataFormat);
  }
  const strides = pair(attrs.strides, 1);
  if (strides[0] !== 1 || strides[1] !== 1) {
    throw new UnsupportedKernelAttributeError(NAME, "strides", "1", attrs.strides);
  }
  if (x.dtype !== "float32" || dy.dtype !== "float32") {
    throw new UnsupportedKernelAttributeError(
      NAME,
      "dtype",
      "float32 for x and dy",
      [x.dtype, dy.dtype],
    );
  }
  const filterShape = attrs.filterShape;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    "channelsLast",
  );
  const [kh, kw, ci, co] = filterShape;
  const [batch, outH, outW, outC] = dy.shape;
  if (
    batch !== info.batchSize || outH !== info.outHeight || outW !== info.outWidth || outC !== co
  ) {
    throw new KernelInputError(
      NAME,
      `dy has shape [${dy.shape}], expected ` +
        `[${info.batchSize},${info.outHeight},${info.outWidth},${co}] for x [${x.shape}] ` +
        `and filter [${filterShape}]`,
    );
  }
  const { top, bottom, left, right } = info.padInfo;
  const scratch = new Scratch(backend);
  try {
    // [B, H, W, ci] -> [ci, H, W, B]: the batch becomes the channel axis that is summed.
    const xt = scratch.keep(callWasmKernel(tf.Transpose, backend, { x }, { perm: [3, 1, 2, 0] }));
    // [B, Ho, Wo, co] -> [Ho, Wo, B, co]: dy becomes the filter.
    const dyt = scratch.keep(
      callWasmKernel(tf.Transpose, backend, { x: dy }, { perm: [1, 2, 0, 3] }),
    );
    const grad = scratch.keep(callWasmKernel(tf.Conv2D, backend, { x: xt, filter: dyt }, {
      strides: [1, 1],
      pad: [[0, 0], [top, bottom], [left, right], [0, 0]],
      dataFormat: "NHWC",
      dilations: [1, 1],
    }));
    if (grad.shape[0] !== ci || grad.shape[1] !== kh || grad.shape[2] !== kw) {
      throw new KernelInputError(
        NAME,
        `intermediate shape [${grad.shape}] does not match ` +
          `filter [${filterShape}]`,
      );
    }
    // [ci, kh, kw, co] -> [kh, kw, ci, co]
    return callWasmKernel(tf.Transpose, backend, { x: grad }, { perm: [1, 2, 0, 3] });
  } finally {
    scratch.release();
  }
}

/** Kernel config registering {@link conv2DBackpropFilterWasm} for the wasm backend. */
export const conv2DBackpropFilterWasmConfig: tf.KernelConfig = {
  kernelName: NAME,
  backendName: WASM,
  kernelFunc: conv2DBackpropFilterWasm,
};
