import { assertEquals, assertStringIncludes } from "@std/assert";
import { runScript } from "./script_fixtures.ts";

/** Runs a task's entry point. */
const task = (file: string, args: string[]) => runScript(`lib/cli/${file}`, args);

Deno.test("every task exits 2 on a command line that does not fit, with the reason", async () => {
  const cases: [string, string[], string][] = [
    ["report.ts", ["--bogus"], "Unknown option '--bogus'"],
    ["report.ts", ["--profile", "big"], "valid profiles: smoke, quick, converged, full"],
    [
      "report.ts",
      ["--train", "always"],
      '--train="always" is not a training mode; valid: missing, never',
    ],
    ["bench.ts", ["--batch", "0"], "--batch must be an integer of at least 1"],
    ["bench.ts", ["--repeats", "1.5"], "--repeats must be an integer"],
    ["bench.ts", ["--cells", "peephole-lstm"], 'unknown cell "peephole-lstm"'],
    ["bench.ts", ["--cases", "explain", "--methods", "ig"], "lrp-a2b1"],
    ["data.ts", ["--bogus"], "unknown option --bogus"],
    ["cells.ts", ["--bogus"], "usage: deno task cells"],
    ["explain.ts", ["--cell", "deep"], "--method is required"],
    ["train.ts", ["--cell", "deep"], "--dataset is required"],
  ];
  for (const [file, args, reason] of cases) {
    const r = await task(file, args);
    assertEquals(r.code, 2, `${file} ${args.join(" ")}: ${r.stderr}`);
    assertStringIncludes(r.stderr, reason);
    assertEquals(r.stderr.includes("    at "), false, `no stack trace: ${r.stderr}`);
  }
});
