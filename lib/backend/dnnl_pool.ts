/**
 * Average pooling (NHWC, float32) for the wasm backend computed by oneDNN
 * (`dnnl_library.ts`) in place on the wasm heap: `AvgPool` (the mean of the cells of
 * each window inside the input) and `AvgPoolGrad` (dy / (kh·kw) of every window added
 * onto each of its cells inside the input), with tfjs's semantics for both. On a
 * ConvDeep training step's pooling of `[600, 28, 7, 24]` oneDNN took 1.35 ms forward
 * and 0.8 ms for the gradient against 2.35 and 2.7 ms on the wasm kernels (one
 * profile each, the other core busy), and whole ConvDeep steps ran 17–21 % faster,
 * Conv⁺Deep 8–20 % (A/B twice). Other dtypes, dilations and empty tensors fall back
 * to the kernel registered before.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { geometry } from "./blas_conv2d.ts";
import { address, orFallback } from "./dnnl_kernel.ts";
import type { DnnlLibrary, PoolGeometry } from "./dnnl_library.ts";

/** tfjs's `AvgPool` attributes (`AvgPoolGrad` has the same, without the rounding mode). */
type PoolAttrs = tf.AvgPoolAttrs;

/**
 * The oneDNN geometry of an average pooling of `xShape` (NHWC) with `attrs`, or null
 * when the kernel before runs it (a dilation, an empty input or output).
 *
 * @example
 * ```ts
 * import { poolGeometry } from "./dnnl_pool.ts";
 * const g = poolGeometry([2, 5, 4, 3], { filterSize: 2, strides: 2, pad: "same" });
 * [g!.OH, g!.OW, g!.bottom]; // [3, 2, 1]
 * ```
 */
export function poolGeometry(
  xShape: readonly number[],
  attrs: Pick<PoolAttrs, "filterSize" | "strides" | "pad" | "dimRoundingMode">,
): PoolGeometry | null {
  if (xShape.length !== 4) return null;
  const info = tf.backend_util.computePool2DInfo(
    xShape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const { O: _O, dh, dw, rows: _rows, K: _K, ...g } = geometry(info);
  if (dh !== 1 || dw !== 1) return null;
  return g.B * g.H * g.W * g.C * g.OH * g.OW === 0 ? null : g;
}

/** An `AvgPool` kernel config for the wasm backend that runs on oneDNN. */
export function dnnlAvgPool(dnnl: DnnlLibrary, fallback: tf.KernelConfig): tf.KernelConfig {
  return orFallback(fallback, (args, backend) => {
    const x = args.inputs.x;
    const g = x?.dtype === "float32"
      ? poolGeometry(x.shape, args.attrs as unknown as PoolAttrs)
      : null;
    if (g === null) return null;
    const out = backend.makeOutput([g.B, g.OH, g.OW, g.C], "float32");
    dnnl.averagePool(g).forward(address(backend, x!), address(backend, out));
    return out;
  });
}

/** An `AvgPoolGrad` kernel config for the wasm backend that runs on oneDNN. */
export function dnnlAvgPoolGrad(dnnl: DnnlLibrary, fallback: tf.KernelConfig): tf.KernelConfig {
  return orFallback(fallback, (args, backend) => {
    const { dy, input } = args.inputs;
    const g = dy?.dtype === "float32" && input
      ? poolGeometry(input.shape, args.attrs as unknown as PoolAttrs)
      : null;
    const expected = g && [g.B, g.OH, g.OW, g.C];
    if (g === null || !dy!.shape.every((d, i) => d === expected![i])) return null;
    const out = backend.makeOutput(input!.shape.slice(), "float32");
    dnnl.averagePool(g).backward(address(backend, dy!), address(backend, out));
    return out;
  });
}
