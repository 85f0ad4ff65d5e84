import {
  assert,
  assertEquals,
  assertLessOrEqual,
  assertRejects,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import { join } from "node:path";
import {
  buildCell,
  createModel,
  disposeModel,
  loadModel,
  readSafetensors,
} from "../lib/cells/mod.ts";
import { UnknownDatasetError } from "../lib/data/mod.ts";
import { ExplainArgsError, parseExplainArgs, runExplain } from "../lib/cli/explain.ts";
import {
  ARTIFACT_FILES,
  conservationMetadata,
  explain,
  readExplanationRun,
  UnknownMethodError,
  writeExplanationRun,
} from "../lib/relevance/mod.ts";
import { maxAbsDiff, randomImages, rowSums, setupBackend } from "./relevance_fixtures.ts";

await setupBackend();

Deno.test("an explanation run round-trips through its safetensors files and model.json", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rnnx-explain-" });
  const model = createModel(buildCell("rlstm-sd", 12), { seed: 9, biasMode: "thesis" });
  try {
    const images = randomImages(3, 84, "roundtrip");
    const e = explain(model, images, { method: "lrp-a1.5b0.5", targets: [1, 5, 9] });
    const indices = Int32Array.from([4, 40, 400]);
    const json = await writeExplanationRun(dir, {
      model,
      weightsSource: "test",
      images,
      samples: { dataset: "mnist-maj", split: "test", seed: 3, indices },
      explanation: e,
    });
    assertEquals(json.files[ARTIFACT_FILES.relevance].per_step, {
      dtype: "F32",
      shape: [3, 12, 196],
    });
    const back = await readExplanationRun(dir);
    assertEquals(back.model.cell.id, "rlstm-sd");
    assertEquals(back.model.options.alpha, 1.5);
    assertEquals(maxAbsDiff(back.images, images), 0);
    assertEquals(maxAbsDiff(back.relevance, e.relevance), 0);
    assertEquals(maxAbsDiff(back.perStep, e.perStep), 0);
    assertEquals(maxAbsDiff(back.logits, e.logits), 0);
    assertEquals(Array.from(back.targets), [1, 5, 9]);
    assertEquals(Array.from(back.indices), [4, 40, 400]);
    // The metadata carries each sample's Σ R and ReLU(f_y): conservation checkable from the file.
    const meta = (await readSafetensors(join(dir, ARTIFACT_FILES.relevance))).metadata;
    const sums = JSON.parse(meta.relevance_sums) as number[];
    const relu = JSON.parse(meta.relu_target_logits) as number[];
    const expectedSums = rowSums(e.relevance, 3);
    for (let n = 0; n < 3; n++) {
      assert(Math.abs(sums[n] - expectedSums[n]) < 1e-9, `Σ R of sample ${n}`);
      const fy = e.logits[n * 10 + [1, 5, 9][n]];
      assert(Math.abs(relu[n] - Math.max(0, fy)) < 1e-6, `ReLU(f_y) of sample ${n}`);
      assert(Math.abs(sums[n] - relu[n]) <= 1e-4 * Math.max(1, Math.abs(fy)), `conserves ${n}`);
    }
    assert(Number(meta.max_conservation_error) <= 1e-4);
    const reloaded = await loadModel(join(dir, ARTIFACT_FILES.weights));
    try {
      const again = explain(reloaded, images, { method: "lrp-a1.5b0.5", targets: [1, 5, 9] });
      assertEquals(maxAbsDiff(again.relevance, e.relevance), 0);
    } finally {
      disposeModel(reloaded);
    }
    // A model.json that does not describe its files is rejected.
    json.files[ARTIFACT_FILES.inputs].images.shape = [3, 28, 28];
    await Deno.writeTextFile(join(dir, ARTIFACT_FILES.model), JSON.stringify(json));
    await assertRejects(() => readExplanationRun(dir), Error, "images");
  } finally {
    disposeModel(model);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the explain command rejects unknown cells, datasets, methods and options with the valid ones", () => {
  const base = ["--cell", "deep", "--dataset", "mnist", "--method", "dtd", "--out", "o"];
  assertEquals(parseExplainArgs(base).samples, 8);
  const swap = (k: string, v: string) => {
    const a = [...base];
    a[a.indexOf(k) + 1] = v;
    return a;
  };
  assertThrows(() => parseExplainArgs(swap("--cell", "peephole-lstm")), ExplainArgsError, "gru");
  assertThrows(
    () => parseExplainArgs(swap("--dataset", "cifar")),
    UnknownDatasetError,
    "mnist-maj",
  );
  assertThrows(() => parseExplainArgs(swap("--method", "ig")), UnknownMethodError, "lrp-a2b1");
  const eps = parseExplainArgs([
    ...swap("--method", "lrp-epsilon"),
    "--epsilon",
    "0.01",
    "--bias",
    "redistribute",
  ]);
  assertEquals(eps.method, { method: "lrp-epsilon", epsilon: 0.01, bias: "redistribute" });
  assertThrows(
    () => parseExplainArgs([...swap("--method", "lrp-epsilon"), "--bias", "keep"]),
    ExplainArgsError,
    "absorb, redistribute",
  );
  assertThrows(
    () => parseExplainArgs([...base, "--gb-gates", "half"]),
    ExplainArgsError,
    "zero, pass",
  );
  assertThrows(() => parseExplainArgs([...base, "--epochs", "3"]), ExplainArgsError, "--samples");
  assertThrows(() => parseExplainArgs(base.slice(2)), ExplainArgsError, "--cell");
  const lrp = parseExplainArgs([...swap("--method", "lrp"), "--alpha=2", "--beta", "1"]);
  assertEquals([lrp.method.alpha, lrp.method.beta], [2, 1]);
});

/** Runs the explain command with `args`; its exit code and what it printed, line by line. */
async function explainPrinting(args: string[]): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => lines.push(a.join(" "));
  try {
    return { code: await runExplain(args), lines };
  } finally {
    console.log = log;
  }
}

