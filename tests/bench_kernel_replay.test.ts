/**
 * `bench/kernel_replay.ts` records a step's (or a batch's) kernel calls and replays them,
 * and the bench scripts' whole-number options are checked with the value named.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes, assertThrows } from "@std/assert";
import { countOption } from "../bench/count_option.ts";
import { runScript } from "./script_fixtures.ts";

/** Runs the replay script with `args`. */
const replay = (args: string[]) => runScript("bench/kernel_replay.ts", args);

/** The kernel table's rows: kernel, calls, milliseconds. */
function tableRows(out: string): [string, number, number][] {
  return out.split("\n")
    .filter((l) => l.startsWith("| ") && !l.startsWith("| kernel") && !l.startsWith("| ---"))
    .map((l) => {
      const [kernel, calls, ms] = l.split("|").slice(1, 4).map((c) => c.trim());
      return [kernel, Number(calls), Number(ms)];
    });
}

Deno.test("kernel_replay replays a Deep training step's kernels, the products among them", async () => {
  const r = await replay(["--cell", "deep", "--rounds", "2", "--warmup", "1"]);
  assert(r.ok, r.stderr);
  const calls = Number(/deep: (\d+) kernel calls in a training step/.exec(r.stdout)?.[1]);
  assert(calls > 100, r.stdout);
  assertMatch(r.stdout, /step [\d.]+ ms, its kernels replayed [\d.]+ ms \(\d+ %\)/);
  const rows = tableRows(r.stdout);
  assertEquals(rows.reduce((n, [, c]) => n + c, 0), calls, "every call is in the table once");
  const products = rows.find(([k]) => k === "BatchMatMul");
  assert(products && products[1] > 0 && products[2] > 0, r.stdout);
});

Deno.test("kernel_replay hands a kernel of a list (the GRU's AddN) its inputs as a list", async () => {
  const r = await replay(["--cell", "gru", "--rounds", "1", "--warmup", "1"]);
  assert(r.ok, r.stderr);
  assert(tableRows(r.stdout).some(([k, calls]) => k === "AddN" && calls > 0), r.stdout);
});

Deno.test("kernel_replay --T replays a cell of another length (LeNet-5 at T = 1)", async () => {
  const r = await replay(["--cell", "lenet5", "--T", "1", "--rounds", "1", "--warmup", "1"]);
  assert(r.ok, r.stderr);
  assertMatch(r.stdout, /lenet5: \d+ kernel calls in a training step \(T = 1, batch 50\)/);
  assert(tableRows(r.stdout).some(([k, calls]) => k === "Conv2D" && calls > 0), r.stdout);
});

Deno.test("kernel_replay --method replays a batch of heatmaps", async () => {
  const r = await replay(["--cell", "deep", "--method", "dtd", "--rounds", "1", "--warmup", "1"]);
  assert(r.ok, r.stderr);
  assertMatch(r.stdout, /deep: \d+ kernel calls in a batch of 500 dtd heatmaps/);
  assertMatch(r.stdout, /batch [\d.]+ ms, its kernels replayed [\d.]+ ms/);
});

Deno.test("the bench scripts' counts name the option and the value they refuse", async () => {
  assertEquals(countOption("--rounds", "12", 1), 12);
  assertEquals(countOption("--warmup", "0", 0), 0);
  for (const bad of ["0", "-3", "1.5", "x", "", undefined]) {
    assertThrows(() => countOption("--rounds", bad, 1), RangeError, `found "${bad}"`);
  }
  const r = await replay(["--cell", "deep", "--rounds", "many"]);
  assert(!r.ok);
  assertStringIncludes(r.stderr, `--rounds must be a whole number ≥ 1, found "many"`);
});
