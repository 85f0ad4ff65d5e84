/**
 * oneDNN (the library PyTorch runs its CPU convolutions on) loaded through
 * Deno's foreign function interface, for the convolution kernels in
 * `dnnl_conv2d.ts` and the average pooling kernels in `dnnl_pool.ts`.
 *
 * Where the library comes from: the `RNNX_DNNL` environment variable (a path or a
 * library name; `off` disables it), else `libdnnl.so.2` (Debian's `libdnnl2`, which
 * `python3-torch` pulls in). Only the oneDNN 2 C API is used (its descriptors are
 * plain structs the caller allocates; oneDNN 3 made them opaque). Without the
 * library, without `--allow-ffi`, or with another major version nothing is loaded and
 * the BLAS convolutions stay. oneDNN runs on `RNNX_DNNL_THREADS` threads (by default as
 * many as OpenBLAS runs, `RNNX_BLAS_THREADS`, default 1): this one and helper threads
 * (`dnnl_helpers.ts`) that take parts of each convolution pass, each on one OpenMP
 * thread, with the same bits whatever the count ({@link openDnnl}).
 *
 * A convolution is planned once per geometry (shapes, strides, padding): the forward,
 * input-gradient and filter-gradient primitives with the filter in the layout oneDNN
 * prefers, and the reorders between that layout and tfjs's `[kh, kw, cin, cout]`.
 * Each primitive is oneDNN's first choice of implementation, except the forward pass
 * of few input channels ({@link JIT_FORWARD_BELOW_CHANNELS}). Average poolings are
 * planned the same way (`dnnl_pool.ts`), in the same bounded cache.
 * The activations stay NHWC on the wasm heap; the library reads and writes them in
 * place through their addresses.
 *
 * @module
 */
import type { Geometry } from "./blas_conv2d.ts";
import {
  loadNative,
  type NativeLoadResult,
  threadCount,
  withLoadEnvironment,
} from "./blas_library.ts";
import { DnnlHelpers } from "./dnnl_helpers.ts";
import {
  type ConvolutionPart,
  type ConvolutionPass,
  partRanges,
  partsGiveWholeBits,
  type Range,
} from "./dnnl_parts.ts";

/** The environment variable naming the oneDNN library (`off` disables it). */
export const DNNL_ENV = "RNNX_DNNL";

/** The environment variable with oneDNN's thread count (default: OpenBLAS's). */
export const DNNL_THREADS_ENV = "RNNX_DNNL_THREADS";

/** Library names tried in order when {@link DNNL_ENV} is unset. */
export const DNNL_CANDIDATES: readonly string[] = ["libdnnl.so.2", "libdnnl.2.dylib"];

/** sizeof(dnnl_memory_desc_t) and sizeof(dnnl_convolution_desc_t) in the oneDNN 2 ABI. */
const MD_BYTES = 696;
const CONV_DESC_BYTES = 5976;
/** Room for a dnnl_pooling_desc_t (3,192 bytes in the oneDNN 2 ABI). */
const POOL_DESC_BYTES = 4096;

/** oneDNN 2 constants (`dnnl_types.h`). */
const DNNL = {
  success: 0,
  cpu: 1,
  f32: 3,
  formatAny: 1,
  forwardTraining: 64,
  forwardInference: 96,
  poolingAvgIncludePadding: 0x2ff,
  poolingAvgExcludePadding: 0x3ff,
  convolutionDirect: 1,
  streamInOrder: 1,
  queryImplInfo: 8,
  queryWeightsMd: 131,
  queryDiffWeightsMd: 132,
  argSrc: 1,
  argDst: 17,
  argWeights: 33,
  argBias: 41,
  argDiffSrc: 129,
  argDiffDst: 145,
  argDiffWeights: 161,
} as const;

/** The FFI types of the parameters below: a buffer, an `int32_t`, a pointer. */
const [BUF, I32, PTR] = ["buffer", "i32", "pointer"] as const;

/** A oneDNN function that returns a `dnnl_status_t`, taking `parameters`. */
const status = <const P extends readonly Deno.NativeType[]>(...parameters: P) => ({
  parameters,
  result: "i32" as const,
});