const mirror = "/work/shared/datasets";
const hasMirror = await Deno.stat(join(mirror, "mnist")).then(() => true, () => false);

Deno.test({
  name: "the explain command writes conservative DTD heatmaps of MAJ test samples",
  ignore: !hasMirror && !Deno.env.get("RNNX_DATA_MIRROR"),
  async fn() {
    if (!Deno.env.get("RNNX_DATA_MIRROR")) Deno.env.set("RNNX_DATA_MIRROR", mirror);
    const dir = await Deno.makeTempDir({ prefix: "rnnx-explain-cli-" });
    try {
      const args = ["--cell", "deep", "--T", "12", "--dataset", "mnist-maj", "--method", "dtd"];
      const { code, lines } = await explainPrinting([
        ...args,
        ...["--samples", "3", "--seed", "2", "--out", dir],
      ]);
      assertEquals(code, 0);
      const summary = lines.find((l) => l.startsWith("conservation: largest"));
      assert(summary !== undefined && summary.endsWith("of 3)"), lines.join("\n"));
      assertLessOrEqual(Number(summary.split(" = ")[1].split(" ")[0]), 1e-4);
      const run = await readExplanationRun(dir);
      assertEquals(run.model.targets, "given");
      assertEquals(run.model.data, { dataset: "mnist-maj", split: "test", seed: 2, samples: 3 });
      assert(run.images.every((v) => v >= -1 && v <= 1));
      const sums = rowSums(run.relevance, 3);
      for (let b = 0; b < 3; b++) {
        const fy = run.logits[b * 10 + run.targets[b]];
        assert(Math.abs(sums[b] - Math.max(0, fy)) <= 1e-4 * Math.max(1, Math.abs(fy)));
      }
      const wrongWidth = await runExplain([
        ...args.slice(0, 4),
        "--dataset",
        "mnist",
        "--method",
        "dtd",
        "--out",
        dir,
      ]);
      assertEquals(wrongWidth, 2);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("the explain command's usage lists every method", async () => {
  const { code, lines } = await explainPrinting(["--help"]);
  assertEquals(code, 0);
  assertStringIncludes(lines.join("\n"), "lrp-a1.5b0.5");
});

Deno.test("the conservation metadata counts what the rules absorbed", () => {
  const e = {
    relevance: new Float32Array([1, 2, 0.5, 0.5]),
    batch: 2,
    start: new Float32Array([4, 1]),
    absorbed: new Float32Array([1, 0]),
    logits: new Float32Array(20),
    targets: new Int32Array(2),
  };
  const m = conservationMetadata(e);
  assertEquals(m.absorbed_relevance, "[1,0]");
  assertEquals(Number(m.max_conservation_error), 0);
  // Without the absorbed part sample 0 would miss 1 of its 4.
  assertEquals(
    Number(conservationMetadata({ ...e, absorbed: undefined }).max_conservation_error),
    1,
  );
});
