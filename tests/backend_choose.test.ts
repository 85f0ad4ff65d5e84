/**
 * Choosing the backend: the fallback order, RNNX_BACKEND, errors for unknown or
 * unloadable backends, idempotence and the one-line announcement.
 */
import {
  assert,
  assertEquals,
  assertInstanceOf,
  assertMatch,
  assertRejects,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import { fileURLToPath } from "node:url";
import {
  BACKEND_ENV,
  BACKEND_NAMES,
  BackendConflictError,
  backendInfo,
  type BackendName,
  BackendNotInitializedError,
  initBackend,
  tf,
  UnknownBackendError,
} from "../lib/backend/mod.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CONFIG = fileURLToPath(new URL("../deno.json", import.meta.url));
const MOD = new URL("../lib/backend/mod.ts", import.meta.url).href;

/** Runs `fn` with `RNNX_BACKEND` set to `value` (or unset) and restores it afterwards. */
async function withBackendEnv<T>(value: string | undefined, fn: () => Promise<T>): Promise<T> {
  const saved = Deno.env.get(BACKEND_ENV);
  if (value === undefined) Deno.env.delete(BACKEND_ENV);
  else Deno.env.set(BACKEND_ENV, value);
  try {
    return await fn();
  } finally {
    if (saved === undefined) Deno.env.delete(BACKEND_ENV);
    else Deno.env.set(BACKEND_ENV, saved);
  }
}

/** Runs a TypeScript snippet in a fresh Deno process with the project's import map. */
async function runSnippet(
  code: string,
  backendEnv: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--config", CONFIG, code],
    cwd: ROOT,
    env: { NO_COLOR: "1", [BACKEND_ENV]: backendEnv },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

Deno.test("backendInfo before initBackend fails and says what to call", () => {
  const error = assertThrows(() => backendInfo(), BackendNotInitializedError);
  assertStringIncludes(error.message, "initBackend");
});

Deno.test("an unknown RNNX_BACKEND name fails with the list of valid backends", async () => {
  await withBackendEnv("tpu", async () => {
    const error = await assertRejects(() => initBackend({ quiet: true }), UnknownBackendError);
    assertStringIncludes(error.message, '"tpu"');
    assertStringIncludes(error.message, BACKEND_ENV);
    assertStringIncludes(error.message, "tensorflow, wasm, cpu");
  });
});

Deno.test("an unknown backend option fails with the list of valid backends", async () => {
  const error = await assertRejects(
    () => initBackend({ backend: "webgpu" as BackendName, quiet: true }),
    UnknownBackendError,
  );
  assertEquals((error as UnknownBackendError).valid, BACKEND_NAMES);
  assertStringIncludes(error.message, "valid backends: tensorflow, wasm, cpu");
});

Deno.test("without a request the first loadable backend is chosen, here wasm", async () => {
  const info = await withBackendEnv(undefined, () => initBackend({ quiet: true }));
  assertEquals(info.name, "wasm");
  assertMatch(info.detail, /^tfjs-backend-wasm \((no )?SIMD/);
  assertEquals(info.tfjsVersion, tf.version.tfjs);
  assertEquals(tf.getBackend(), "wasm");
});

Deno.test("initBackend is idempotent and backendInfo returns its result", async () => {
  const first = await withBackendEnv(undefined, () => initBackend({ quiet: true }));
  const second = await initBackend({ backend: "wasm", quiet: true });
  assert(first === second, "a second call returned a different info object");
  assert(backendInfo() === first);
  assert(first.kernelFixes.includes("Conv2DBackpropFilter"));
});

Deno.test("asking for a different backend after initialisation fails", async () => {
  await withBackendEnv(undefined, () => initBackend({ quiet: true }));
  const error = await assertRejects(
    () => initBackend({ backend: "cpu", quiet: true }),
    BackendConflictError,
  );
  assertStringIncludes(error.message, '"wasm"');
  assertStringIncludes(error.message, '"cpu"');
});

Deno.test("the chosen backend is printed once and tfjs start-up warnings are silenced", async () => {
  const run = await runSnippet(
    `import { initBackend, tf } from "${MOD}";
     await initBackend();
     await initBackend();
     await tf.setBackend("cpu");
     console.log("sum", tf.sum(tf.tensor([1, 2, 3])).dataSync()[0]);`,
    "",
  );
  assertEquals(run.code, 0, run.stderr);
  const all = `${run.stdout}\n${run.stderr}`;
  const announced = all.split("\n").filter((line) => line.startsWith("backend:"));
  assertEquals(announced.length, 1, all);
  assertMatch(announced[0], new RegExp(`^backend: wasm \\(tfjs ${tf.version.tfjs}(, .+)?\\)$`));
  assertStringIncludes(run.stdout, "sum 6");
  assert(!/looks like you are running/i.test(all), `tfjs banner in output:\n${all}`);
  assert(!/already registered/.test(all), `kernel registration noise in output:\n${all}`);
});

Deno.test("importing the backend module silences the cpu banner even without initBackend", async () => {
  const run = await runSnippet(
    `import { tf } from "${MOD}";
     console.log("sum", tf.sum(tf.tensor([1, 2, 3])).dataSync()[0], tf.getBackend());`,
    "",
  );
  assertEquals(run.code, 0, run.stderr);
  assertStringIncludes(run.stdout, "sum 6 cpu");
  assertEquals(run.stderr.trim(), "", `unexpected output on stderr:\n${run.stderr}`);
});

Deno.test("RNNX_BACKEND=cpu selects the cpu backend without kernel fixes", async () => {
  const run = await runSnippet(
    `import { initBackend, tf } from "${MOD}";
     const info = await initBackend({ quiet: true });
     console.log(JSON.stringify({ info, active: tf.getBackend() }));`,
    "cpu",
  );
  assertEquals(run.code, 0, run.stderr);
  const { info, active } = JSON.parse(run.stdout.trim());
  assertEquals(info.name, "cpu");
  assertEquals(active, "cpu");
  assertEquals(info.kernelFixes, []);
  assertEquals(run.stderr.trim(), "", "quiet must print nothing");
});

Deno.test("a requested backend that cannot be loaded fails with a clear error", async () => {
  const run = await runSnippet(
    `import { initBackend } from "${MOD}";
     try {
       const info = await initBackend({ quiet: true });
       console.log(JSON.stringify({ chose: info.name }));
     } catch (e) {
       console.log(JSON.stringify({ error: e.name, message: e.message }));
     }`,
    "tensorflow",
  );
  assertEquals(run.code, 0, run.stderr);
  const result = JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "{}");
  if (result.chose !== undefined) {
    // A machine with libtensorflow installed loads the native backend.
    assertEquals(result.chose, "tensorflow");
    return;
  }
  assertEquals(result.error, "BackendLoadError");
  assertStringIncludes(result.message, 'Could not load the "tensorflow" backend');
  assertStringIncludes(result.message, "tfjs-node-gpu:");
  assertStringIncludes(result.message, "tfjs-node:");
});

Deno.test("the error classes carry the names they report", () => {
  const error = new UnknownBackendError("x", BACKEND_NAMES, "a test");
  assertInstanceOf(error, Error);
  assertEquals(error.name, "UnknownBackendError");
  assertEquals(error.requested, "x");
});
