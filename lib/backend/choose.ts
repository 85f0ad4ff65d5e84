/**
 * Chooses and initialises the TensorFlow.js backend for the whole process.
 *
 * Order: the backend named by `opts.backend`, else by the `RNNX_BACKEND` environment
 * variable, else the first that loads of `tensorflow` (`@tensorflow/tfjs-node-gpu`, then
 * `@tensorflow/tfjs-node`), `wasm` (`@tensorflow/tfjs-backend-wasm`) and `cpu`.
 *
 * @example
 * ```ts
 * import { initBackend, tf } from "./mod.ts";
 * const info = await initBackend({ quiet: true });
 * console.log(info.name, tf.getBackend());
 * ```
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import {
  BackendConflictError,
  BackendLoadError,
  BackendNotInitializedError,
  UnknownBackendError,
} from "./errors.ts";
import { collectWarnings, silenceCpuBanner } from "./tfjs_warnings.ts";
import { registerBlasKernels } from "./blas_kernels.ts";
import { registerWasmKernels } from "./wasm_kernels.ts";
import { shareSavedTensors } from "./saved_tensors.ts";
import { uniformEngineWalks } from "./uniform_walks.ts";

/** The backend names `initBackend` accepts, in the order they are tried. */
export const BACKEND_NAMES = ["tensorflow", "wasm", "cpu"] as const;

/** A backend name accepted by {@link initBackend}. */
export type BackendName = typeof BACKEND_NAMES[number];

/** The environment variable that selects the backend. */
export const BACKEND_ENV = "RNNX_BACKEND";

/** What {@link initBackend} chose. */
export interface BackendInfo {
  /** The tfjs backend name. */
  readonly name: BackendName;
  /** The package and its mode, e.g. "tfjs-node-gpu" or "tfjs-backend-wasm (SIMD)". */
  readonly detail: string;
  /** The version of the `@tensorflow/tfjs` package. */
  readonly tfjsVersion: string;
  /** Kernels this project registered for the backend (wasm only), e.g. "BatchMatMul". */
  readonly kernelFixes: readonly string[];
  /**
   * The native BLAS the wasm kernels run on, e.g. "OpenBLAS 0.3.21 (libopenblas.so.0,
   * 1 thread)"; null or absent when there is none (other backends, no library,
   * `RNNX_BLAS=off`).
   */
  readonly blas?: string | null;
  /**
   * The oneDNN the wasm convolutions run on, e.g. "oneDNN 2.6.3 (libdnnl.so.2, 1
   * thread)"; null or absent when there is none (then the BLAS runs them).
   */
  readonly dnnl?: string | null;
}

/** Options of {@link initBackend}. */
export interface InitBackendOptions {
  /** The backend to use; overrides `RNNX_BACKEND`. */
  backend?: BackendName;
  /** Do not print the chosen backend. */
  quiet?: boolean;
}

// tfjs's cpu backend greets Node-like runtimes with a banner on first use; turn it off for
// every user of this module, whether or not initBackend runs.
silenceCpuBanner();

let pending: Promise<BackendInfo> | undefined;
let current: BackendInfo | undefined;
let announced = false;
let fallbackNote: string | undefined;

/** True when `name` is one of {@link BACKEND_NAMES}. */
export function isBackendName(name: string): name is BackendName {
  return (BACKEND_NAMES as readonly string[]).includes(name);
}

function readEnv(name: string): string | undefined {
  try {
    const value = Deno.env.get(name);
    return value === undefined || value.trim() === "" ? undefined : value.trim();
  } catch {
    return undefined; // no permission to read the environment: treat as unset
  }
}

/** The explicitly requested backend (options first, then environment), validated. */
function requested(opts: InitBackendOptions): BackendName | undefined {
  if (opts.backend !== undefined) {
    const name = String(opts.backend);
    if (!isBackendName(name)) {
      throw new UnknownBackendError(name, BACKEND_NAMES, "the backend option");
    }
    return name;
  }
  const fromEnv = readEnv(BACKEND_ENV);
  if (fromEnv === undefined) return undefined;
  if (!isBackendName(fromEnv)) {
    throw new UnknownBackendError(
      fromEnv,
      BACKEND_NAMES,
      `the ${BACKEND_ENV} environment variable`,
    );
  }
  return fromEnv;
}

function message(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n")[0];
}

function tfjsVersion(): string {
  return tf.version.tfjs ?? tf.version_core;
}

/** Sets `name` as the tfjs backend; throws BackendLoadError with tfjs's warnings on failure. */
async function activate(name: BackendName): Promise<void> {
  const run = await collectWarnings(async () => {
    const ok = await tf.setBackend(name);
    await tf.ready();
    return ok;
  });
  if (run.failed || run.value !== true || tf.getBackend() !== name) {
    const why = run.failed ? message(run.error) : run.warnings.join("; ") || "setBackend failed";
    throw new BackendLoadError(name, why, { cause: run.error });
  }
  for (const warning of run.warnings) console.warn(warning);
}