const SYMBOLS = {
  dnnl_version: { parameters: [], result: "pointer" },
  dnnl_engine_create: status(BUF, I32, "usize"),
  dnnl_stream_create: status(BUF, PTR, "u32"),
  dnnl_memory_desc_init_by_strides: status(BUF, I32, BUF, I32, BUF),
  dnnl_memory_desc_init_by_tag: status(BUF, I32, BUF, I32, I32),
  dnnl_memory_desc_get_size: { parameters: ["buffer"], result: "usize" },
  dnnl_convolution_forward_desc_init: status(BUF, I32, I32, BUF, BUF, BUF, BUF, BUF, BUF, BUF),
  dnnl_convolution_backward_data_desc_init: status(BUF, I32, BUF, BUF, BUF, BUF, BUF, BUF),
  dnnl_convolution_backward_weights_desc_init: status(BUF, I32, BUF, BUF, BUF, BUF, BUF, BUF, BUF),
  dnnl_pooling_forward_desc_init: status(BUF, I32, I32, BUF, BUF, BUF, BUF, BUF, BUF),
  dnnl_pooling_backward_desc_init: status(BUF, I32, BUF, BUF, BUF, BUF, BUF, BUF),
  dnnl_reorder_primitive_desc_create: status(BUF, BUF, PTR, BUF, PTR, PTR),
  dnnl_primitive_desc_iterator_create: status(BUF, BUF, PTR, PTR, PTR),
  dnnl_primitive_desc_iterator_next: status(PTR),
  dnnl_primitive_desc_iterator_fetch: { parameters: ["pointer"], result: "pointer" },
  dnnl_primitive_desc_iterator_destroy: status(PTR),
  dnnl_primitive_desc_query: status(PTR, I32, I32, BUF),
  dnnl_primitive_create: status(BUF, PTR),
  dnnl_memory_create: status(BUF, BUF, PTR, PTR),
  dnnl_memory_set_data_handle: status(PTR, PTR),
  dnnl_primitive_execute: status(PTR, PTR, I32, BUF),
  dnnl_stream_wait: status(PTR),
  dnnl_primitive_destroy: status(PTR),
  dnnl_primitive_desc_destroy: status(PTR),
  dnnl_memory_destroy: status(PTR),
} as const;

/**
 * Input channels below which the forward convolution runs on oneDNN's direct JIT
 * kernel (`jit:…`) rather than its first choice (`brgconv:avx512_core` on AVX-512
 * machines), where one is offered. Measured on the cells' convolutions (one core, the
 * other busy): forward 5 × 5 × 1 → 24 at batch 600 took 2.4–3.0 ms on the JIT kernel
 * against 4.8–5.5 ms, 5 × 5 × 24 → 24 at batch 50 2.1–2.8 against 2.8–3.2 ms, and
 * 3 × 3 × 24 → 32 at batch 600 3.3–3.7 against 3.5–4.0 ms; with 56 channels brgconv
 * was the faster (0.60 against 0.62–0.73 ms). The choice depends only on the geometry
 * and the implementations offered, so the same machine always computes the same bits.
 */
export const JIT_FORWARD_BELOW_CHANNELS = 32;

/** Plans kept at once; the least recently used one is released beyond this. */
export const MAX_DNNL_PLANS = 64;

type Symbols = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

/** Throws a {@link DnnlError} for a `status` other than `dnnl_success`. */
type Ok = (status: number, call: string) => void;

/** A oneDNN call that did not return `dnnl_success`. */
export class DnnlError extends Error {
  /** Creates the error for `call`, which returned `status`. */
  constructor(call: string, status: number) {
    super(`oneDNN: ${call} returned status ${status}`);
    this.name = "DnnlError";
  }
}

/** Shapes, strides and padding of one NHWC convolution with a `[kh, kw, C, O]` filter. */
export interface ConvGeometry extends Geometry {
  /** Whether the forward pass adds a per-channel bias. */
  bias: boolean;
}

/** The primitives of one convolution geometry, run on byte addresses of float32 data. */
export interface DnnlConvolution {
  /** out = conv(x, w) (+ bias): x NHWC, w `[kh, kw, C, O]`, out NHWC. */
  forward(x: number, w: number, bias: number, out: number): void;
  /** dx = the input gradient of dy: dy NHWC, w `[kh, kw, C, O]`, dx NHWC. */
  backwardData(dy: number, w: number, dx: number): void;
  /** dw = the filter gradient `[kh, kw, C, O]` of x and dy. */
  backwardWeights(x: number, dy: number, dw: number): void;
  /** The filters in oneDNN's layouts (forward, input gradient, filter gradient). */
  readonly buffers: readonly Float32Array[];
  /** Every forward implementation oneDNN offered for the geometry, its first choice first. */
  readonly forwardOffered: readonly string[];
  /** The implementations that run, e.g. "jit:avx512_core". */
  readonly implementations: { forward: string; backwardData: string; backwardWeights: string };
  /** Destroys the primitives and memory objects (the plan must not be used afterwards). */
  release(): void;
}

/**
 * The filter gradient of some of a geometry's output channels, which oneDNN sums in
 * the same order as the whole one's: each part computes the same bits as the whole
 * filter gradient computes for its channels, where {@link DnnlLibrary} checked that.
 */
export interface DnnlFilterGradientPart {
  /** dw[…, from:to] = the channels' filter gradient of x and dy (the whole tensors' addresses). */
  run(x: number, dy: number, dw: number): void;
  /** Its buffers (a copy of the channels' dy, the gradient in oneDNN's layout). */
  readonly buffers: readonly Float32Array[];
  /** The implementation that runs, e.g. "jit:avx512_core". */
  readonly implementation: string;
  /** Destroys the primitives and memory objects (the plan must not be used afterwards). */
  release(): void;
}

