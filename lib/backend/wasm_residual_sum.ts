/**
 * What a linear layer's rule keeps of its relevance, per row, as a single kernel for the
 * wasm backend: Σ_k (R_k − Σ_g s_gk·z_gk) over each row of R, in one pass over R and the
 * groups' quotients s_g and normalisers z_g, instead of the multiplications, additions,
 * subtraction and row sum (and their intermediate tensors) of the same formula written
 * with tensor ops (`relevance/linear.ts`).
 *
 * Every value goes through the same float32 operations in the same order as those
 * kernels, so the results have the same bits: per element the products s_g·z_g, added
 * group by group from the first, subtracted from R, and each row summed from +0 element
 * by element (as tfjs's `Sum` does). Four rows are summed side by side, each on its own,
 * and the rows left over after the last four through {@link residualSumValues}. One or
 * two groups (the conservative rules and LRP-αβ); the inputs are only read.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { exportsOn, F32, I32, op, type WasmFunction, whileBelow } from "./wasm_assembler.ts";
import {
  heapPass,
  type KernelArgs,
  requireFloat32Inputs,
  WASM,
  type WasmBackendLike,
} from "./wasm_kernel_util.ts";

/** The name the residual sum kernel is registered under. */
export const RESIDUAL_SUM = "RnnxResidualSum";

/** The most groups {@link RESIDUAL_SUM} takes (inputs s0, z0, …, s1, z1). */
export const RESIDUAL_SUM_GROUPS = 2;

const f = Math.fround;

/**
 * Writes Σ_k (r_k − Σ_g s_gk·z_gk) of each row of `r` (`out.length` rows of equal length)
 * into `out`, each operation rounded to float32 as the tensor ops round it.
 *
 * @example
 * ```ts
 * import { residualSumValues } from "./wasm_residual_sum.ts";
 * const out = new Float32Array(2);
 * // rows [3, 1] and [2, 2], one group s·z = [1, 1], [2, 0]
 * residualSumValues(
 *   Float32Array.of(3, 1, 2, 2), [[Float32Array.of(1, 1, 1, 0), Float32Array.of(1, 1, 2, 5)]], out,
 * );
 * if (out.join() !== "2,2") throw new Error(`${out}`);
 * ```
 */
export function residualSumValues(
  r: Float32Array,
  groups: readonly (readonly [s: Float32Array, z: Float32Array])[],
  out: Float32Array,
): void {
  const n = out.length === 0 ? 0 : r.length / out.length;
  for (let row = 0, k = 0; row < out.length; row++) {
    let sum = 0;
    for (const end = k + n; k < end; k++) {
      let passed = f(groups[0][0][k] * groups[0][1][k]);
      for (let g = 1; g < groups.length; g++) {
        passed = f(passed + f(groups[g][0][k] * groups[g][1][k]));
      }
      sum = f(sum + f(r[k] - passed));
    }
    out[row] = sum;
  }
}

/**
 * `sums(r, s0, z0, s1, z1, out, rows, n)`: {@link residualSumValues} of the first `rows`
 * rows (a multiple of 4) of length n at those byte offsets, four rows at a time, for
 * `groups` groups (s1 and z1 unused with one).
 */
function sumsFunction(groups: number): WasmFunction {
  const [r, s0, z0, s1, z1, out, rows, n] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [row, end, k, kEnd, base, stride] = [8, 9, 10, 11, 12, 13];
  const at = [14, 15, 16, 17];
  const sum = [18, 19, 20, 21];
  const load = (input: number, j: number) => [
    op.localGet(input),
    op.localGet(at[j]),
    op.i32Add,
    op.f32Load,
  ];
  const product = (j: number, s: number, z: number) => [...load(s, j), ...load(z, j), op.f32Mul];
  const passed = (j: number) =>
    groups === 1 ? product(j, s0, z0) : [...product(j, s0, z0), ...product(j, s1, z1), op.f32Add];
  const set = (local: number, value: number[][]) => [...value, op.localSet(local)];
  return {
    name: `sums${groups}`,
    params: [I32, I32, I32, I32, I32, I32, I32, I32],
    locals: [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, F32, F32, F32, F32],
    body: [
      ...set(end, [op.localGet(rows), op.i32Const(2), op.i32Shl]),
      ...set(stride, [op.localGet(n), op.i32Const(2), op.i32Shl]),
      ...set(kEnd, [op.localGet(stride)]),
      // `row` counts bytes of `out`, 4 a row: the row starts row·n bytes in
      ...whileBelow(row, end, 16, [
        ...set(base, [op.localGet(row), op.localGet(n), op.i32Mul]),
        ...sum.flatMap((local) => set(local, [op.f32Const(0)])),
        ...set(k, [op.i32Const(0)]),
        ...whileBelow(k, kEnd, 4, [
          ...set(at[0], [op.localGet(base), op.localGet(k), op.i32Add]),
          ...[1, 2, 3].flatMap((j) =>
            set(at[j], [op.localGet(at[j - 1]), op.localGet(stride), op.i32Add])
          ),
          // sum_j = sum_j + (r − passed), for the four rows side by side
          ...[0, 1, 2, 3].flatMap((j) =>
            set(sum[j], [
              op.localGet(sum[j]),
              ...load(r, j),
              ...passed(j),
              op.f32Sub,
              op.f32Add,
            ])
          ),
        ]),
        ...[0, 1, 2, 3].flatMap((j) => [
          op.localGet(out),
          op.localGet(row),
          op.i32Add,
          op.localGet(sum[j]),
          op.f32Store(4 * j),
        ]),
      ]),
    ],
  };
}

type Sums = (...offsets: number[]) => void;

/** The one- and two-group functions' exports on a memory, made at the first call. */
const sumsOn = exportsOn<Record<string, Sums>>(() => [sumsFunction(1), sumsFunction(2)]);

function residualSum(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as unknown as WasmBackendLike;
  const groups = args.inputs.s1 == null ? 1 : 2;
  const names = ["r", "s0", "z0", ...(groups === 2 ? ["s1", "z1"] : [])];
  const infos = requireFloat32Inputs(args.inputs, names, RESIDUAL_SUM, true);
  const shape = infos[0].shape;
  const rows = shape[0];
  const n = rows === 0 ? 0 : tf.util.sizeFromShape(shape) / rows;
  const out = backend.makeOutput([rows], "float32");
  heapPass(backend, rows, 4, (sided, at, memory) => {
    const [r, s0, z0, s1, z1] = infos.map(at);
    sumsOn(memory)[`sums${groups}`](r, s0, z0, s1 ?? 0, z1 ?? 0, at(out), sided, n);
  }, (sided, view) => {
    const [r, ...terms] = infos.map((x) => view(x, sided * n));
    const pairs = groups === 1
      ? [[terms[0], terms[1]] as const]
      : [[terms[0], terms[1]] as const, [terms[2], terms[3]] as const];
    residualSumValues(r, pairs, view(out, sided));
  });
  return out;
}

/** Kernel config of {@link RESIDUAL_SUM} (inputs r, s0, z0 and optionally s1, z1; output [rows]) for wasm. */
export const residualSumWasmConfig: tf.KernelConfig = {
  kernelName: RESIDUAL_SUM,
  backendName: WASM,
  kernelFunc: residualSum as tf.KernelFunc,
};
