import { assert, assertEquals, assertMatch, assertNotEquals } from "@std/assert";
import {
  backendLine,
  codeFingerprint,
  currentRowsMadeBy,
  type ModuleGraph,
  rowsCode,
  staleRowsReason,
} from "../lib/experiments/mod.ts";
import type { RowsMadeBy } from "../lib/eval/mod.ts";
import { backendInfo, initBackend } from "../lib/backend/mod.ts";

const files: Record<string, string> = {
  "/lib/relevance/zbeta.ts": "export const zbeta = 1;",
  "/lib/eval/metrics.ts": "export const cosine = 2;",
  "/lib/plot/chart.ts": "export const chart = 3;",
  "/elsewhere/tool.ts": "export const tool = 4;",
};
const read = (path: string) => {
  const text = files[path];
  if (text === undefined) throw new Error(`read ${path}`);
  return Promise.resolve(new TextEncoder().encode(text));
};
const graph = (...paths: string[]): ModuleGraph => ({
  modules: [...paths.map((p) => ({ specifier: `file://${p}` })), { specifier: "npm:/x@1.0.0" }],
  npmPackages: { "x@1.0.0": {} },
});
const fingerprint = (graphs: ModuleGraph[]) => codeFingerprint(graphs, "/lib", read);

Deno.test("the code fingerprint follows every module of lib the graphs reach, but not drawing", async () => {
  const base = await fingerprint([graph("/lib/relevance/zbeta.ts", "/lib/eval/metrics.ts")]);
  assertMatch(base, /^sha256:[0-9a-f]{64}$/);
  // the same modules in another order or split over two graphs, drawing and outside modules: the same
  assertEquals(
    await fingerprint([
      graph("/lib/eval/metrics.ts", "/lib/plot/chart.ts"),
      graph("/lib/relevance/zbeta.ts", "/elsewhere/tool.ts"),
    ]),
    base,
  );
  // a changed line of a module: another fingerprint
  files["/lib/relevance/zbeta.ts"] = "export const zbeta = 1.5;";
  assertNotEquals(
    await fingerprint([graph("/lib/relevance/zbeta.ts", "/lib/eval/metrics.ts")]),
    base,
  );
  files["/lib/relevance/zbeta.ts"] = "export const zbeta = 1;";
  // one module fewer, or another npm package version: another fingerprint
  assertNotEquals(await fingerprint([graph("/lib/relevance/zbeta.ts")]), base);
  assertNotEquals(
    await fingerprint([{
      ...graph("/lib/relevance/zbeta.ts", "/lib/eval/metrics.ts"),
      npmPackages: { "x@1.0.1": {} },
    }]),
    base,
  );
});

Deno.test("the running code's fingerprint is taken from Deno's module graph, the same each time", async () => {
  const first = await rowsCode();
  assertEquals(first.why, null);
  assertMatch(first.code!, /^sha256:[0-9a-f]{64}$/);
  assertEquals(await rowsCode(), first);
});

Deno.test("stored rows stand only for the code that made them", () => {
  const now: RowsMadeBy = { code: "sha256:a", commit: "c2", dirty: false, backend: "wasm" };
  assertEquals(staleRowsReason({ ...now, commit: "c1", dirty: true, backend: "cpu" }, now), null);
  assertEquals(
    staleRowsReason({ ...now, code: "sha256:b", commit: "3c7a165d31f", dirty: true }, now),
    "made by other code (commit 3c7a165, uncommitted changes)",
  );
  assertEquals(staleRowsReason(null, now), "made by code they do not record");
  assertEquals(staleRowsReason({ ...now, code: null }, now), "made by code they do not record");
  const unknown = staleRowsReason(now, { ...now, code: null });
  assert(unknown !== null, "without the running code's fingerprint nothing is reused");
  assertEquals(
    staleRowsReason(now, { ...now, code: null }, "deno info exited 1"),
    "not checked: the running code could not be fingerprinted (deno info exited 1)",
  );
});

Deno.test("rows record the backend once, by its name and detail", async () => {
  await initBackend({ quiet: true });
  const info = backendInfo();
  const made = await currentRowsMadeBy();
  assertEquals(made.backend, backendLine(info));
  assertEquals(made.backend, `${info.name} (${info.detail})`);
  for (const native of [info.blas, info.dnnl]) {
    if (native) assertEquals(made.backend.split(native).length, 2, `${native} named once`);
  }
});