/** Shapes, window, strides and padding of one NHWC pooling (a convolution's, less the filter's). */
export type PoolGeometry = Omit<Geometry, "O" | "dh" | "dw" | "rows" | "K">;

/** The primitives of one average pooling, run on byte addresses of float32 NHWC data. */
export interface DnnlAveragePool {
  /** out = the mean of the cells of each window that lie inside x (tfjs's `AvgPool`). */
  forward(x: number, out: number): void;
  /** dx = dy / (kh·kw) of every window, added onto each of its cells inside x (tfjs's `AvgPoolGrad`). */
  backward(dy: number, dx: number): void;
  /** Destroys the primitives and memory objects (the plan must not be used afterwards). */
  release(): void;
}

/** A loaded oneDNN library. */
export interface DnnlLibrary {
  /** The name or path it was loaded from. */
  readonly path: string;
  /** A short description, e.g. "oneDNN 2.6.3 (libdnnl.so.2, 1 thread)". */
  readonly description: string;
  /** The threads it runs on: this one and `threads - 1` helpers. */
  readonly threads: number;
  /** Helper threads ready to take parts (0 on one thread, or while they start). */
  readonly helpers: number;
  /** How many convolution passes have run in parts across threads so far. */
  readonly passesInParts: number;
  /**
   * Resolves, with {@link helpers}, once every helper has loaded oneDNN or failed to
   * (passes run whole until then).
   */
  started(): Promise<number>;
  /**
   * Runs on `n` threads from now on (helpers started or stopped); the bits stay those
   * of one thread.
   *
   * @throws RangeError when `n` is not a positive integer.
   */
  setThreads(n: number): void;
  /**
   * The primitives of a geometry (planned on first use, then cached; at most
   * {@link MAX_DNNL_PLANS} are kept, the least recently used released first).
   */
  convolution(g: ConvGeometry): DnnlConvolution;
  /** Runs one part of a convolution pass here (what a helper runs). */
  runPart(part: ConvolutionPart): void;
  /** The primitives of an average pooling, cached with the convolutions' plans. */
  averagePool(g: PoolGeometry): DnnlAveragePool;
  /** How many plans are cached. */
  planCount(): number;
}

/** What {@link loadDnnl} found: the library, or why there is none. */
export type DnnlLoadResult = NativeLoadResult<DnnlLibrary>;

/** A pointer-sized out-parameter. */
function handle(): BigUint64Array {
  return new BigUint64Array(1);
}

function pointerOf(h: BigUint64Array): Deno.PointerValue {
  return Deno.UnsafePointer.create(h[0]);
}

/** dnnl_dims_t: 12 int64 values. */
function dims(values: readonly number[]): Uint8Array<ArrayBuffer> {
  const d = new BigInt64Array(12);
  values.forEach((v, i) => (d[i] = BigInt(v)));
  return new Uint8Array(d.buffer);
}

function bytes(a: BigUint64Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(a.buffer as ArrayBuffer);
}

/**
 * Sets the calling thread's OpenMP thread count to one, through libgomp's
 * `omp_set_num_threads` (the OpenMP runtime Debian's oneDNN runs on), where it loads.
 */
function oneOpenMpThread(): void {
  try {
    const omp = Deno.dlopen("libgomp.so.1", {
      omp_set_num_threads: { parameters: ["i32"], result: "void" },
    });
    omp.symbols.omp_set_num_threads(1);
    omp.close();
  } catch {
    // without libgomp, OMP_NUM_THREADS=1 at load is all there is
  }
}

/**
 * Opens the oneDNN library at `path` (a path or library name) to run on `requested`
 * threads: this one and `requested - 1` helper threads (`dnnl_helpers.ts`), each with
 * oneDNN on one OpenMP thread. A pass is cut into one part per thread, the forward
 * pass and the input gradient by sample, the filter gradient by output channel, where
 * a check on random values has found that the parts compute the bits the whole pass
 * computes on one thread for that geometry; until the helpers have started, where the
 * check fails, and for passes below {@link MIN_PARTED_MULTIPLY_ADDS}, the whole runs
 * here. So the bits never depend on the thread count, and no thread spins between
 * passes. {@link loadDnnl} opens it where the environment says.
 *
 * @throws Error when the library cannot be opened or is not oneDNN 2.
 */
