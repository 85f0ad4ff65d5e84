/**
 * Headless notebook execution: an executed copy replaces the earlier one whole,
 * and a notebook that fails leaves the earlier copy as it was and reports its own
 * error (not one an earlier copy carries). Needs Jupyter's nbconvert; the Deno
 * kernel is installed where it is missing.
 */
import { assert, assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import {
  ensureDenoKernel,
  executeNotebook,
  nbconvertVersion,
  NotebookExecutionError,
} from "../lib/report/jupyter.ts";

const jupyter = await nbconvertVersion().then(() => true, () => false);
if (jupyter) await ensureDenoKernel();

function notebook(code: string, outputs: unknown[] = []): string {
  return JSON.stringify({
    cells: [{ cell_type: "code", execution_count: null, metadata: {}, outputs, source: [code] }],
    metadata: {
      kernelspec: { display_name: "Deno", language: "typescript", name: "deno" },
      language_info: { name: "typescript" },
    },
    nbformat: 4,
    nbformat_minor: 5,
  });
}

async function names(dir: string): Promise<string[]> {
  return (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort();
}

Deno.test({
  name:
    "a notebook that fails leaves the earlier executed copy as it was and reports its own error",
  ignore: !jupyter,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "rnnx-jupyter-" });
    try {
      await Deno.mkdir(`${dir}/executed`);
      const earlier = notebook('throw new Error("old failure")', [
        { output_type: "error", ename: "Error", evalue: "old failure", traceback: [] },
      ]);
      await Deno.writeTextFile(`${dir}/executed/n.ipynb`, earlier);
      await Deno.writeTextFile(`${dir}/n.ipynb`, notebook('throw new Error("new failure")'));
      const e = await assertRejects(
        () => executeNotebook(`${dir}/n.ipynb`, { outputDir: `${dir}/executed` }),
        NotebookExecutionError,
      );
      assertStringIncludes(e.message, "new failure");
      assert(!e.message.includes("old failure"), e.message);
      assertEquals(await Deno.readTextFile(`${dir}/executed/n.ipynb`), earlier);
      assertEquals(await names(`${dir}/executed`), ["n.ipynb"]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "an executed notebook replaces its copy, or itself in place, and leaves nothing beside it",
  ignore: !jupyter,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "rnnx-jupyter-" });
    try {
      await Deno.writeTextFile(`${dir}/n.ipynb`, notebook("console.log(6 * 7)"));
      const copy = await executeNotebook(`${dir}/n.ipynb`, { outputDir: `${dir}/executed` });
      assertEquals(copy, `${dir}/executed/n.ipynb`);
      assertStringIncludes(await Deno.readTextFile(copy), "42");
      assertEquals(await names(`${dir}/executed`), ["n.ipynb"]);
      assertEquals(await executeNotebook(`${dir}/n.ipynb`), `${dir}/n.ipynb`);
      assertStringIncludes(await Deno.readTextFile(`${dir}/n.ipynb`), "42");
      assertEquals(await names(dir), ["executed", "n.ipynb"]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
