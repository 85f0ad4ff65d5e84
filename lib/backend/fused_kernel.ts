/**
 * The project's own kernels (the Adam update, the rules' guarded quotient and residual
 * sums) take inputs of one float32 shape. This module holds that condition, once, for
 * both sides: each kernel checks its inputs against it, and the relevance code that calls
 * the rules' two kernels uses it to choose between the one kernel and the same result
 * composed of tensor ops.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { sameShape } from "./same_shape.ts";

/** What {@link unlikeInput} reads of a tensor or tensor info. */
export interface DtypeAndShape {
  /** Element type. */
  readonly dtype: tf.DataType;
  /** Shape. */
  readonly shape: readonly number[];
}

/**
 * The index of the first of `inputs` that is not float32 of the first one's shape (any,
 * when `rows` and that shape has no axis), or -1 when every one is.
 *
 * @example
 * ```ts
 * import { unlikeInput } from "./fused_kernel.ts";
 * const a = { dtype: "float32" as const, shape: [2, 3] };
 * if (unlikeInput([a, a]) !== -1) throw new Error("one shape");
 * if (unlikeInput([a, { ...a, shape: [3, 2] }]) !== 1) throw new Error("two shapes");
 * if (unlikeInput([{ ...a, shape: [] }], true) !== 0) throw new Error("no rows");
 * ```
 */
export function unlikeInput(inputs: readonly DtypeAndShape[], rows = false): number {
  const shape = inputs[0]?.shape ?? [];
  return inputs.findIndex((t) =>
    t.dtype !== "float32" || !sameShape(t.shape, shape) || (rows && shape.length === 0)
  );
}

/**
 * Runs the single-output kernel `name` on `inputs` where the active backend registers
 * it and {@link unlikeInput} finds every input alike (rows first when `rows`); returns
 * null otherwise, for the caller to compose the same result from tensor ops.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { runFusedKernel } from "./fused_kernel.ts";
 * const x = tf.ones([2]);
 * // no backend registers this kernel: the caller computes the result itself
 * if (runFusedKernel("NoSuchKernel", { x }) !== null) throw new Error("ran");
 * ```
 */
export function runFusedKernel(
  name: string,
  inputs: tf.NamedTensorMap,
  attrs: Readonly<Record<string, number>> = {},
  rows = false,
): tf.Tensor | null {
  if (tf.getKernel(name, tf.getBackend()) == null) return null;
  if (unlikeInput(Object.values(inputs), rows) !== -1) return null;
  return tf.engine().runKernel(name, inputs, attrs) as tf.Tensor;
}
