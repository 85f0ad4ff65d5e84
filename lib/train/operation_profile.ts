/**
 * Where an operation's time goes (a training step, a batch of heatmaps), in three
 * passes over the same number of calls after the same warm-up:
 *
 * 1. plain: the wall-clock time of a call, nothing instrumented;
 * 2. kernels: every kernel registered for the active backend wrapped with a timer, giving
 *    each kernel's calls and its own time (a kernel that calls another, as the composite
 *    kernels of `lib/backend` do, is charged only for what the inner one does not take);
 * 3. scripts: V8's sampling profiler (through `node:inspector`), giving the time spent in
 *    each script by self time: a project file, an npm package, the wasm kernels' code,
 *    native code (the BLAS and oneDNN libraries called through FFI), the garbage
 *    collector.
 *
 * Timers and sampling cost time of their own, so each pass reports its own time per
 * call beside the plain one. The kernels are restored after the pass, also when the
 * operation throws.
 *
 * @module
 */
import { Session } from "node:inspector";
import { replaceKernels, tf } from "../backend/mod.ts";
import { median } from "./bench.ts";

/** One kernel's share of a call. */
export interface KernelTime {
  /** The kernel's registered name (`BatchMatMul`, `RnnxAdamUpdate`, …). */
  kernel: string;
  /** Calls of the kernel per call of the operation. */
  calls: number;
  /** Its own milliseconds per call of the operation (kernels it calls excluded). */
  ms: number;
}

/** One script's share of a call, from the sampling profiler. */
export interface ScriptTime {
  /**
   * Where the samples fell: a project file relative to the working directory
   * (`lib/cells/dropout_masks.ts`), `npm:<package>`, `wasm`, `native` (code without a
   * script: the libraries called through FFI, V8's own builtins outside any script),
   * `Deno runtime`, or V8's `(garbage collector)` and `(program)`.
   */
  where: string;
  /** Milliseconds of self time per call. */
  ms: number;
}

/** One function's self time per call, from the sampling profiler. */
export interface FunctionTime {
  /** The function's name (`(anonymous)` without one). */
  name: string;
  /** Its script, as {@link ScriptTime.where}, and its line (1-based) where known. */
  where: string;
  /** Milliseconds of self time per call. */
  ms: number;
}

/** What {@link profileOperation} measured, every time per call of the operation. */
export interface OperationProfile {
  /** Timed calls of each pass. */
  calls: number;
  /** Median milliseconds of a call with nothing instrumented. */
  plainMs: number;
  /** Milliseconds of a call while every kernel was timed. */
  kernelPassMs: number;
  /** Each kernel's calls and own time, most time first. */
  kernels: KernelTime[];
  /** Milliseconds of a call while V8 sampled it, or null when sampling was unavailable. */
  sampledPassMs: number | null;
  /** Self time by script, most first (empty without sampling). */
  scripts: ScriptTime[];
  /** The functions with the most self time, most first (empty without sampling). */
  functions: FunctionTime[];
  /** Why the sampling pass did not run, or null. */
  samplingUnavailable: string | null;
}

/** Options of {@link profileOperation}. */
export interface ProfileOptions {
  /** Untimed calls before each pass (default 20). */
  warmup?: number;
  /** Timed calls of each pass (default 20). */
  repeats?: number;
  /** Microseconds between samples of the sampling pass (default 100). */
  samplingIntervalUs?: number;
  /** How many functions to keep (default 15). */
  topFunctions?: number;
  /** The clock, in milliseconds (default `performance.now`; tests give their own). */
  now?: () => number;
  /** The working directory that project files are named relative to (default `Deno.cwd()`). */
  root?: string;
}

/**
 * Profiles `op` in the three passes of this module and returns the times per call.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { profileOperation } from "./operation_profile.ts";
 * const a = tf.ones([64, 64]);
 * const p = await profileOperation(() => tf.tidy(() => tf.matMul(a, a).dataSync()), {
 *   warmup: 1,
 *   repeats: 3,
 * });
 * if (!p.kernels.some((k) => k.kernel === "BatchMatMul" && k.calls === 1)) throw new Error();
 * a.dispose();
 * ```
 */
