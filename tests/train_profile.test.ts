/**
 * Where an operation's time goes (`lib/train/operation_profile.ts`, the bench's
 * `profile` case): each kernel is charged its own time only, the kernels are restored
 * afterwards, and the sampling pass names the scripts that ran.
 */
import { assert, assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { initBackend, tf } from "../lib/backend/mod.ts";
import { benchReport, runBench } from "../lib/cli/bench.ts";
import { profileOperation, scriptOf, trainOperation } from "../lib/train/mod.ts";

await initBackend({ quiet: true });

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Registers kernels for the active backend for the length of `body`. */
async function withKernels(
  configs: tf.KernelConfig[],
  body: () => Promise<void>,
): Promise<void> {
  for (const c of configs) tf.registerKernel(c);
  try {
    await body();
  } finally {
    for (const c of configs) tf.unregisterKernel(c.kernelName, c.backendName);
  }
}

Deno.test("a kernel that calls another is charged only for its own time", async () => {
  const backend = tf.getBackend();
  let clock = 0;
  const identity = (args: Parameters<tf.KernelFunc>[0]) =>
    tf.getKernel("Identity", backend)!.kernelFunc(args);
  const inner: tf.KernelConfig = {
    kernelName: "RnnxProfileInner",
    backendName: backend,
    kernelFunc: (args) => {
      clock += 6;
      return identity(args);
    },
  };
  const outer: tf.KernelConfig = {
    kernelName: "RnnxProfileOuter",
    backendName: backend,
    kernelFunc: (args) => {
      clock += 2;
      return tf.getKernel("RnnxProfileInner", backend)!.kernelFunc(args);
    },
  };
  await withKernels([inner, outer], async () => {
    const x = tf.tensor1d([1, 2, 3]);
    const before = tf.memory().numTensors;
    const p = await profileOperation(
      () => (tf.engine().runKernel("RnnxProfileOuter", { x }, {}) as tf.Tensor).dispose(),
      { warmup: 1, repeats: 3, now: () => clock },
    );
    assertEquals(tf.memory().numTensors, before);
    x.dispose();
    const by = new Map(p.kernels.map((k) => [k.kernel, k]));
    assertEquals(by.get("RnnxProfileOuter"), { kernel: "RnnxProfileOuter", calls: 1, ms: 2 });
    assertEquals(by.get("RnnxProfileInner"), { kernel: "RnnxProfileInner", calls: 1, ms: 6 });
    assertEquals(by.get("Identity")?.ms, 0);
    assertEquals(p.plainMs, 8);
    assertEquals(p.kernelPassMs, 8);
    assertEquals(p.kernels[0].kernel, "RnnxProfileInner", "most time first");
  });
});

Deno.test("the kernels are restored after profiling, also when the operation throws", async () => {
  const backend = tf.getBackend();
  const original = tf.getKernel("BatchMatMul", backend)!.kernelFunc;
  const a = tf.ones([8, 8]);
  await profileOperation(() => tf.tidy(() => tf.matMul(a, a).dataSync()), {
    warmup: 0,
    repeats: 2,
  });
  assert(tf.getKernel("BatchMatMul", backend)!.kernelFunc === original);
  let calls = 0;
  await assertRejects(
    () =>
      profileOperation(() => {
        // the plain pass's one call passes; the kernel pass's first throws
        if (++calls === 2) throw new Error("operation failed");
        tf.tidy(() => tf.matMul(a, a).dataSync());
      }, { warmup: 0, repeats: 1 }),
    Error,
    "operation failed",
  );
  assert(tf.getKernel("BatchMatMul", backend)!.kernelFunc === original);
  a.dispose();
});

Deno.test("an operation failing while it is sampled fails the profile, and the next profile samples", async () => {
  let calls = 0;
  const spin = () => {
    let s = 0;
    for (let i = 0; i < 200_000; i++) s = (s * 31 + i) % 1_000_003;
    return s;
  };
  await assertRejects(
    () =>
      profileOperation(() => {
        // the plain and the kernel pass's calls pass; the sampled one throws
        if (++calls === 3) throw new Error("failed while sampled");
        return spin();
      }, { warmup: 0, repeats: 1 }),
    Error,
    "failed while sampled",
  );
  const p = await profileOperation(spin, { warmup: 0, repeats: 2 });
  assertEquals(p.samplingUnavailable, null);
  assert(p.sampledPassMs !== null);
});

Deno.test("frames are named by project file, npm package, wasm, native code or V8's own", () => {
  const npm = (pkg: string) => `file:///p/node_modules/.deno/${pkg}@1.0.0/node_modules/x/y.js`;
  assertEquals(
    scriptOf(npm("@tensorflow+tfjs-backend-wasm"), "f", "/p"),
    "npm:@tensorflow/tfjs-backend-wasm",
  );
  assertEquals(scriptOf(npm("vega"), "f", "/p"), "npm:vega");
  assertEquals(scriptOf("file:///p/lib/cells/unroll.ts", "unroll", "/p/"), "lib/cells/unroll.ts");
  assertEquals(scriptOf("file:///elsewhere/a.ts", "g", "/p"), "file:///elsewhere/a.ts");
  assertEquals(scriptOf("wasm://wasm/0019ea4a", "wasm-function[453]", "/p"), "wasm");
  assertEquals(scriptOf("ext:deno_web/02_timers.js", "f", "/p"), "Deno runtime");
  assertEquals(scriptOf("", "(garbage collector)", "/p"), "(garbage collector)");
  assertEquals(scriptOf("", "", "/p"), "native");
});

Deno.test("a profiled training step leaves no tensors and shows its products and update", async () => {
  const op = trainOperation("shallow", { T: 7, batch: 4 });
  const before = tf.memory().numTensors;
  try {
    const p = await profileOperation(() => op.run(), { warmup: 1, repeats: 20, root: ROOT });
    assertEquals(tf.memory().numTensors, before);
    const names = p.kernels.map((k) => k.kernel);
    assert(names.includes("BatchMatMul") || names.includes("_FusedMatMul"), names.join(", "));
    assert(names.includes("RnnxAdamUpdate"), names.join(", "));
    const kernelMs = p.kernels.reduce((a, k) => a + k.ms, 0);
    assert(kernelMs <= p.kernelPassMs, `${kernelMs} ms of kernels in a ${p.kernelPassMs} ms call`);
    // the engine's JavaScript runs around every kernel, the project's around the engine
    assertEquals(p.samplingUnavailable, null);
    const scripts = p.scripts.map((s) => s.where);
    assert(scripts.includes("npm:@tensorflow/tfjs-core"), scripts.join(", "));
    assert(scripts.some((w) => /^lib\/.+\.ts$/.test(w)), scripts.join(", "));
    assert(
      p.functions.some((f) => /^(lib\/.+\.ts|npm:.+):\d+$/.test(f.where)),
      p.functions.map((f) => f.where).join(", "),
    );
    const sampled = p.scripts.reduce((a, s) => a + s.ms, 0);
    assert(sampled > 0 && p.sampledPassMs !== null, `${sampled} ms sampled`);
  } finally {
    op.dispose();
  }
});

Deno.test("deno task bench --cases profile profiles the training step and each method's heatmaps", async () => {
  const result = await runBench([
    "--cases",
    "profile",
    "--cells",
    "shallow",
    "--T",
    "7",
    "--batch",
    "4",
    "--warmup",
    "1",
    "--repeats",
    "2",
    "--methods",
    "dtd,sa",
  ]);
  assertEquals(
    result.profiles.map((r) => [r.case, r.cell, r.method ?? "–", r.batch]),
    [["train", "shallow", "–", 4], ["explain", "shallow", "dtd", 4], [
      "explain",
      "shallow",
      "sa",
      4,
    ]],
  );
  const report = benchReport(result);
  assertStringIncludes(report, "**shallow training step (T = 7, batch 4, wasm)**");
  assertStringIncludes(report, "**shallow dtd heatmaps (T = 7, batch 4, wasm)**");
  assertStringIncludes(report, "| all kernels |");
  assertStringIncludes(report, "| script (self time, sampled) |");
});