export function openDnnl(path: string, requested: number): DnnlLibrary {
  // libgomp reads OMP_NUM_THREADS once, when it loads: one OpenMP thread, here and in
  // every helper (each thread's count is its own)
  const lib = withLoadEnvironment({ OMP_NUM_THREADS: "1" }, () => Deno.dlopen(path, SYMBOLS));
  oneOpenMpThread();
  let threads = requested;
  const s = lib.symbols;
  const version = new Deno.UnsafePointerView(s.dnnl_version()!);
  const [major, minor, patch] = [version.getInt32(0), version.getInt32(4), version.getInt32(8)];
  if (major !== 2) {
    lib.close();
    throw new Error(`oneDNN ${major}.${minor}.${patch}: only the oneDNN 2 interface is supported`);
  }
  const ok = (status: number, call: string) => {
    if (status !== 0) throw new DnnlError(call, status);
  };
  const e = handle();
  ok(s.dnnl_engine_create(bytes(e), DNNL.cpu, 0n), "dnnl_engine_create");
  const engine = pointerOf(e);
  const st = handle();
  ok(s.dnnl_stream_create(bytes(st), engine, DNNL.streamInOrder), "dnnl_stream_create");
  const stream = pointerOf(st);
  const plans = new Map<string, { release(): void }>();
  /** The plan under `key`, made on first use; the least recently used beyond the bound go. */
  const cached = <P extends { release(): void }>(key: string, make: () => P): P => {
    let plan = plans.get(key) as P | undefined;
    if (plan) {
      plans.delete(key); // most recently used last
    } else {
      plan = make();
      for (const [oldest, old] of plans) {
        if (plans.size < MAX_DNNL_PLANS) break;
        plans.delete(oldest);
        old.release();
      }
    }
    plans.set(key, plan);
    return plan;
  };
  const whole = (g: ConvGeometry) =>
    cached(`conv:${Object.values(g)}`, () => planConvolution(s, engine, stream, g, ok));
  const filterGradientPart = (g: ConvGeometry, channels: Range) =>
    cached(
      `part:${Object.values(g)}:${channels}`,
      () => planFilterGradientPart(s, engine, stream, g, channels, ok),
    );
  const runPart = ({ pass, geometry: g, range: [from, to], args }: ConvolutionPart) => {
    if (pass === "backwardWeights") {
      filterGradientPart(g, [from, to]).run(args[0], args[1], args[2]);
      return;
    }
    // a part of the samples is a convolution of its own, at the samples' offsets
    const [inBytes, outBytes] = [g.H * g.W * g.C, g.OH * g.OW * g.O].map((n) => n * from * 4);
    const plan = whole({ ...g, B: to - from });
    if (pass === "forward") plan.forward(args[0] + inBytes, args[1], args[2], args[3] + outBytes);
    else plan.backwardData(args[0] + outBytes, args[1], args[2] + inBytes);
  };
  let helpers: DnnlHelpers<ConvolutionPart> | null = null;
  let inParts = 0;
  const startHelpers = () => {
    helpers?.close();
    helpers = threads > 1 ? new DnnlHelpers(path, threads - 1) : null;
  };
  /** Per pass, geometry and part count: the parts' ranges, where they give the whole's bits. */
  const checked = new Map<string, Range[] | null>();
  const partsOf = (pass: ConvolutionPass, g: ConvGeometry, count: number) => {
    const key = `${pass}:${Object.values(g)}:${count}`;
    if (!checked.has(key)) {
      const ranges = partRanges(pass, g, count);
      const same = ranges !== null && partsGiveWholeBits(
        pass,
        g,
        ranges,
        (args) => (whole(g)[pass] as (...a: number[]) => void)(...args),
        runPart,
      );
      checked.set(key, same ? ranges : null);
    }
    return checked.get(key)!;
  };
  /** Runs a pass in parts across this thread and the ready helpers; false where it cannot. */
  const parted = (pass: ConvolutionPass, g: ConvGeometry, args: number[]) => {
    const ready = Math.min(helpers?.ready ?? 0, threads - 1);
    const ranges = ready > 0 ? partsOf(pass, g, ready + 1) : null;
    if (ranges === null) return false;
    const [own, ...others] = ranges.map((range) => ({ pass, geometry: g, range, args }));
    inParts++;
    helpers!.run(others, () => runPart(own));
    return true;
  };
  startHelpers();
  const base = path.split("/").at(-1);
  return {
    path,
    get description() {
      return `oneDNN ${major}.${minor}.${patch} (${base}, ${
        threads === 1 ? "1 thread" : `${threads} threads, passes in parts`
      })`;
    },
    get threads() {
      return threads;
    },
    get helpers() {
      return helpers?.ready ?? 0;
    },
    get passesInParts() {
      return inParts;
    },
    started: async () => (await helpers?.started()) ?? 0,
    setThreads(n: number) {
      if (!Number.isInteger(n) || n < 1) {
        throw new RangeError(`oneDNN threads must be a positive integer, found ${n}`);
      }
      if (n === threads) return;
      threads = n;
      startHelpers();
    },
    convolution(g) {
      const plan = whole(g);
      return {
        ...plan,
        forward(x, w, b, y) {
          if (!parted("forward", g, [x, w, b, y])) plan.forward(x, w, b, y);
        },
        backwardData(dy, w, dx) {
          if (!parted("backwardData", g, [dy, w, dx])) plan.backwardData(dy, w, dx);
        },
        backwardWeights(x, dy, dw) {
          if (!parted("backwardWeights", g, [x, dy, dw])) plan.backwardWeights(x, dy, dw);
        },
      };
    },
    runPart,
    averagePool: (g) =>
      cached(`pool:${Object.values(g)}`, () => planAveragePool(s, engine, stream, g, ok)),
    planCount: () => plans.size,
  };
}