/** Loads tfjs-node-gpu or tfjs-node (native TensorFlow). */
async function loadTensorflow(): Promise<BackendInfo> {
  const candidates: [string, () => Promise<unknown>][] = [
    ["tfjs-node-gpu", () => import("@tensorflow/tfjs-node-gpu")],
    ["tfjs-node", () => import("@tensorflow/tfjs-node")],
  ];
  const failures: string[] = [];
  for (const [detail, load] of candidates) {
    const run = await collectWarnings(load);
    if (run.failed) {
      failures.push(`${detail}: ${message(run.error)}`);
      continue;
    }
    await activate("tensorflow");
    return { name: "tensorflow", detail, tfjsVersion: tfjsVersion(), kernelFixes: [], blas: null };
  }
  throw new BackendLoadError("tensorflow", failures.join("; "));
}

/** Loads tfjs-backend-wasm, registers the wasm kernel fixes and activates the backend. */
async function loadWasm(): Promise<BackendInfo> {
  const run = await collectWarnings(() => import("@tensorflow/tfjs-backend-wasm"));
  if (run.failed) throw new BackendLoadError("wasm", message(run.error), { cause: run.error });
  const fixes = registerWasmKernels();
  const blas = registerBlasKernels();
  // wasm tensor data is reference counted and never written in place
  shareSavedTensors(true);
  await activate("wasm");
  const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
  const threads = run.value?.getThreadsCount() ?? 1;
  const mode = [simd ? "SIMD" : "no SIMD", ...(threads > 1 ? [`${threads} threads`] : [])];
  const library = blas.library?.description ?? null;
  const dnnl = blas.dnnl?.description ?? null;
  const natives = [library, dnnl].filter((n) => n !== null).map((n) => ` + ${n}`).join("");
  return {
    name: "wasm",
    detail: `tfjs-backend-wasm (${mode.join(", ")})${natives}`,
    tfjsVersion: tfjsVersion(),
    kernelFixes: [...new Set([...fixes, ...blas.fixes].map((f) => f.kernel))],
    blas: library,
    dnnl,
  };
}

/** Activates the pure-JavaScript cpu backend. */
async function loadCpu(): Promise<BackendInfo> {
  await activate("cpu");
  return {
    name: "cpu",
    detail: "tfjs-backend-cpu (JavaScript)",
    tfjsVersion: tfjsVersion(),
    kernelFixes: [],
    blas: null,
  };
}

const LOADERS: Record<BackendName, () => Promise<BackendInfo>> = {
  tensorflow: loadTensorflow,
  wasm: loadWasm,
  cpu: loadCpu,
};

async function choose(request: BackendName | undefined): Promise<BackendInfo> {
  if (request !== undefined) return await LOADERS[request]();
  const skipped: string[] = [];
  for (const name of BACKEND_NAMES) {
    try {
      const info = await LOADERS[name]();
      // Native TensorFlow is optional and usually absent: only a wasm failure is worth a note.
      const notable = skipped.filter((s) => !s.startsWith("tensorflow"));
      if (notable.length > 0) fallbackNote = notable.join("; ");
      return info;
    } catch (error) {
      skipped.push(`${name}: ${message(error)}`);
    }
  }
  throw new BackendLoadError("any", `no backend could be loaded (${skipped.join("; ")})`);
}

/**
 * Chooses, loads and activates the tfjs backend (see the module description for the
 * order) and returns what was chosen. Registers the wasm kernel fixes when wasm is chosen,
 * and keeps the engine's container walks to one kind (`uniform_walks.ts`) on every backend.
 * Idempotent: later calls return the same info (a later call that names a different
 * backend throws BackendConflictError). Unless `quiet`, prints one line such as
 * "backend: wasm (tfjs 4.22.0, OpenBLAS 0.3.21 …)" to stderr, once per process.
 *
 * @throws UnknownBackendError when the requested name is not one of {@link BACKEND_NAMES}.
 * @throws BackendLoadError when an explicitly requested backend cannot be loaded.
 */
export async function initBackend(opts: InitBackendOptions = {}): Promise<BackendInfo> {
  const request = requested(opts);
  if (pending === undefined) {
    pending = choose(request).then((info) => {
      silenceCpuBanner();
      uniformEngineWalks(true);
      current = info;
      return info;
    }, (error) => {
      pending = undefined;
      throw error;
    });
  }
  const info = await pending;
  if (request !== undefined && request !== info.name) {
    throw new BackendConflictError(info.name, request);
  }
  if (!opts.quiet && !announced) {
    announced = true;
    if (fallbackNote !== undefined) console.error(`backend: skipped ${fallbackNote}`);
    console.error(
      `backend: ${info.name} (tfjs ${info.tfjsVersion}${info.blas ? `, ${info.blas}` : ""})`,
    );
  }
  return info;
}

/**
 * The backend chosen by {@link initBackend}, for run manifests.
 *
 * @throws BackendNotInitializedError before `initBackend` has completed.
 */
export function backendInfo(): BackendInfo {
  if (current === undefined) throw new BackendNotInitializedError();
  return current;
}
