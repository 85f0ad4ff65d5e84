/**
 * 2-D convolutions (NHWC) for the wasm backend computed by oneDNN
 * (`dnnl_library.ts`) in place on the wasm heap: `Conv2D`, `FusedConv2D` (with a
 * per-channel bias; the activation runs after, on the backend's own kernel),
 * `Conv2DBackpropInput` and `Conv2DBackpropFilter`. oneDNN's direct convolutions
 * keep the filter taps in registers instead of laying out patch matrices, which
 * is 3–4 times faster than the BLAS kernels on the Conv⁺ cells' 5 × 5 × 25
 * convolutions. Dilated and pointwise convolutions, the input gradient of a single
 * input channel, other dtypes and layouts fall back to the kernel registered before
 * (the BLAS one).
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import { applyActivation, biasLayout, supportsActivation } from "./blas_matmul.ts";
import { type ConvAttrs, convInfo, geometry, isNhwc, isPointwise } from "./blas_conv2d.ts";
import type { ConvGeometry, DnnlLibrary } from "./dnnl_library.ts";
import { address, orFallback } from "./dnnl_kernel.ts";

/**
 * The oneDNN geometry of a float32 NHWC convolution of `xShape` with
 * `filterShape`, or null when the kernel before runs it (dilation, a pointwise
 * 1 × 1 stride-1 product, which the BLAS kernel computes as one matrix product,
 * or an empty output).
 */
export function dnnlGeometry(
  xShape: readonly number[],
  filterShape: readonly number[],
  attrs: ConvAttrs,
  bias: boolean,
): ConvGeometry | null {
  if (!isNhwc(attrs) || xShape.length !== 4 || filterShape.length !== 4) return null;
  const g = geometry(convInfo(xShape, filterShape, attrs));
  if (g.dh !== 1 || g.dw !== 1 || g.rows * g.O === 0 || isPointwise(g)) return null;
  return { ...g, bias };
}

const float32 = (...ts: (tf.TensorInfo | undefined)[]) =>
  ts.every((t) => t != null && t.dtype === "float32");

/** A `Conv2D` kernel config for the wasm backend that runs on oneDNN. */
export function dnnlConv2D(dnnl: DnnlLibrary, fallback: tf.KernelConfig): tf.KernelConfig {
  return orFallback(fallback, (args, backend) => {
    const { x, filter } = args.inputs;
    const attrs = (args.attrs ?? {}) as unknown as ConvAttrs;
    const g = float32(x, filter) ? dnnlGeometry(x!.shape, filter!.shape, attrs, false) : null;
    if (g === null) return null;
    const out = backend.makeOutput([g.B, g.OH, g.OW, g.O], "float32");
    const conv = dnnl.convolution(g);
    conv.forward(address(backend, x!), address(backend, filter!), 0, address(backend, out));
    return out;
  });
}

/** A `FusedConv2D` kernel config for the wasm backend that runs on oneDNN. */
export function dnnlFusedConv2D(dnnl: DnnlLibrary, fallback: tf.KernelConfig): tf.KernelConfig {
  return orFallback(fallback, (args, backend) => {
    const { x, filter, bias, preluActivationWeights } = args.inputs;
    const attrs = (args.attrs ?? {}) as unknown as ConvAttrs;
    if (
      !float32(x, filter) || (bias != null && bias.dtype !== "float32") ||
      preluActivationWeights != null || !supportsActivation(attrs.activation)
    ) {
      return null;
    }
    const g = dnnlGeometry(x!.shape, filter!.shape, attrs, bias != null);
    if (g === null) return null;
    // oneDNN adds a bias per output channel; others (scalar, per element) go to the kernel before
    if (bias != null && biasLayout(bias.shape, [g.B, g.OH, g.OW, g.O]) !== "column") {
      return null;
    }
    const out = backend.makeOutput([g.B, g.OH, g.OW, g.O], "float32");
    dnnl.convolution(g).forward(
      address(backend, x!),
      address(backend, filter!),
      bias == null ? 0 : address(backend, bias),
      address(backend, out),
    );
    return applyActivation(backend, out, attrs.activation ?? "linear", attrs.leakyreluAlpha ?? 0.2);
  });
}

/** The geometry of a backward pass whose `dy` has the forward output's shape, or null. */
function backwardGeometry(
  inputShape: readonly number[] | undefined,
  filterShape: readonly number[] | undefined,
  dy: tf.TensorInfo,
  attrs: ConvAttrs,
): ConvGeometry | null {
  if (inputShape === undefined || filterShape === undefined) return null;
  const g = dnnlGeometry(inputShape, filterShape, attrs, false);
  if (g === null) return null;
  const expected = [g.B, g.OH, g.OW, g.O];
  return dy.shape.every((d, i) => d === expected[i]) && dy.shape.length === 4 ? g : null;
}

/**
 * Fewest input channels whose input gradient oneDNN computes: with one channel (the
 * first layer of the conv cells, whose input gradient only explanations need) the
 * BLAS kernel's product dy·Wᵀ and gather is twice as fast (ConvDeep's first layer,
 * `dy` of 136 × 28 × 7 × 24: 1.3–1.5 against 2.8 ms).
 */
export const MIN_DNNL_INPUT_GRADIENT_CHANNELS = 2;

/** A `Conv2DBackpropInput` kernel config for the wasm backend that runs on oneDNN. */
export function dnnlConv2DBackpropInput(
  dnnl: DnnlLibrary,
  fallback: tf.KernelConfig,
): tf.KernelConfig {
  return orFallback(fallback, (args, backend) => {
    const attrs = (args.attrs ?? {}) as unknown as ConvAttrs & { inputShape: number[] };
    const { filter, dy } = args.inputs;
    const g = float32(filter, dy)
      ? backwardGeometry(attrs.inputShape, filter!.shape, dy!, attrs)
      : null;
    if (g === null || g.C < MIN_DNNL_INPUT_GRADIENT_CHANNELS) return null;
    const out = backend.makeOutput(attrs.inputShape.slice(), "float32");
    dnnl.convolution(g).backwardData(
      address(backend, dy!),
      address(backend, filter!),
      address(backend, out),
    );
    return out;
  });
}

/** A `Conv2DBackpropFilter` kernel config for the wasm backend that runs on oneDNN. */
export function dnnlConv2DBackpropFilter(
  dnnl: DnnlLibrary,
  fallback: tf.KernelConfig,
): tf.KernelConfig {
  return orFallback(fallback, (args, backend) => {
    const attrs = (args.attrs ?? {}) as unknown as ConvAttrs & { filterShape: number[] };
    const { x, dy } = args.inputs;
    const g = float32(x, dy) ? backwardGeometry(x!.shape, attrs.filterShape, dy!, attrs) : null;
    if (g === null) return null;
    const out = backend.makeOutput(attrs.filterShape.slice(), "float32");
    dnnl.convolution(g).backwardWeights(
      address(backend, x!),
      address(backend, dy!),
      address(backend, out),
    );
    return out;
  });
}