/** The calls that create, run and release the oneDNN objects of one plan. */
function planner(
  s: Symbols,
  engine: Deno.PointerValue,
  stream: Deno.PointerValue,
  ok: Ok,
) {
  const md = (logical: number[], strides: number[]) => {
    const m = new Uint8Array(MD_BYTES);
    ok(
      s.dnnl_memory_desc_init_by_strides(m, logical.length, dims(logical), DNNL.f32, dims(strides)),
      "dnnl_memory_desc_init_by_strides",
    );
    return m;
  };
  /** An NHWC tensor: oneDNN's logical dimensions (N, C, H, W), the strides of the layout. */
  const nhwc = (n: number, c: number, h: number, w: number) =>
    md([n, c, h, w], [h * w * c, 1, w * c, c]);
  // everything created here, destroyed by `release`
  const created = { primitives: [] as Deno.PointerValue[], descs: [] as Deno.PointerValue[] };
  const memories: Deno.PointerValue[] = [];
  /**
   * The primitive descriptor of the first implementation oneDNN lists for `desc`
   * whose name `accept` takes (oneDNN's own first choice when none does), and the
   * names of every implementation it lists.
   */
  const primitiveDesc = (
    desc: Uint8Array<ArrayBuffer>,
    hint: Deno.PointerValue,
    accept: (implementation: string) => boolean = () => true,
  ) => {
    const it = handle();
    ok(
      s.dnnl_primitive_desc_iterator_create(bytes(it), desc, null, engine, hint),
      "dnnl_primitive_desc_iterator_create",
    );
    const iterator = pointerOf(it);
    const offered: string[] = [];
    // oneDNN's first choice is kept until another is accepted, for when none is
    let [first, chosen]: Deno.PointerValue[] = [null, null];
    do {
      const pd = s.dnnl_primitive_desc_iterator_fetch(iterator);
      if (pd === null) throw new DnnlError("dnnl_primitive_desc_iterator_fetch", -1);
      const name = implementation(pd);
      offered.push(name);
      if (chosen === null && accept(name)) chosen = pd;
      else if (offered.length === 1) first = pd;
      else ok(s.dnnl_primitive_desc_destroy(pd), "dnnl_primitive_desc_destroy");
    } while (s.dnnl_primitive_desc_iterator_next(iterator) === DNNL.success);
    ok(s.dnnl_primitive_desc_iterator_destroy(iterator), "dnnl_primitive_desc_iterator_destroy");
    if (chosen === null) [chosen, first] = [first, null];
    if (first !== null) ok(s.dnnl_primitive_desc_destroy(first), "dnnl_primitive_desc_destroy");
    created.descs.push(chosen);
    return { pd: chosen, offered };
  };
  const primitive = (pd: Deno.PointerValue) => {
    const h = handle();
    ok(s.dnnl_primitive_create(bytes(h), pd), "dnnl_primitive_create");
    created.primitives.push(pointerOf(h));
    return pointerOf(h);
  };
  const implementation = (pd: Deno.PointerValue) => {
    const h = handle();
    ok(s.dnnl_primitive_desc_query(pd, DNNL.queryImplInfo, 0, bytes(h)), "query impl_info_str");
    return new Deno.UnsafePointerView(pointerOf(h)!).getCString();
  };
  const queriedMd = (pd: Deno.PointerValue, what: number) => {
    const h = handle();
    ok(s.dnnl_primitive_desc_query(pd, what, 0, bytes(h)), "query memory desc");
    const copy = new Uint8Array(MD_BYTES);
    copy.set(new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(pointerOf(h)!, MD_BYTES)));
    return copy;
  };
  const memory = (m: Uint8Array<ArrayBuffer>) => {
    const h = handle();
    ok(s.dnnl_memory_create(bytes(h), m, engine, null), "dnnl_memory_create");
    memories.push(pointerOf(h));
    return pointerOf(h);
  };
  /** A buffer of the size a memory descriptor needs, and a memory object over it. */
  const owned = (m: Uint8Array<ArrayBuffer>) => {
    const buffer = new Float32Array(Math.ceil(Number(s.dnnl_memory_desc_get_size(m)) / 4));
    const mem = memory(m);
    ok(s.dnnl_memory_set_data_handle(mem, Deno.UnsafePointer.of(buffer)), "set_data_handle");
    return { buffer, mem };
  };
  const reorder = (from: Uint8Array<ArrayBuffer>, to: Uint8Array<ArrayBuffer>) => {
    const h = handle();
    ok(
      s.dnnl_reorder_primitive_desc_create(bytes(h), from, engine, to, engine, null),
      "dnnl_reorder_primitive_desc_create",
    );
    created.descs.push(pointerOf(h));
    return primitive(pointerOf(h));
  };
  const args = (pairs: [number, Deno.PointerValue][]) => {
    const a = new BigUint64Array(pairs.length * 2);
    pairs.forEach(([arg, mem], i) => {
      a[2 * i] = BigInt(arg);
      a[2 * i + 1] = BigInt(Deno.UnsafePointer.value(mem));
    });
    return bytes(a);
  };
  const execute = (prim: Deno.PointerValue, list: Uint8Array<ArrayBuffer>, n: number) => {
    ok(s.dnnl_primitive_execute(prim, stream, n, list), "dnnl_primitive_execute");
  };
  const bind = (mem: Deno.PointerValue, address: number) => {
    ok(
      s.dnnl_memory_set_data_handle(mem, Deno.UnsafePointer.create(BigInt(address))),
      "dnnl_memory_set_data_handle",
    );
  };

  /** A descriptor of `descBytes` bytes filled by `init`, and its primitive descriptor. */
  const described = (
    call: string,
    descBytes: number,
    init: (desc: Uint8Array<ArrayBuffer>) => number,
    hint: Deno.PointerValue,
    accept?: (implementation: string) => boolean,
  ) => {
    const desc = new Uint8Array(descBytes);
    ok(init(desc), call);
    return primitiveDesc(desc, hint, accept);
  };
  /** {@link described}, and the primitive that runs it. */
  const planned = (...what: Parameters<typeof described>) => {
    const { pd, offered } = described(...what);
    return { pd, primitive: primitive(pd), offered };
  };
  const wait = () => ok(s.dnnl_stream_wait(stream), "dnnl_stream_wait");
  const release = () => {
    for (const p of created.primitives) ok(s.dnnl_primitive_destroy(p), "dnnl_primitive_destroy");
    for (const d of created.descs) {
      ok(s.dnnl_primitive_desc_destroy(d), "dnnl_primitive_desc_destroy");
    }
    for (const m of memories) ok(s.dnnl_memory_destroy(m), "dnnl_memory_destroy");
    created.primitives.length = created.descs.length = memories.length = 0;
  };
  return {
    md,
    nhwc,
    implementation,
    queriedMd,
    memory,
    owned,
    reorder,
    args,
    execute,
    bind,
    described,
    planned,
    wait,
    release,
  };
}

