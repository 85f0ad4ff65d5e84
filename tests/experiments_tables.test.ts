import { assertEquals, assertStringIncludes, assertThrows } from "@std/assert";
import {
  type AccuracyRecord,
  accuracyTable,
  appendixTable,
  FLAG_COLUMN,
  minimumFlag,
  NO_THESIS_NUMBER,
  parameterTable,
  UnknownArtifactError,
} from "../lib/experiments/mod.ts";
import { fakeEntry, fakeGrid } from "./experiments_fixtures.ts";

type Row = Record<string, unknown>;

Deno.test("Table 3.4 puts thesis and run accuracies side by side and flags models below the minimum", () => {
  const grid = fakeGrid([
    fakeEntry("mnist", "shallow", 4, [97.5]),
    fakeEntry("fashion-mnist", "shallow", 4, [86.25]),
    fakeEntry("mnist", "deep", 4, [98.5]),
    fakeEntry("fashion-mnist", "deep", 4, [80]),
  ]);
  const t = accuracyTable(grid, "3.4");
  assertEquals(t.name, "table-3.4");
  const rows = t.table as Row[];
  assertEquals(rows.length, 6);
  const shallow4 = rows.find((r) => r.T === 4 && r.Architecture === "Shallow")!;
  assertEquals(shallow4["MNIST thesis"], 98.56);
  assertEquals(shallow4["MNIST this run"], 97.5);
  assertEquals(shallow4["FashionMNIST thesis"], 89.04);
  assertEquals(shallow4["FashionMNIST this run"], 86.25);
  assertEquals(shallow4[FLAG_COLUMN], "MNIST 97.50% < 98%");
  assertEquals(shallow4["MNIST gap (pp)"], -1.06);
  assertEquals(shallow4["FashionMNIST gap (pp)"], -2.79);
  const deep4 = rows.find((r) => r.T === 4 && r.Architecture === "Deep")!;
  assertEquals(deep4[FLAG_COLUMN], "FashionMNIST 80.00% < 85%");
  const deep1 = rows.find((r) => r.T === 1 && r.Architecture === "Deep")!;
  assertEquals(deep1["MNIST this run"], null);
  assertEquals(deep1["MNIST gap (pp)"], null);
  assertEquals(deep1[FLAG_COLUMN], "");
  assertEquals(t.runs.length, 4);
  const records = t.extra!.accuracy as AccuracyRecord[];
  assertEquals(records.length, 12);
  const r = records.find((x) => x.dataset === "mnist" && x.cell === "shallow" && x.T === 4)!;
  assertEquals(r, {
    table: "3.4",
    dataset: "mnist",
    cell: "shallow",
    T: 4,
    model: "Shallow-4",
    thesis: 98.56,
    run: 97.5,
    gap: -1.06,
    minimum: 98,
    epochs: 3,
    stop: "all epochs",
    folds: 1,
  });
});

Deno.test("a stored run stopped by an earlier version of the stopping rule says so in the stop column", () => {
  const entry = fakeEntry("mnist-maj", "deep", 12, [97.9, 98.1]);
  const stop = { epoch: 3, reason: "target", target: 0.9816 };
  for (const r of entry.runs) (r.manifest.training as { stopping?: unknown }).stopping = stop;
  entry.runs[1].earlierRule = "stopped at epoch 3 (target 98.16%); the current rule trains on";
  const records = accuracyTable(fakeGrid([entry]), "3.5").extra!.accuracy as AccuracyRecord[];
  const deep = records.find((r) => r.cell === "deep" && r.dataset === "mnist-maj")!;
  assertEquals(deep.stop, "target 98.16%; target 98.16%, earlier rule");
});

