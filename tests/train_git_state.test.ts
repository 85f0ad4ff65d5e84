import { assertEquals } from "@std/assert";
import { join } from "node:path";
import { gitState } from "../lib/report/provenance.ts";
import { sourceState } from "../lib/train/mod.ts";

async function git(cwd: string, ...args: string[]): Promise<void> {
  const out = await new Deno.Command("git", {
    args: ["-c", "user.name=t", "-c", "user.email=t@t", ...args],
    cwd,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
}

const notebook = (source: string, output: string) =>
  JSON.stringify({
    cells: [
      { cell_type: "markdown", source: ["# Title\n", "prose"] },
      { cell_type: "code", source: [source], outputs: [{ text: output }] },
    ],
  });

Deno.test("the tree counts changed sources, not the pipeline's runs, figures, report or notebook outputs", async () => {
  const root = await Deno.makeTempDir({ prefix: "rnnx-git-state-" });
  try {
    for (const dir of ["lib", "notebooks", "figures", "report", "runs/mnist"]) {
      await Deno.mkdir(join(root, dir), { recursive: true });
    }
    const write = (path: string, text: string) => Deno.writeTextFile(join(root, path), text);
    await write("lib/a.ts", "export const a = 1;\n");
    await write("notebooks/01.ipynb", notebook("run()", "old output"));
    await write("figures/fig.csv", "x\n1\n");
    await write("report/index.html", "<p>old</p>");
    await write("runs/mnist/manifest.json", "{}");
    await write("untracked.txt", "never added");
    await git(root, "init", "-q");
    await git(root, "add", "lib", "notebooks", "figures", "report", "runs");
    await git(root, "commit", "-qm", "init");

    const clean = await sourceState(root);
    assertEquals(clean.changed, []);
    assertEquals(clean.commit?.length, 40);

    // what a report build rewrites: notebook outputs, figures, report, runs
    await write("notebooks/01.ipynb", notebook("run()", "new output"));
    await write("figures/fig.csv", "x\n2\n");
    await write("report/index.html", "<p>new</p>");
    await write("runs/mnist/manifest.json", '{"a":1}');
    assertEquals((await sourceState(root)).changed, []);
    assertEquals((await gitState(root)).tree, "clean");
    // asked from a folder inside the tree (a report build asks from notebooks/)
    assertEquals((await sourceState(join(root, "notebooks"))).changed, []);
    assertEquals((await gitState(join(root, "notebooks"))).tree, "clean");

    // edited sources count: a notebook cell and a library file
    await write("notebooks/01.ipynb", notebook("run(2)", "new output"));
    await write("lib/a.ts", "export const a = 2;\n");
    assertEquals((await sourceState(root)).changed, ["lib/a.ts", "notebooks/01.ipynb"]);
    assertEquals(
      (await gitState(root)).tree,
      "dirty (2 source files changed: lib/a.ts, notebooks/01.ipynb)",
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("outside a repository the state is unknown", async () => {
  const root = await Deno.makeTempDir({ prefix: "rnnx-no-git-" });
  try {
    assertEquals(await sourceState(root), { commit: null, changed: null });
    assertEquals(await gitState(root), { commit: "unknown", tree: "unknown" });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
