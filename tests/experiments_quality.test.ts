import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { join } from "node:path";
import {
  aggregateQuality,
  madeByPath,
  qualityFrame,
  type QualityRow,
  readMadeBy,
} from "../lib/eval/mod.ts";
import {
  type GridEntry,
  QUALITY_FIGURES,
  QUALITY_FILE,
  qualityCurvePoints,
  qualityEvaluation,
  qualityMethodsOf,
  type QualityResult,
  qualityTable,
  qualityVerdicts,
  rowsCode,
  setupExperiment,
  STANDARD_CELL_METHODS,
  thesisQuality,
  trainGrid,
} from "../lib/experiments/mod.ts";
import { createProgressDisplay } from "../lib/train/mod.ts";
import { fakeEntry, fakeGrid } from "./experiments_fixtures.ts";
import { ensureDataMirror } from "./train_fixtures.ts";

const METHODS = ["sa", "gb", "dtd", "lrp-a1.5b0.5", "uniform", "random", "intensity"];

/** Synthetic per-fold rows: DTD and LRP localise and perturb better; GB survives randomisation. */
function syntheticRows(
  cells: readonly string[],
  methodsOf: (cell: string) => readonly string[] = () => METHODS,
  dataset = "mnist-maj",
): QualityRow[] {
  const good: Record<string, number> = {
    "lrp-epsilon": 0.6,
    sa: 0.5,
    gb: 0.55,
    dtd: 0.8,
    "lrp-a1.5b0.5": 0.85,
    uniform: 2 / 3,
    random: 0.66,
    intensity: 0.67,
  };
  const similarity: Record<string, number> = {
    "lrp-epsilon": 0.2,
    sa: 0.1,
    gb: 0.9,
    dtd: 0.05,
    "lrp-a1.5b0.5": 0.1,
    random: 0,
    intensity: 1,
  };
  const rows: QualityRow[] = [];
  for (const cell of cells) {
    for (let fold = 0; fold < 3; fold++) {
      for (const method of methodsOf(cell)) {
        const base = {
          dataset,
          cell,
          T: 12,
          fold,
          profile: "quick",
          seed: 0,
          method,
          setting: "",
          order: "",
          step: -1,
          layer: "",
          sample: 0,
        };
        const v = good[method] + 0.01 * fold + (cell === "rlstm" ? 0.05 : 0);
        for (const measure of ["mass_accuracy", "rank_accuracy", "pointing_game", "cosine"]) {
          rows.push({ ...base, measure, value: v });
        }
        for (const setting of ["steps12", "patches7"]) {
          rows.push({ ...base, measure: "morf_lerf_gap", setting, value: v - 0.5 });
          rows.push({ ...base, measure: "aopc", setting, order: "morf", value: v });
          for (const order of ["morf", "lerf", "random"]) {
            for (const step of [0, 6, 12]) {
              rows.push({
                ...base,
                measure: "logit",
                setting,
                order,
                step,
                sample: -1,
                value: 5 - step * v,
              });
            }
          }
        }
        if (method !== "uniform") {
          ["out2", "out1", "r"].forEach((layer, step) => {
            const value = 1 - (1 - similarity[method]) * (step + 1) / 3;
            for (const measure of ["spearman", "ssim"]) {
              rows.push({ ...base, measure, setting: "cascading", step, layer, value });
            }
          });
        }
      }
    }
  }
  return rows;
}

/** A quality result of the grid of `entries` with the given rows, aggregated. */
function resultOf(entries: GridEntry[], qualityRows: QualityRow[]): QualityResult {
  const grid = fakeGrid(entries);
  const rows = qualityFrame(qualityRows);
  return {
    grid,
    methods: METHODS,
    entries: grid.entries,
    rows,
    aggregate: aggregateQuality(rows),
    runs: [],
    computed: 0,
    reused: 0,
  };
}

function syntheticResult(accuracy: number): QualityResult {
  const cells = ["deep", "rlstm"] as const;
  return resultOf(
    cells.map((c) => fakeEntry("mnist-maj", c, 12, [accuracy, accuracy, accuracy])),
    syntheticRows(cells),
  );
}