Deno.test("Table 3.5 reports the mean over folds with the parameter counts", () => {
  const grid = fakeGrid([
    fakeEntry("mnist-maj", "convdeep", 12, [99.0, 99.5]),
    fakeEntry("fashion-mnist-maj", "convdeep", 12, [84.0, 85.0]),
  ]);
  const rows = accuracyTable(grid, "3.5").table as Row[];
  const conv = rows.find((r) => r.Architecture === "ConvDeep")!;
  assertEquals(conv["No. variables thesis"], 151802);
  assertEquals(conv["No. variables this run"], 151802);
  assertEquals(conv["MNIST-MAJ thesis"], 99.22);
  assertEquals(conv["MNIST-MAJ this run"], 99.25);
  assertEquals(conv["FashionMNIST-MAJ this run"], 84.5);
  assertEquals(conv[FLAG_COLUMN], "FashionMNIST-MAJ 84.50% < 85%");
  assertEquals(conv["MNIST-MAJ gap (pp)"], 0.03);
  assertEquals(conv["FashionMNIST-MAJ gap (pp)"], -8.37);
  assertEquals(accuracyTable(grid, "3.6").name, "table-3.6");
});

Deno.test("Table 3.6 lists LSTM and GRU without thesis numbers, under the Table 3.2 minimum", () => {
  const grid = fakeGrid([fakeEntry("fashion-mnist-maj", "lstm", 12, [84.0, 84.5, 85.0])]);
  const t = accuracyTable(grid, "3.6");
  const rows = t.table as Row[];
  assertEquals(rows.map((r) => r.Architecture).slice(-2), ["LSTM", "GRU"]);
  const lstm = rows.find((r) => r.Architecture === "LSTM")!;
  assertEquals(lstm["No. variables thesis"], NO_THESIS_NUMBER);
  assertEquals(lstm["FashionMNIST-MAJ thesis"], NO_THESIS_NUMBER);
  assertEquals(lstm["FashionMNIST-MAJ gap (pp)"], NO_THESIS_NUMBER);
  assertEquals(lstm["FashionMNIST-MAJ this run"], 84.5);
  assertEquals(lstm["MNIST-MAJ this run"], null);
  assertEquals(lstm[FLAG_COLUMN], "FashionMNIST-MAJ 84.50% < 85%");
  const records = (t.extra as { accuracy: AccuracyRecord[] }).accuracy;
  const record = records.find((r) => r.cell === "lstm" && r.dataset === "fashion-mnist-maj")!;
  assertEquals([record.thesis, record.gap, record.minimum], [null, null, 85]);
});

Deno.test("Appendix 1 puts the run's fold mean and sd next to the thesis's", () => {
  const grid = fakeGrid([fakeEntry("mnist-maj", "deep", 12, [98.0, 99.0, 97.0])]);
  const t = appendixTable(grid);
  assertEquals(t.name, "table-A1");
  const rows = t.table as Row[];
  assertEquals(rows.length, 20);
  const deep = rows.find((r) => r.Dataset === "MNIST-MAJ" && r.Architecture === "Deep")!;
  assertEquals(deep["thesis mean"], 98.43);
  assertEquals(deep["thesis sd"], 0.0926);
  assertEquals(deep["this run folds"], 3);
  assertEquals(deep["this run mean"], 98);
  assertEquals(deep["this run sd"], 1);
  assertEquals(deep[FLAG_COLUMN], "");
  assertEquals((appendixTable(grid, ["deep"]).table as Row[]).length, 2);
});

Deno.test("the parameter table matches the thesis for T = 4 and 7, not for T = 1", () => {
  const rows = parameterTable().table as Row[];
  for (const r of rows) {
    const match = r["Shallow thesis"] === r["Shallow this run"] &&
      r["Deep thesis"] === r["Deep this run"];
    assertEquals(match, r.T !== 1, `T = ${r.T}`);
  }
  assertStringIncludes(parameterTable().caption, "334,858");
});

Deno.test("minimumFlag is empty at or above the minimum and for missing numbers", () => {
  assertEquals(minimumFlag("mnist", 98), "");
  assertEquals(minimumFlag("mnist-maj", null), "");
  assertEquals(minimumFlag("fashion-mnist", 84.999), "FashionMNIST 85.00% < 85%");
});

Deno.test("an unknown accuracy table lists the valid ones", () => {
  assertThrows(() => accuracyTable(undefined, "3.9"), UnknownArtifactError, "3.4, 3.5, 3.6, lenet");
});
