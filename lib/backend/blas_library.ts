/**
 * An optional native BLAS (OpenBLAS or any library with the CBLAS interface) loaded
 * through Deno's foreign function interface, for the wasm kernels in `blas_*.ts`.
 *
 * Where the library comes from: the `RNNX_BLAS` environment variable (a path or a
 * library name; `off` disables BLAS), else the first of {@link BLAS_CANDIDATES} that
 * loads and exports `cblas_sgemm`. Without a library, without the `--allow-ffi`
 * permission or with `RNNX_BLAS=off` nothing is loaded and the pure wasm kernels stay.
 * `RNNX_BLAS_THREADS` sets OpenBLAS's thread count (default 1: the products of these
 * models are small, so a second thread gains at most 11–19 % (the Conv⁺ cells) where a
 * second worker process gains 1.6–1.8×; OpenBLAS's results also depend on the count).
 *
 * The matrices live on the WebAssembly heap of the wasm backend; the library reads and
 * writes them in place through their addresses (see {@link heapAddress}), so nothing is
 * copied.
 *
 * @module
 */
import type { WasmHeap } from "./wasm_kernel_util.ts";

/** The environment variable naming the BLAS library (`off` disables it). */
export const BLAS_ENV = "RNNX_BLAS";

/** The environment variable with OpenBLAS's thread count. */
export const BLAS_THREADS_ENV = "RNNX_BLAS_THREADS";

/** Library names tried in order when {@link BLAS_ENV} is unset. */
export const BLAS_CANDIDATES: readonly string[] = [
  "libopenblas.so.0",
  "libopenblas.so",
  "libblas.so.3",
  "libcblas.so.3",
  "libopenblas.dylib",
  "/opt/homebrew/opt/openblas/lib/libopenblas.dylib",
  "/usr/local/opt/openblas/lib/libopenblas.dylib",
];

/** CBLAS enumeration values. */
export const CBLAS = { rowMajor: 101, noTrans: 111, trans: 112 } as const;

const SGEMM = {
  // order, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc
  parameters: [
    "i32",
    "i32",
    "i32",
    "i32",
    "i32",
    "i32",
    "f32",
    "usize",
    "i32",
    "usize",
    "i32",
    "f32",
    "usize",
    "i32",
  ],
  result: "void",
} as const;

const OPTIONAL = {
  openblas_get_corename: { parameters: [], result: "pointer", optional: true },
  openblas_set_num_threads: { parameters: ["i32"], result: "void", optional: true },
  openblas_get_num_threads: { parameters: [], result: "i32", optional: true },
  openblas_get_config: { parameters: [], result: "pointer", optional: true },
} as const;

/**
 * Row-major single-precision matrix product `C = alpha·op(A)·op(B) + beta·C` on raw
 * addresses (bytes): A is M×K (K×M when `transA`), B is K×N (N×K when `transB`).
 */
export type Sgemm = (
  transA: boolean,
  transB: boolean,
  M: number,
  N: number,
  K: number,
  alpha: number,
  a: number,
  lda: number,
  b: number,
  ldb: number,
  beta: number,
  c: number,
  ldc: number,
) => void;

/** A loaded BLAS library. */
export interface BlasLibrary {
  /** The name or path it was loaded from. */
  readonly path: string;
  /** A short description, e.g. "OpenBLAS 0.3.21 (libopenblas.so.0, 1 thread, SkylakeX kernels)". */
  readonly description: string;
  /** Threads the library uses (1 when it cannot be told). */
  readonly threads: number;
  /** The matrix product. */
  readonly sgemm: Sgemm;
}

/** What {@link loadBlas} found: the library, or why there is none. */
export type BlasLoadResult = NativeLoadResult<BlasLibrary>;

/** An environment variable's trimmed value; undefined when unset, empty or not readable. */
function readEnv(name: string): string | undefined {
  try {
    const value = Deno.env.get(name);
    return value === undefined || value.trim() === "" ? undefined : value.trim();
  } catch {
    return undefined;
  }
}

/**
 * A thread count from the environment variable `name`; unset: `fallback()`, else
 * OpenBLAS's (`RNNX_BLAS_THREADS`, default 1).
 *
 * @throws RangeError when a variable read is not a positive integer.
 */