export async function profileOperation(
  op: () => unknown,
  opts: ProfileOptions = {},
): Promise<OperationProfile> {
  const warmup = opts.warmup ?? 20;
  const repeats = opts.repeats ?? 20;
  if (!(Number.isInteger(repeats) && repeats >= 1)) {
    throw new RangeError(`repeats must be a positive integer, found ${repeats}`);
  }
  if (!(Number.isInteger(warmup) && warmup >= 0)) {
    throw new RangeError(`warmup must be a non-negative integer, found ${warmup}`);
  }
  const now = opts.now ?? (() => performance.now());
  const calls = async (n: number) => {
    for (let i = 0; i < n; i++) await op();
  };
  await calls(warmup);
  const plain: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = now();
    await op();
    plain.push(now() - t0);
  }
  // the wrapped kernels warm up too before their calls count
  const timed = await withKernelTimers(() => calls(warmup), () => calls(repeats), now);
  await calls(warmup);
  const sampled = await sampleScripts(
    () => calls(repeats),
    opts.samplingIntervalUs ?? 100,
    opts.root ?? Deno.cwd(),
    now,
  );
  const perCall = (ms: number) => ms / repeats;
  const top = opts.topFunctions ?? 15;
  const ran = "reason" in sampled ? null : sampled;
  return {
    calls: repeats,
    plainMs: median(plain),
    kernelPassMs: perCall(timed.wallMs),
    kernels: [...timed.kernels]
      .map(([kernel, k]) => ({ kernel, calls: k.calls / repeats, ms: perCall(k.ms) }))
      .sort((a, b) => b.ms - a.ms),
    sampledPassMs: ran ? perCall(ran.wallMs) : null,
    scripts: ran
      ? [...ran.scripts].map(([where, ms]) => ({ where, ms: perCall(ms) }))
        .sort((a, b) => b.ms - a.ms)
      : [],
    functions: ran
      ? ran.functions.map((f) => ({ ...f, ms: perCall(f.ms) }))
        .sort((a, b) => b.ms - a.ms)
        .slice(0, top)
      : [],
    samplingUnavailable: "reason" in sampled ? sampled.reason : null,
  };
}

/**
 * Runs `warm`, then `body`, with every kernel of the active backend timed, and returns
 * what `body` took; restores the kernels after.
 */
async function withKernelTimers(
  warm: () => Promise<void>,
  body: () => Promise<void>,
  now: () => number,
): Promise<{ wallMs: number; kernels: Map<string, { calls: number; ms: number }> }> {
  const originals = tf.getKernelsForBackend(tf.getBackend());
  const kernels = new Map<string, { calls: number; ms: number }>();
  // the time of the kernels running inside each open kernel call, to charge it only once
  const inner: number[] = [];
  const timed = (config: tf.KernelConfig): tf.KernelConfig => ({
    ...config,
    kernelFunc: (args) => {
      inner.push(0);
      const t0 = now();
      try {
        return config.kernelFunc(args);
      } finally {
        const total = now() - t0;
        const own = total - inner.pop()!;
        if (inner.length > 0) inner[inner.length - 1] += total;
        const k = kernels.get(config.kernelName) ?? { calls: 0, ms: 0 };
        k.calls++;
        k.ms += own;
        kernels.set(config.kernelName, k);
      }
    },
  });
  replaceKernels(originals.map(timed));
  try {
    await warm();
    kernels.clear();
    const t0 = now();
    await body();
    return { wallMs: now() - t0, kernels };
  } finally {
    replaceKernels(originals);
  }
}

interface Sampled {
  wallMs: number;
  scripts: Map<string, number>;
  functions: FunctionTime[];
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Runs `body` under V8's sampling profiler and sums the self time by script and function. */
async function sampleScripts(
  body: () => Promise<void>,
  intervalUs: number,
  root: string,
  now: () => number,
): Promise<Sampled | { reason: string }> {
  const reason = (what: string, e: unknown) => ({
    reason: `${what}: ${e instanceof Error ? e.message : e}`,
  });
  let session: Session;
  try {
    session = new Session();
    session.connect();
  } catch (e) {
    return reason("no inspector session", e);
  }
  const post = <T>(method: string, params?: object) =>
    new Promise<T>((resolve, reject) =>
      session.post(
        method,
        params ?? {},
        (err: Error | null, result?: object) => (err ? reject(err) : resolve(result as T)),
      )
    );
  try {
    try {
      await post("Profiler.enable");
      await post("Profiler.setSamplingInterval", { interval: intervalUs });
      await post("Profiler.start");
    } catch (e) {
      return reason("sampling did not start", e);
    }
    // the operation's own failure is the caller's, not the profiler's
    const t0 = now();
    try {
      await body();
    } catch (e) {
      await post("Profiler.stop").catch(() => {});
      throw e;
    }
    const wallMs = now() - t0;
    try {
      const { profile } = await post<{ profile: CpuProfile }>("Profiler.stop");
      return { wallMs, ...selfTimes(profile, root) };
    } catch (e) {
      return reason("sampling failed", e);
    }
  } finally {
    session.disconnect();
  }
}

/** The script of `node:inspector`, whose frames are the profiler's own work. */
const INSPECTOR_SCRIPT = "ext:deno_node/inspector.js";

/** Self milliseconds of a profile by script and by function. */
function selfTimes(profile: CpuProfile, root: string): Omit<Sampled, "wallMs"> {
  const byNode = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    byNode.set(id, (byNode.get(id) ?? 0) + profile.timeDeltas[i] / 1000);
  });
  const scripts = new Map<string, number>();
  const functions = new Map<string, FunctionTime>();
  for (const node of profile.nodes) {
    const ms = byNode.get(node.id);
    const { functionName, url, lineNumber } = node.callFrame;
    // the profiler's own start and stop are not the operation's
    if (!ms || url === INSPECTOR_SCRIPT) continue;
    const where = scriptOf(url, functionName, root);
    scripts.set(where, (scripts.get(where) ?? 0) + ms);
    const name = functionName || "(anonymous)";
    const at = url && !url.startsWith("wasm://") ? `${where}:${lineNumber + 1}` : where;
    const key = `${name} ${at}`;
    const f = functions.get(key) ?? { name, where: at, ms: 0 };
    f.ms += ms;
    functions.set(key, f);
  }
  return { scripts, functions: [...functions.values()] };
}