Deno.test("table q.1 shows each measure with its interval over folds and flags weak models", () => {
  const table = qualityTable(syntheticResult(90)).table as Record<string, unknown>[];
  assertEquals(table.length, 2 * METHODS.length);
  const dtd = table.find((r) => r.cell === "Deep" && r.method === "DTD")!;
  assertEquals(String(dtd["mass accuracy"]).slice(0, 4), "0.81");
  assertStringIncludes(String(dtd["mass accuracy"]), "[");
  // every layer randomised: the last cascading stage
  assertEquals(String(dtd["Spearman, all layers random"]).slice(0, 4), "0.05");
  assertStringIncludes(String(dtd["below Table 3.2 minimum"]), "90.00% < 98%");
  const uniform = table.find((r) => r.cell === "Deep" && r.method === "uniform (chance)")!;
  assertEquals(uniform["Spearman, all layers random"], null);
});

Deno.test("verdicts on models below the Table 3.2 minimum read Undecided, naming models and accuracies", () => {
  const report = qualityVerdicts(syntheticResult(90));
  assert(report.outcomes.length >= 3);
  for (const o of report.outcomes) {
    assertEquals(o.verdict, "undecided");
    assertStringIncludes(o.sentence, "Deep on MNIST-MAJ 90.00 % < 98 %");
    assert(o.unconsidered, "the numbers are still stated");
  }
  assertStringIncludes(report.markdown, "Undecided");
});

Deno.test("verdicts on good models rank DTD and LRP first, agree with the cosine and find GB failing randomisation", () => {
  const report = qualityVerdicts(syntheticResult(99));
  const mass = report.outcomes.find((o) => o.id === "quality-mass_accuracy-all-mnist-maj")!;
  assertEquals(mass.verdict, "holds");
  assertStringIncludes(mass.sentence, "best method LRP-α1.5β0.5");
  assertStringIncludes(mass.sentence, "best architecture R-LSTM");
  assertEquals(
    report.outcomes.find((o) => o.id === "quality-agreement-mnist-maj")!.verdict,
    "holds",
  );
  const random = report.outcomes.find((o) => o.id === "quality-randomisation-mnist-maj")!;
  assertEquals(random.verdict, "holds");
  assertStringIncludes(random.sentence, "failing: GB");
});

Deno.test("quality verdicts are decided per dataset: a weak model on one leaves the other's decided", () => {
  const cells = ["deep", "rlstm"] as const;
  const report = qualityVerdicts(resultOf(
    [
      ...cells.map((c) =>
        fakeEntry("mnist-maj", c, 12, c === "rlstm" ? [97, 97, 97] : [99, 99, 99])
      ),
      ...cells.map((c) => fakeEntry("fashion-mnist-maj", c, 12, [90, 90, 90])),
    ],
    [...syntheticRows(cells), ...syntheticRows(cells, undefined, "fashion-mnist-maj")],
  ));
  const fashion = report.outcomes.filter((o) => o.id.endsWith("-fashion-mnist-maj"));
  const mnist = report.outcomes.filter((o) => !fashion.includes(o));
  assertEquals(mnist.length, fashion.length);
  assert(mnist.every((o) => o.id.endsWith("-mnist-maj") && o.claim.includes("MNIST-MAJ")));
  for (const o of mnist) {
    assertEquals(o.verdict, "undecided");
    assertStringIncludes(o.sentence, "R-LSTM on MNIST-MAJ");
    assertStringIncludes(o.sentence, "97.00 % < 98 %");
  }
  assert(fashion.every((o) => o.verdict === "holds"), report.markdown);
  assertStringIncludes(fashion[0].claim, "on FashionMNIST-MAJ");
  assertStringIncludes(fashion[0].sentence, "mean over 2 models");
});