export function threadCount(
  name: string = BLAS_THREADS_ENV,
  fallback: () => number = () => name === BLAS_THREADS_ENV ? 1 : threadCount(),
): number {
  const raw = readEnv(name);
  if (raw === undefined) return fallback();
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`${name} must be a positive integer, found "${raw}"`);
  }
  return n;
}

/** OpenBLAS's variable naming the kernels it runs, read once, when the library loads. */
export const OPENBLAS_CORETYPE = "OPENBLAS_CORETYPE";

/**
 * The environment variable naming the OpenBLAS kernels this project loads (an OpenBLAS
 * core name such as `SkylakeX` or `Haswell`; `auto`: the library's own choice, which
 * honours {@link OPENBLAS_CORETYPE}); see {@link openblasCoreType} for the default.
 */
export const BLAS_CORETYPE_ENV = "RNNX_BLAS_CORETYPE";

/** The AVX-512 subsets OpenBLAS's `SkylakeX` kernels need. */
const AVX512_FLAGS = ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"];

/** The CPU's feature flags (Linux `/proc/cpuinfo`; empty where it cannot be read). */
export function cpuFlags(): ReadonlySet<string> {
  try {
    const line = Deno.readTextFileSync("/proc/cpuinfo").match(/^flags\s*:(.*)$/m)?.[1] ?? "";
    return new Set(line.trim().split(/\s+/));
  } catch {
    return new Set();
  }
}

/**
 * The OpenBLAS kernels to load ({@link OPENBLAS_CORETYPE} while the library loads), or
 * undefined for the library's own choice: {@link BLAS_CORETYPE_ENV} when set (`auto`:
 * undefined), else `SkylakeX` on a CPU with AVX-512 (F, CD, BW, DQ, VL), else undefined.
 * Two things keep a plain OpenBLAS off its AVX-512 kernels on such machines: OpenBLAS
 * 0.3.21 (Debian 12) does not know AMD's Zen 4 and 5 and runs its AVX2 `Haswell` kernels
 * there, and machine images set `OPENBLAS_CORETYPE=Haswell` to keep a fleet uniform.
 * On an AMD EPYC with AVX-512 (one core, the other busy) `SkylakeX` took sgemm from 96
 * to 180 GFLOP/s at 1024³, and from 77 to 125 GFLOP/s on Deep's 50 × 448 × 128 product.
 * The kernels that ran are part of the backend's description, hence of every manifest.
 *
 * @example
 * ```ts
 * import { openblasCoreType } from "./blas_library.ts";
 * const avx512 = new Set(["avx2", "avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]);
 * openblasCoreType(avx512, undefined); // "SkylakeX"
 * openblasCoreType(new Set(["avx2"]), undefined); // undefined: OpenBLAS decides
 * openblasCoreType(avx512, "Haswell"); // "Haswell"
 * openblasCoreType(avx512, "auto"); // undefined
 * ```
 */
export function openblasCoreType(
  flags: ReadonlySet<string> = cpuFlags(),
  requested: string | undefined = readEnv(BLAS_CORETYPE_ENV),
): string | undefined {
  if (requested !== undefined) return requested.toLowerCase() === "auto" ? undefined : requested;
  return AVX512_FLAGS.every((f) => flags.has(f)) ? "SkylakeX" : undefined;
}

/**
 * Runs `load` (a `Deno.dlopen`) with `vars` set in the environment, for libraries that
 * read settings from it once, when they load; the environment that child processes
 * inherit is left as it was. Without `--allow-env` `load` runs with the environment as is.
 */
export function withLoadEnvironment<T>(
  vars: Readonly<Record<string, string | undefined>>,
  load: () => T,
): T {
  const restore: [string, string | undefined][] = [];
  try {
    for (const [name, value] of Object.entries(vars)) {
      if (value === undefined) continue;
      restore.push([name, Deno.env.get(name)]);
      Deno.env.set(name, value);
    }
  } catch {
    // without --allow-env the libraries keep their own defaults
  }
  try {
    return load();
  } finally {
    for (const [name, before] of restore.reverse()) {
      before === undefined ? Deno.env.delete(name) : Deno.env.set(name, before);
    }
  }
}