/**
 * The script a sampled frame belongs to, named as {@link ScriptTime.where} says.
 *
 * @example
 * ```ts
 * import { scriptOf } from "./operation_profile.ts";
 * const npm = "file:///p/node_modules/.deno/@tensorflow+tfjs-core@4.22.0/node_modules/x.js";
 * if (scriptOf(npm, "f", "/p") !== "npm:@tensorflow/tfjs-core") throw new Error();
 * if (scriptOf("file:///p/lib/a.ts", "g", "/p") !== "lib/a.ts") throw new Error();
 * if (scriptOf("", "", "/p") !== "native") throw new Error();
 * ```
 */
export function scriptOf(url: string, functionName: string, root: string): string {
  if (url === "") return functionName.startsWith("(") ? functionName : "native";
  if (url.startsWith("wasm://")) return "wasm";
  if (url.startsWith("ext:") || url.startsWith("node:")) return "Deno runtime";
  const npm = url.match(/node_modules\/\.deno\/(@[^+/]+\+[^@/]+|[^@/]+)@/);
  if (npm) return `npm:${npm[1].replace("+", "/")}`;
  const prefix = `file://${root.endsWith("/") ? root : `${root}/`}`;
  return url.startsWith(prefix) ? url.slice(prefix.length) : url;
}

/**
 * The profile as Markdown: a summary line, the kernels with the most time (`kernelRows`,
 * the rest summed in one row) and the scripts and functions of the sampling pass.
 */
export function profileTables(title: string, p: OperationProfile, kernelRows = 12): string {
  const ms = (v: number) => v >= 10 ? v.toFixed(1) : v.toFixed(2);
  const share = (v: number, of: number) => `${(100 * v / of).toFixed(0)} %`;
  const kernelMs = p.kernels.reduce((a, k) => a + k.ms, 0);
  const kernelCalls = p.kernels.reduce((a, k) => a + k.calls, 0);
  const shown = p.kernels.slice(0, kernelRows);
  const rest = p.kernels.slice(kernelRows);
  const restMs = rest.reduce((a, k) => a + k.ms, 0);
  const restCalls = rest.reduce((a, k) => a + k.calls, 0);
  const count = (v: number) => Number.isInteger(v) ? String(v) : v.toFixed(1);
  const lines = [
    `**${title}**: ${ms(p.plainMs)} ms a call (median of ${p.calls}, nothing instrumented); ` +
    `with every kernel timed ${ms(p.kernelPassMs)} ms, of which ${ms(kernelMs)} ms in ` +
    `${count(kernelCalls)} kernel calls` +
    (p.sampledPassMs === null
      ? `; no sampling (${p.samplingUnavailable})`
      : `; under V8's sampling profiler ${ms(p.sampledPassMs)} ms`) +
    ".",
    "",
    "| kernel | calls a call | ms a call | share of the timed call |",
    "| --- | ---: | ---: | ---: |",
    ...shown.map((k) =>
      `| ${k.kernel} | ${count(k.calls)} | ${ms(k.ms)} | ${share(k.ms, p.kernelPassMs)} |`
    ),
    ...(rest.length > 0
      ? [
        `| ${rest.length} other kernels | ${count(restCalls)} | ${ms(restMs)} | ${
          share(restMs, p.kernelPassMs)
        } |`,
      ]
      : []),
    `| all kernels | ${count(kernelCalls)} | ${ms(kernelMs)} | ${
      share(kernelMs, p.kernelPassMs)
    } |`,
    `| outside the kernels | – | ${ms(p.kernelPassMs - kernelMs)} | ${
      share(p.kernelPassMs - kernelMs, p.kernelPassMs)
    } |`,
  ];
  if (p.sampledPassMs !== null) {
    const of = p.sampledPassMs;
    lines.push(
      "",
      "| script (self time, sampled) | ms a call | share of the sampled call |",
      "| --- | ---: | ---: |",
      ...p.scripts.map((s) => `| ${s.where} | ${ms(s.ms)} | ${share(s.ms, of)} |`),
      "",
      "| function (self time, sampled) | where | ms a call | share |",
      "| --- | --- | ---: | ---: |",
      ...p.functions.map((f) => `| ${f.name} | ${f.where} | ${ms(f.ms)} | ${share(f.ms, of)} |`),
    );
  }
  return lines.join("\n");
}
