/**
 * Checks bench/torch_reference.py against lib/cells: same parameters, same
 * evaluation-mode logits for the same weights, and its JSON output contract.
 * Skipped where no python3 with torch is installed (`apt-get install python3-torch`).
 */
import { assert, assertEquals, assertLess, assertStringIncludes } from "@std/assert";
import { tf } from "../lib/backend/mod.ts";
import { runScript } from "./script_fixtures.ts";
import { buildCell, createModel, disposeModel, forward } from "../lib/cells/mod.ts";
import { Prng } from "../lib/data/prng.ts";
import { findTorchPython, TorchReferenceError } from "../lib/train/mod.ts";

const SCRIPT = new URL("../bench/torch_reference.py", import.meta.url).pathname;
const CELLS = ["deep", "rlstm", "convdeep", "conv+deep", "conv+rlstm-sd"] as const;

/** Debian's python3 with torch, or null where none imports it (the tests are then skipped). */
const python = await findTorchPython().catch((e) => {
  if (e instanceof TorchReferenceError) return null;
  throw e;
});
const ignore = python === null;

/** Runs the PyTorch reference script with `args`. */
async function runReference(
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(python!, { args: [SCRIPT, ...args] }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

interface ParamReport {
  cell: string;
  T: number;
  trainable: number;
  weights: number;
  parameters: Record<string, { shape: number[]; size: number }>;
}

Deno.test({
  name: "the torch reference cells have the parameters of the code-mode cells in lib/cells",
  ignore,
  async fn() {
    const { code, stdout, stderr } = await runReference(["--check", "--json"]);
    assertEquals(code, 0, stderr);
    const reports = JSON.parse(stdout) as ParamReport[];
    assertEquals(reports.map((r) => r.cell), [...CELLS]);
    for (const report of reports) {
      const model = createModel(buildCell(report.cell, 12), { seed: 1, biasMode: "code" });
      const expected: Record<string, number[]> = {};
      let total = 0;
      for (const [name, v] of model.params) {
        expected[name] = v.shape;
        total += v.size;
      }
      disposeModel(model);
      const got = Object.fromEntries(
        Object.entries(report.parameters).map(([k, v]) => [k, v.shape]),
      );
      assertEquals(got, expected, `${report.cell}: parameter shapes`);
      assertEquals(report.trainable, total, `${report.cell}: trainable count`);
    }
  },
});

Deno.test({
  name: "the torch reference cells compute the same logits as lib/cells for the same weights",
  ignore,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "torch_parity_" });
    try {
      for (const cell of CELLS) {
        const spec = buildCell(cell, 12);
        const model = createModel(spec, { seed: 7, biasMode: "code" });
        const prng = new Prng(`parity/${cell}`);
        const B = 3;
        const pixels = Float32Array.from(
          { length: B * spec.height * spec.width },
          () => 2 * prng.next() - 1,
        );
        // non-zero gate biases, so that their orientation and use are checked too
        for (const [name, v] of model.params) {
          if (name.endsWith(".bias")) v.assign(tf.randomUniform(v.shape, -0.5, 0.5, "float32", 3));
        }
        const x = tf.tensor3d(pixels, [B, spec.height, spec.width]);
        const logits = forward(model, x);
        const want = logits.arraySync();
        const params: Record<string, { shape: number[]; values: number[] }> = {};
        for (const [name, v] of model.params) {
          params[name] = { shape: v.shape, values: Array.from(v.dataSync()) };
        }
        const file = `${dir}/${cell}.json`;
        await Deno.writeTextFile(
          file,
          JSON.stringify({ cell, T: 12, params, x: x.arraySync() }),
        );
        tf.dispose([x, logits]);
        disposeModel(model);

        const { code, stdout, stderr } = await runReference(["--parity", file]);
        assertEquals(code, 0, stderr);
        const got = (JSON.parse(stdout) as { logits: number[][] }).logits;
        assertEquals(got.length, B);
        const scale = Math.max(1, ...want.flat().map(Math.abs));
        for (let b = 0; b < B; b++) {
          for (let k = 0; k < 10; k++) {
            assertLess(
              Math.abs(got[b][k] - want[b][k]) / scale,
              1e-4,
              `${cell}: logit [${b}][${k}] torch ${got[b][k]} vs tfjs ${want[b][k]}`,
            );
          }
        }
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "the torch reference prints one JSON array of timings and nothing else on stdout",
  ignore,
  async fn() {
    const { code, stdout, stderr } = await runReference([
      "--cells",
      "rlstm",
      "--threads",
      "1",
      "--batch",
      "4",
      "--warmup",
      "1",
      "--repeats",
      "3",
      "--json",
    ]);
    assertEquals(code, 0, stderr);
    const rows = JSON.parse(stdout) as Record<string, unknown>[];
    assertEquals(rows.length, 1);
    const row = rows[0];
    assertEquals(
      Object.keys(row).sort(),
      ["T", "batch", "cell", "max_per_s", "median_per_s", "min_per_s", "threads", "torch_version"],
    );
    assertEquals([row.cell, row.T, row.batch, row.threads], ["rlstm", 12, 4, 1]);
    const [lo, mid, hi] = [row.min_per_s, row.median_per_s, row.max_per_s] as number[];
    assert(
      lo > 0 && lo <= mid && mid <= hi,
      `expected 0 < min <= median <= max, got ${lo}, ${mid}, ${hi}`,
    );
    assertStringIncludes(stderr, "rlstm");
  },
});

Deno.test({
  name: "the torch reference rejects an unknown cell and lists the valid ones",
  ignore,
  async fn() {
    const { code, stdout, stderr } = await runReference(["--cells", "gru", "--json"]);
    assertEquals(code, 1);
    assertEquals(stdout, "");
    assertStringIncludes(stderr, 'unknown cell "gru"; valid cells: deep, rlstm, convdeep');
  },
});

Deno.test({
  name: "deno task bench --vs-pytorch --rounds 2 pairs each cell's rounds with the reference",
  ignore,
  async fn() {
    const { ok, stdout, stderr } = await runScript("lib/cli/bench.ts", [
      ...["--cells", "deep,shallow", "--batch", "4", "--warmup", "0", "--repeats", "1"],
      ...["--vs-pytorch", "--rounds", "2", "--json"],
    ]);
    assert(ok, stderr);
    const rows = JSON.parse(stdout) as Record<string, unknown>[];
    const deep = rows.find((r) => r.cell === "deep")!;
    assertEquals(deep.rounds, 2);
    assert((deep.ratio as number) > 0 && (deep.ratio_per_core as number) > 0, JSON.stringify(deep));
    assert([1, 2].includes(deep.pytorch_threads as number), `threads ${deep.pytorch_threads}`);
    const shallow = rows.find((r) => r.cell === "shallow")!;
    assertEquals(shallow.ratio, undefined, "the reference has no Shallow cell");
    assertEquals(shallow.rounds, undefined, "cells without a reference are measured once");
    assertStringIncludes(stderr, "train deep:");
    assertStringIncludes(stderr, "(2 rounds)");
  },
});