function open(path: string, threads: number): BlasLibrary {
  const lib = withLoadEnvironment(
    { [OPENBLAS_CORETYPE]: openblasCoreType() },
    () => Deno.dlopen(path, { cblas_sgemm: SGEMM, ...OPTIONAL }),
  );
  const s = lib.symbols;
  if (s.openblas_set_num_threads) s.openblas_set_num_threads(threads);
  const used = s.openblas_get_num_threads ? s.openblas_get_num_threads() : 1;
  let name = "BLAS";
  const config = s.openblas_get_config ? s.openblas_get_config() : null;
  if (config !== null) {
    const text = new Deno.UnsafePointerView(config).getCString();
    name = text.match(/^OpenBLAS \S+/)?.[0] ?? "OpenBLAS";
  }
  const raw = s.cblas_sgemm;
  const { rowMajor, noTrans, trans } = CBLAS;
  const sgemm: Sgemm = (ta, tb, M, N, K, alpha, a, lda, b, ldb, beta, c, ldc) =>
    raw(
      rowMajor,
      ta ? trans : noTrans,
      tb ? trans : noTrans,
      M,
      N,
      K,
      alpha,
      BigInt(a),
      lda,
      BigInt(b),
      ldb,
      beta,
      BigInt(c),
      ldc,
    );
  const core = s.openblas_get_corename ? s.openblas_get_corename() : null;
  const kernels = core === null ? "" : `, ${new Deno.UnsafePointerView(core).getCString()} kernels`;
  const base = path.split("/").at(-1);
  return {
    path,
    description: `${name} (${base}, ${used} thread${used === 1 ? "" : "s"}${kernels})`,
    threads: used,
    sgemm,
  };
}

/**
 * Loads the BLAS library (see the module description for where it is looked for).
 * Never throws for a missing library or permission: the result says why there is none.
 *
 * @throws RangeError when `RNNX_BLAS_THREADS` is not a positive integer.
 */
export function loadBlas(): BlasLoadResult {
  return loadNative(BLAS_ENV, BLAS_CANDIDATES, open, "no BLAS library with cblas_sgemm found");
}

/** A native library, or why there is none. */
export type NativeLoadResult<L> =
  | { readonly ok: true; readonly library: L }
  | { readonly ok: false; readonly reason: string };

/**
 * Opens the library named by the environment variable `env` (`off`: none), else the
 * first of `candidates` that `open` accepts, with `threads()` threads; a missing
 * permission ends the search.
 *
 * @throws RangeError when the thread count's variable is not a positive integer.
 */
export function loadNative<L>(
  env: string,
  candidates: readonly string[],
  open: (path: string, threads: number) => L,
  notFound: string,
  threadsOf: () => number = () => threadCount(),
): NativeLoadResult<L> {
  const requested = readEnv(env);
  if (requested?.toLowerCase() === "off") return { ok: false, reason: `disabled by ${env}=off` };
  const threads = threadsOf();
  const failures: string[] = [];
  for (const path of requested === undefined ? candidates : [requested]) {
    try {
      return { ok: true, library: open(path, threads) };
    } catch (error) {
      const text = (error instanceof Error ? error.message : String(error)).split("\n")[0];
      failures.push(`${path}: ${text}`);
      if (
        error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied
      ) {
        return { ok: false, reason: `no --allow-ffi permission (${text})` };
      }
    }
  }
  return { ok: false, reason: `${notFound} (${failures.join("; ")})` };
}

let cachedBuffer: ArrayBufferLike | undefined;
let cachedBase = 0;

/**
 * The native address of the wasm heap's first byte. It changes when the heap grows, so
 * take it after the last allocation of a kernel and before the library call.
 */
export function heapAddress(backend: WasmHeap): number {
  const heap = backend.wasm.HEAPU8;
  if (heap.buffer !== cachedBuffer) {
    const pointer = Deno.UnsafePointer.of(heap);
    const value = Deno.UnsafePointer.value(pointer);
    cachedBase = Number(value);
    cachedBuffer = heap.buffer;
  }
  return cachedBase;
}
