import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { analyseCell, buildCell, countParameters } from "../lib/cells/mod.ts";
import { parameterRows, parameterTable } from "../lib/cli/cells.ts";
import { runScript } from "./script_fixtures.ts";

function counts(id: string, T: number) {
  return countParameters(analyseCell(buildCell(id, T)));
}

Deno.test("Table 3.3 counts for Shallow and Deep at T = 4 and T = 7 are reproduced", () => {
  assertEquals(counts("shallow", 4).paramsThesis, 184330);
  assertEquals(counts("shallow", 7).paramsThesis, 162826);
  assertEquals(counts("deep", 4).paramsThesis, 153578);
  assertEquals(counts("deep", 7).paramsThesis, 132074);
  for (const [id, T] of [["shallow", 4], ["shallow", 7], ["deep", 4], ["deep", 7]] as const) {
    assertEquals(counts(id, T).params, counts(id, T).paramsThesis, `${id}-${T}`);
  }
});

Deno.test("Table 3.5 counts for the MAJ cells of Experiment 2 are reproduced", () => {
  assertEquals(counts("shallow", 12).paramsThesis, 184330);
  assertEquals(counts("deep", 12).paramsThesis, 153578);
  assertEquals(counts("deepv2", 12).paramsThesis, 161386);
  assertEquals(counts("convdeep", 12).paramsThesis, 151802);
});

Deno.test("Table 3.6 counts for the MAJ cells of Experiment 3 are reproduced", () => {
  assertEquals(counts("deep-sd", 12).paramsThesis, 153578);
  assertEquals(counts("rlstm", 12).paramsThesis, 145701);
  assertEquals(counts("rlstm-sd", 12).paramsThesis, 145701);
  assertEquals(counts("conv+deep", 12).paramsThesis, 175418);
  assertEquals(counts("convrlstm-sd", 12).paramsThesis, 152125);
  assertEquals(counts("conv+rlstm-sd", 12).paramsThesis, 175741);
});

Deno.test("the true counts of the R-LSTM family include every gate bias element", () => {
  assertEquals(counts("rlstm", 12).params, 145914);
  assertEquals(counts("rlstm-sd", 12).params, 145914);
  assertEquals(counts("convrlstm-sd", 12).params, 152410);
  assertEquals(counts("conv+rlstm-sd", 12).params, 176026);
  assertEquals(145914 - 145701, 3 * (72 - 1));
});

Deno.test("T = 1 counts keep the recurrent rows the thesis leaves out", () => {
  assertEquals(counts("shallow", 1).params, 334858);
  assertEquals(counts("deep", 1).params, 304106);
  assertEquals(counts("shallow", 1).params - 256 * 256, 269322);
  assertEquals(counts("deep", 1).params - 256 * 128, 271338);
});

Deno.test("the R-LSTM uses 72 cells, as the published count requires", () => {
  const w = analyseCell(buildCell("rlstm", 12)).parameters.find((p) => p.name === "g.weight");
  assertEquals(w?.shape, [328, 72]);
});

Deno.test("LeNet-5 has 47,645 parameters", () => {
  assertEquals(counts("lenet5", 1).params, 47645);
});

Deno.test("the cells task lists every cell variant with both counts", () => {
  const rows = parameterRows();
  assertEquals(rows.length, 17 + 6, "17 thesis variants, LSTM and GRU at T = 4, 7, 12");
  for (const r of rows) assertEquals(Object.keys(r), ["cell", "T", "params", "params_thesis"]);
  const table = parameterTable(rows);
  assertStringIncludes(table, "| conv+rlstm-sd | 12 | 176,026 | 175,741 | 175,741 | yes |");
  assertStringIncludes(table, "269,322");
  assertStringIncludes(table, "| lstm | 12 | 149,870 |");
  assertStringIncludes(table, "| gru | 12 | 148,906 |");
  assertStringIncludes(table, "75 cells");
});

Deno.test("deno task cells --json prints a parseable array", async () => {
  const out = await runScript("lib/cli/cells.ts", ["--json"]);
  assert(out.ok, out.stderr);
  const rows = JSON.parse(out.stdout);
  assertEquals(rows.find((r: { cell: string; T: number }) => r.cell === "deep" && r.T === 7), {
    cell: "deep",
    T: 7,
    params: 132074,
    params_thesis: 132074,
  });
});