/** Plans the average pooling of one geometry: forward, and the backward pass tfjs defines. */
function planAveragePool(
  s: Symbols,
  engine: Deno.PointerValue,
  stream: Deno.PointerValue,
  g: PoolGeometry,
  ok: Ok,
): DnnlAveragePool {
  const { nhwc, memory, args, execute, bind, described, planned, wait, release } = planner(
    s,
    engine,
    stream,
    ok,
  );
  const src = nhwc(g.B, g.C, g.H, g.W);
  const dst = nhwc(g.B, g.C, g.OH, g.OW);
  const window = [dims([g.sh, g.sw]), dims([g.kh, g.kw]), dims([g.top, g.left])] as const;
  const padR = dims([g.bottom, g.right]);
  const forward = (kind: number, algorithm: number) => (d: Uint8Array<ArrayBuffer>) =>
    s.dnnl_pooling_forward_desc_init(d, kind, algorithm, src, dst, ...window, padR);
  const call = "dnnl_pooling_forward_desc_init";
  // tfjs averages the cells inside the input, but its gradient gives each of them
  // dy / (kh·kw), which is the gradient of the mean over the padded window; the
  // backward pass needs that forward pass only as its hint, not as a primitive
  const fwd = planned(
    call,
    POOL_DESC_BYTES,
    forward(DNNL.forwardInference, DNNL.poolingAvgExcludePadding),
    null,
  );
  const hint = described(
    call,
    POOL_DESC_BYTES,
    forward(DNNL.forwardTraining, DNNL.poolingAvgIncludePadding),
    null,
  );
  const bwd = planned(
    "dnnl_pooling_backward_desc_init",
    POOL_DESC_BYTES,
    (d) =>
      s.dnnl_pooling_backward_desc_init(
        d,
        DNNL.poolingAvgIncludePadding,
        src,
        dst,
        ...window,
        padR,
      ),
    hint.pd,
  );
  const [x, y] = [memory(src), memory(dst)];
  const forwardArgs = args([[DNNL.argSrc, x], [DNNL.argDst, y]]);
  const backwardArgs = args([[DNNL.argDiffDst, y], [DNNL.argDiffSrc, x]]);
  return {
    release,
    forward(px, po) {
      bind(x, px);
      bind(y, po);
      execute(fwd.primitive, forwardArgs, 2);
      wait();
    },
    backward(pdy, pdx) {
      bind(y, pdy);
      bind(x, pdx);
      execute(bwd.primitive, backwardArgs, 2);
      wait();
    },
  };
}