Deno.test("an LSTM is shown with its own methods in table q.1 and left out of the thesis's verdicts", () => {
  const lstmMethods = [...STANDARD_CELL_METHODS, "uniform", "random", "intensity"];
  const thesis = syntheticResult(99);
  const lstm = fakeEntry("mnist-maj", "lstm", 12, [90, 90, 90]);
  const rows = qualityFrame([
    ...syntheticRows(["deep", "rlstm"]),
    ...syntheticRows(["lstm"], () => lstmMethods),
  ]);
  const grid = fakeGrid([...thesis.grid.entries, lstm]);
  const quality: QualityResult = {
    ...thesis,
    grid,
    entries: grid.entries,
    methods: [...METHODS.slice(0, 4), "lrp-epsilon", ...METHODS.slice(4)],
    rows,
    aggregate: aggregateQuality(rows),
  };
  assertEquals(qualityMethodsOf(quality, "lstm"), lstmMethods);
  assertEquals(qualityMethodsOf(quality, "rlstm"), METHODS);
  const table = qualityTable(quality).table as Record<string, unknown>[];
  assertEquals(table.length, 2 * METHODS.length + lstmMethods.length);
  const lstmRows = table.filter((r) => r.cell === "LSTM");
  assertEquals(lstmRows.map((r) => r.method).slice(0, 3), ["SA", "GB", "LRP-ε"]);
  assertStringIncludes(String(lstmRows[0]["below Table 3.2 minimum"]), "90.00% < 98%");
  const part = thesisQuality(quality);
  assertEquals(part.entries.map((e) => e.cell), ["deep", "rlstm"]);
  assertEquals(part.methods, METHODS);
  assert(part.aggregate.every((r) => r.cell !== "lstm" && r.method !== "lrp-epsilon"));
  // the LSTM below the minimum does not hold up the verdicts on the thesis's cells
  const report = qualityVerdicts(quality);
  assertEquals(
    report.outcomes.find((o) => o.id === "quality-randomisation-mnist-maj")!.verdict,
    "holds",
  );
  assert(report.outcomes.every((o) => !/(^|[^-])LSTM|LRP-ε/.test(o.sentence)), report.markdown);
  assertStringIncludes(report.outcomes[0].sentence, "mean over 2 models");
});

Deno.test("perturbation figures draw every method per order with the random order as reference", () => {
  const points = qualityCurvePoints(syntheticResult(99), QUALITY_FIGURES["q.1"]);
  const series = new Set(points.map((p) => p.series));
  assert(series.has("random order") && series.has("DTD") && !series.has("uniform (chance)"));
  assertEquals(
    new Set(points.map((p) => p.row)),
    new Set(["MNIST-MAJ · MoRF", "MNIST-MAJ · LeRF"]),
  );
  const spearman = qualityCurvePoints(syntheticResult(99), QUALITY_FIGURES["q.4"]);
  assertEquals(Math.min(...spearman.map((p) => p.x)), 1);
  assert(spearman.some((p) => p.series === "intensity (x+1)/2"));
});

Deno.test({
  name: "smoke: quality measures score stored runs without training and reuse their rows",
  ignore: !ensureDataMirror(),
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "rnnx-quality-" });
    const quiet = () => createProgressDisplay("none");
    try {
      const exp = await setupExperiment({
        profile: "smoke",
        runsRoot: join(dir, "runs"),
        figuresDir: join(dir, "figures"),
        log: null,
      });
      const grid = await trainGrid(exp, { datasets: ["mnist-maj"], cells: ["shallow"] }, {
        progress: quiet(),
      });
      const first = await qualityEvaluation(grid, { cells: ["shallow"], methods: ["dtd"] }, {
        progress: quiet(),
      });
      assertEquals(first.computed, exp.profile.folds);
      const folds = new Set(first.rows.getColumn("fold").toArray());
      assertEquals(folds.size, exp.profile.folds);
      const again = await qualityEvaluation(grid, { cells: ["shallow"], methods: ["dtd"] }, {
        progress: quiet(),
      });
      assertEquals([again.reused, again.computed], [exp.profile.folds, 0]);
      assertEquals(again.rows.height, first.rows.height);
      // A fold whose rows other code made is scored again (it was reused before), the same.
      const file = join(grid.entries[0].runs[0].dir, QUALITY_FILE);
      const stored = (await readMadeBy(file))!;
      assertEquals(stored.code, (await rowsCode()).code);
      await Deno.remove(madeByPath(file));
      const third = await qualityEvaluation(grid, { cells: ["shallow"], methods: ["dtd"] }, {
        progress: quiet(),
      });
      assertEquals([third.reused, third.computed], [exp.profile.folds - 1, 1]);
      assertEquals(third.rows.toRecords(), first.rows.toRecords());
      assertEquals(await readMadeBy(file), stored);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
