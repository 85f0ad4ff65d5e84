import { assert, assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import { join } from "node:path";
import {
  buildCell,
  createModel,
  disposeModel,
  modelTensors,
  weightsMetadata,
  writeSafetensors,
} from "../lib/cells/mod.ts";
import { runExplain } from "../lib/cli/explain.ts";
import {
  ARTIFACT_FILES,
  explain,
  type Explanation,
  OutputFolderError,
  readExplanationRun,
  writeExplanationRun,
} from "../lib/relevance/mod.ts";
import { randomImages, setupBackend } from "./relevance_fixtures.ts";
import { ensureDataMirror } from "./train_fixtures.ts";

await setupBackend();
const hasMirror = ensureDataMirror();

async function withTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "rnnx-explain-out-" });
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Runs the explain command, keeping what it prints on standard error. */
async function explainCli(args: string[]): Promise<{ code: number; stderr: string }> {
  const lines: string[] = [];
  const [error, log] = [console.error, console.log];
  console.error = (...a: unknown[]) => lines.push(a.join(" "));
  console.log = () => {};
  try {
    return { code: await runExplain(args), stderr: lines.join("\n") };
  } finally {
    [console.error, console.log] = [error, log];
  }
}

Deno.test("a failed rewrite of an output folder leaves the earlier explanation as it was", async () => {
  await withTempDir(async (root) => {
    const out = join(root, "out");
    const model = createModel(buildCell("deep", 12), { seed: 4 });
    try {
      const images = randomImages(2, 84, "atomic");
      const e = explain(model, images, { method: "dtd", targets: [1, 2] });
      const samples = {
        dataset: "mnist-maj",
        split: "test",
        seed: 0,
        indices: Int32Array.from([3, 5]),
      };
      const run = { model, weightsSource: "test", images, samples, explanation: e };
      await writeExplanationRun(out, run);
      const before = new Map<string, Uint8Array>();
      for (const f of Object.values(ARTIFACT_FILES)) {
        before.set(f, await Deno.readFile(join(out, f)));
      }
      // the heatmaps are cut short: the weights and inputs are written before this fails
      const broken: Explanation = { ...e, relevance: e.relevance.subarray(0, 10) };
      await assertRejects(() => writeExplanationRun(out, { ...run, explanation: broken }));
      for (const [f, bytes] of before) assertEquals(await Deno.readFile(join(out, f)), bytes, f);
      assertEquals((await Array.fromAsync(Deno.readDir(root))).map((d) => d.name), ["out"]);
      // a successful rewrite replaces every file
      const other = explain(model, images, { method: "sa", targets: [1, 2] });
      await writeExplanationRun(out, { ...run, explanation: other });
      assertEquals((await readExplanationRun(out)).model.method, "sa");
      // a folder holding other files is not replaced
      await Deno.writeTextFile(join(out, "notes.txt"), "mine");
      const err = await assertRejects(() => writeExplanationRun(out, run), OutputFolderError);
      assertStringIncludes(err.message, "notes.txt");
      assertEquals(await Deno.readTextFile(join(out, "notes.txt")), "mine");
    } finally {
      disposeModel(model);
    }
  });
});

Deno.test({
  name: "explain infers T = 12 on MAJ data and refuses weights holding NaN, naming the tensor",
  ignore: !hasMirror,
  async fn() {
    await withTempDir(async (root) => {
      const base = ["--dataset", "mnist-maj", "--method", "dtd", "--samples", "2"];
      const inferred = await explainCli(["--cell", "deep", ...base, "--out", join(root, "a")]);
      assertEquals(inferred.code, 0, inferred.stderr);
      assertEquals((await readExplanationRun(join(root, "a"))).model.cell.T, 12);

      const model = createModel(buildCell("deep", 12), { seed: 1 });
      const tensors = modelTensors(model);
      const meta = weightsMetadata(model);
      disposeModel(model);
      const w = tensors.get("out2.weight")!;
      (w.data as Float32Array)[3] = NaN;
      const file = join(root, "nan.safetensors");
      await writeSafetensors(file, tensors, meta);
      const out = join(root, "b");
      const nan = await explainCli([...base, "--weights", file, "--out", out]);
      assertEquals(nan.code, 1);
      assertStringIncludes(nan.stderr, file);
      assertStringIncludes(nan.stderr, 'tensor "out2.weight" holds NaN at index 3');
      await assertRejects(() => Deno.stat(out), Deno.errors.NotFound);

      const bad = await explainCli(["--cell", "deep", ...base, "--seed", "9007199254740993"]);
      assertEquals(bad.code, 2);
      assert(bad.stderr.includes("[0, 2^53)"), bad.stderr);
    });
  },
});