/** The calls of {@link planner}. */
type Planner = ReturnType<typeof planner>;

/**
 * The descriptors of one convolution geometry: its NHWC input and output, a filter in
 * the layout oneDNN prefers, and the forward and filter-gradient plans, planned as
 * {@link JIT_FORWARD_BELOW_CHANNELS} says.
 */
function convolutionDescriptors(s: Symbols, p: Planner, g: ConvGeometry, ok: Ok) {
  const src = p.nhwc(g.B, g.C, g.H, g.W);
  const dst = p.nhwc(g.B, g.O, g.OH, g.OW);
  const anyWeights = new Uint8Array(MD_BYTES);
  ok(
    s.dnnl_memory_desc_init_by_tag(
      anyWeights,
      4,
      dims([g.O, g.C, g.kh, g.kw]),
      DNNL.f32,
      DNNL.formatAny,
    ),
    "dnnl_memory_desc_init_by_tag",
  );
  const biasMd = g.bias ? p.md([g.O], [1]) : null;
  const window = [dims([g.sh, g.sw]), dims([g.top, g.left]), dims([g.bottom, g.right])] as const;
  const none = new Uint8Array(MD_BYTES);
  const forward = [
    "dnnl_convolution_forward_desc_init",
    CONV_DESC_BYTES,
    (d: Uint8Array<ArrayBuffer>) =>
      s.dnnl_convolution_forward_desc_init(
        d,
        DNNL.forwardTraining,
        DNNL.convolutionDirect,
        src,
        anyWeights,
        biasMd ?? none,
        dst,
        ...window,
      ),
    null,
    (name: string) => g.C >= JIT_FORWARD_BELOW_CHANNELS || name.startsWith("jit:"),
  ] as const;
  /** The filter gradient's plan, with the forward plan `hint`. */
  const filterGradient = (hint: Deno.PointerValue) =>
    p.planned(
      "dnnl_convolution_backward_weights_desc_init",
      CONV_DESC_BYTES,
      (d) =>
        s.dnnl_convolution_backward_weights_desc_init(
          d,
          DNNL.convolutionDirect,
          src,
          anyWeights,
          none,
          dst,
          ...window,
        ),
      hint,
    );
  return { src, dst, anyWeights, biasMd, window, forward, filterGradient };
}

/** The filter `[kh, kw, C, O]` as oneDNN's logical (O, I, H, W) dimensions, `O` of `stride`. */
function userFilter(p: Planner, g: Geometry, stride = g.O) {
  return p.md([g.O, g.C, g.kh, g.kw], [1, stride, g.kw * g.C * stride, g.C * stride]);
}

/** Plans the primitives of one geometry (see the module description). */
function planConvolution(
  s: Symbols,
  engine: Deno.PointerValue,
  stream: Deno.PointerValue,
  g: ConvGeometry,
  ok: Ok,
): DnnlConvolution {
  const p = planner(s, engine, stream, ok);
  const { implementation, queriedMd, memory, owned, reorder, args, execute, bind, wait } = p;
  const { src, dst, anyWeights, biasMd, window, forward, filterGradient } = convolutionDescriptors(
    s,
    p,
    g,
    ok,
  );
  const userWeights = userFilter(p, g);
  const { pd: fpd, primitive: fwd, offered: forwardOffered } = p.planned(...forward);
  const { pd: bpd, primitive: bwdData } = p.planned(
    "dnnl_convolution_backward_data_desc_init",
    CONV_DESC_BYTES,
    (d) =>
      s.dnnl_convolution_backward_data_desc_init(
        d,
        DNNL.convolutionDirect,
        src,
        anyWeights,
        dst,
        ...window,
      ),
    fpd,
  );
  const { pd: wpd, primitive: bwdWeights } = filterGradient(fpd);
  const fWeights = owned(queriedMd(fpd, DNNL.queryWeightsMd));
  const bWeights = owned(queriedMd(bpd, DNNL.queryWeightsMd));
  const diffWeightsMd = queriedMd(wpd, DNNL.queryDiffWeightsMd);
  const dWeights = owned(diffWeightsMd);

  const [x, y, w, b] = [memory(src), memory(dst), memory(userWeights), biasMd && memory(biasMd)];
  const toForward = reorder(userWeights, queriedMd(fpd, DNNL.queryWeightsMd));
  const toBackward = reorder(userWeights, queriedMd(bpd, DNNL.queryWeightsMd));
  const fromGradient = reorder(diffWeightsMd, userWeights);
  const fwdArgs = args([
    [DNNL.argSrc, x],
    [DNNL.argWeights, fWeights.mem],
    [DNNL.argDst, y],
    ...(b ? [[DNNL.argBias, b] as [number, Deno.PointerValue]] : []),
  ]);
  const dataArgs = args([[DNNL.argDiffDst, y], [DNNL.argWeights, bWeights.mem], [
    DNNL.argDiffSrc,
    x,
  ]]);
  const weightArgs = args([[DNNL.argSrc, x], [DNNL.argDiffDst, y], [
    DNNL.argDiffWeights,
    dWeights.mem,
  ]]);
  const reorderArgs = (from: Deno.PointerValue, to: Deno.PointerValue) =>
    args([[DNNL.argSrc, from], [DNNL.argDst, to]]);
  const intoForward = reorderArgs(w, fWeights.mem);
  const intoBackward = reorderArgs(w, bWeights.mem);
  const outOfGradient = reorderArgs(dWeights.mem, w);
  // the library writes the filters into these buffers: they must live as long as the plan
  const buffers = [fWeights.buffer, bWeights.buffer, dWeights.buffer];
  return {
    buffers,
    release: p.release,
    forwardOffered,
    implementations: {
      forward: implementation(fpd),
      backwardData: implementation(bpd),
      backwardWeights: implementation(wpd),
    },
    forward(px, pw, pb, po) {
      bind(w, pw);
      execute(toForward, intoForward, 2);
      bind(x, px);
      bind(y, po);
      if (b) bind(b, pb);
      execute(fwd, fwdArgs, b ? 4 : 3);
      wait();
    },
    backwardData(pdy, pw, pdx) {
      bind(w, pw);
      execute(toBackward, intoBackward, 2);
      bind(y, pdy);
      bind(x, pdx);
      execute(bwdData, dataArgs, 3);
      wait();
    },
    backwardWeights(px, pdy, pdw) {
      bind(x, px);
      bind(y, pdy);
      execute(bwdWeights, weightArgs, 3);
      wait();
      bind(w, pdw);
      execute(fromGradient, outOfGradient, 2);
      wait();
    },
  };
}

