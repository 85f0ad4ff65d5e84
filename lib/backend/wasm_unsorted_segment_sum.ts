/**
 * `UnsortedSegmentSum` for the wasm backend, which ships without it. The gradient of
 * `tf.gather` needs it. Segment ids outside `[0, numSegments)` are dropped, as on the
 * cpu backend. It reads and writes the wasm heap directly.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { KernelInputError, UnsupportedKernelAttributeError } from "./errors.ts";
import { type KernelArgs, requireInput, WASM, type WasmBackendLike } from "./wasm_kernel_util.ts";

const NAME = tf.UnsortedSegmentSum;

/** Sums the rows of `x` that share a segment id into `numSegments` output rows. */
export function unsortedSegmentSumWasm(
  args: KernelArgs,
): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const x = requireInput(args.inputs, "x", NAME);
  const segmentIds = requireInput(args.inputs, "segmentIds", NAME);
  const numSegments = (args.attrs as unknown as tf.UnsortedSegmentSumAttrs).numSegments;
  if (x.dtype !== "float32" && x.dtype !== "int32") {
    throw new UnsupportedKernelAttributeError(NAME, "dtype", "float32 or int32", x.dtype);
  }
  if (segmentIds.dtype !== "int32") {
    throw new UnsupportedKernelAttributeError(NAME, "segmentIds.dtype", "int32", segmentIds.dtype);
  }
  const idRank = segmentIds.shape.length;
  for (let i = 0; i < idRank; i++) {
    if (segmentIds.shape[i] !== x.shape[i]) {
      throw new KernelInputError(
        NAME,
        `segmentIds shape [${segmentIds.shape}] must be a ` +
          `prefix of x shape [${x.shape}]`,
      );
    }
  }
  const inner = x.shape.slice(idRank).reduce((p, n) => p * n, 1);
  const out = backend.makeOutput([numSegments, ...x.shape.slice(idRank)], x.dtype);
  // Views are taken after the allocation above: allocating may move the heap.
  const xs = backend.typedArrayFromHeap(x);
  const ids = backend.typedArrayFromHeap(segmentIds);
  const ys = backend.typedArrayFromHeap(out);
  ys.fill(0);
  for (let i = 0; i < ids.length; i++) {
    const s = ids[i];
    if (s < 0 || s >= numSegments) continue;
    const src = i * inner;
    const dst = s * inner;
    for (let k = 0; k < inner; k++) ys[dst + k] += xs[src + k];
  }
  return out;
}

/** Kernel config registering {@link unsortedSegmentSumWasm} for the wasm backend. */
export const unsortedSegmentSumWasmConfig: tf.KernelConfig = {
  kernelName: NAME,
  backendName: WASM,
  kernelFunc: unsortedSegmentSumWasm,
};
