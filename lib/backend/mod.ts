/**
 * The TensorFlow.js layer of the project: the `tf` namespace every other module imports,
 * backend selection, and the kernel fixes registered for the wasm backend.
 *
 * @example
 * ```ts
 * import { initBackend, tf } from "./mod.ts";
 * await initBackend();
 * const y = tf.tidy(() => tf.matMul(tf.ones([2, 3]), tf.ones([3, 4])));
 * ```
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** The `@tensorflow/tfjs` namespace; import it from here so one tfjs instance is used. */
export { tf };

export {
  BACKEND_ENV,
  BACKEND_NAMES,
  type BackendInfo,
  backendInfo,
  type BackendName,
  initBackend,
  type InitBackendOptions,
  isBackendName,
} from "./choose.ts";
export {
  BackendConflictError,
  BackendLoadError,
  BackendNotInitializedError,
  KernelInputError,
  MissingKernelError,
  UnknownBackendError,
  UnsupportedKernelAttributeError,
} from "./errors.ts";
export { ADAM_UPDATE, adamStep, type AdamUpdateAttrs } from "./wasm_adam.ts";
export {
  GUARDED_QUOTIENT,
  type GuardedQuotientAttrs,
  guardedQuotientValues,
} from "./wasm_guarded_quotient.ts";
export { RESIDUAL_SUM, RESIDUAL_SUM_GROUPS, residualSumValues } from "./wasm_residual_sum.ts";
export {
  exportsOn,
  F64,
  I32,
  op,
  updateLocal,
  V128,
  type WasmFunction,
  wasmModule,
  whileBelow,
} from "./wasm_assembler.ts";
export { type KernelFix, registerWasmKernels, wasmKernelFixes } from "./wasm_kernels.ts";
export { replaceKernels } from "./replace_kernels.ts";
export {
  type KernelRecording,
  type RecordedCall,
  type RecordedSlot,
  recordKernels,
  type SlotOrigin,
  type TensorValues,
} from "./kernel_recording.ts";
export { KernelProgram, type ProgramSlots } from "./kernel_program.ts";
export { sameShape } from "./same_shape.ts";
export { runFusedKernel } from "./fused_kernel.ts";
export { shareSavedTensors } from "./saved_tensors.ts";
export { uniformEngineWalks } from "./uniform_walks.ts";
export {
  BLAS_CANDIDATES,
  BLAS_CORETYPE_ENV,
  BLAS_ENV,
  BLAS_THREADS_ENV,
  type BlasLibrary,
  type BlasLoadResult,
  loadBlas,
  openblasCoreType,
} from "./blas_library.ts";
export { type BlasRegistration, blasRegistration, registerBlasKernels } from "./blas_kernels.ts";