/**
 * Plans the filter gradient of the output channels `[from, to)` of a geometry, on
 * the whole `dy` and `dw`: the channels' `dy` copied out into a buffer of their own,
 * the filter gradient of the geometry with those channels alone, and its result
 * copied into their columns of `dw` (the copies are oneDNN reorders).
 */
function planFilterGradientPart(
  s: Symbols,
  engine: Deno.PointerValue,
  stream: Deno.PointerValue,
  whole: ConvGeometry,
  [from, to]: Range,
  ok: Ok,
): DnnlFilterGradientPart {
  const p = planner(s, engine, stream, ok);
  const { queriedMd, memory, owned, reorder, args, execute, bind, wait } = p;
  const g = { ...whole, O: to - from };
  const { src, dst, forward, filterGradient } = convolutionDescriptors(s, p, g, ok);
  const { pd: wpd, primitive } = filterGradient(p.described(...forward).pd);
  // the whole dy and dw, read and written at the channels' offset
  const dyChannels = p.md([g.B, g.O, g.OH, g.OW], [
    g.OH * g.OW * whole.O,
    1,
    g.OW * whole.O,
    whole.O,
  ]);
  const dwChannels = userFilter(p, g, whole.O);
  const diffWeightsMd = queriedMd(wpd, DNNL.queryDiffWeightsMd);
  const [dense, dWeights] = [owned(dst), owned(diffWeightsMd)];
  const [x, dy, dw] = [memory(src), memory(dyChannels), memory(dwChannels)];
  const copyIn = reorder(dyChannels, dst);
  const copyOut = reorder(diffWeightsMd, dwChannels);
  const copyInArgs = args([[DNNL.argSrc, dy], [DNNL.argDst, dense.mem]]);
  const gradientArgs = args([[DNNL.argSrc, x], [DNNL.argDiffDst, dense.mem], [
    DNNL.argDiffWeights,
    dWeights.mem,
  ]]);
  const copyOutArgs = args([[DNNL.argSrc, dWeights.mem], [DNNL.argDst, dw]]);
  const offset = from * Float32Array.BYTES_PER_ELEMENT;
  return {
    buffers: [dense.buffer, dWeights.buffer],
    release: p.release,
    implementation: p.implementation(wpd),
    run(px, pdy, pdw) {
      bind(dy, pdy + offset);
      execute(copyIn, copyInArgs, 2);
      bind(x, px);
      execute(primitive, gradientArgs, 3);
      bind(dw, pdw + offset);
      execute(copyOut, copyOutArgs, 2);
      wait();
    },
  };
}

/**
 * Loads oneDNN (see the module description for where it is looked for). Never throws
 * for a missing library, permission or version: the result says why there is none.
 *
 * @throws RangeError when `RNNX_DNNL_THREADS` (or, unset, `RNNX_BLAS_THREADS`) is not a
 * positive integer.
 */
export function loadDnnl(): DnnlLoadResult {
  return loadNative(
    DNNL_ENV,
    DNNL_CANDIDATES,
    openDnnl,
    "no oneDNN 2 library found",
    () => threadCount(DNNL_THREADS_ENV),
  );
}
