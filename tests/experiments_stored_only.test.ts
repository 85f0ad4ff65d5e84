import {
  assert,
  assertEquals,
  assertRejects,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import { join } from "node:path";
import {
  accuracyTable,
  cachedTask,
  claimById,
  claimNumbers,
  cosineFigure,
  criterion,
  explanationEvaluation,
  FLAG_COLUMN,
  heatmapFigure,
  locateTestSample,
  samplesInFolds,
  setupExperiment,
  trainGrid,
  trainingMode,
} from "../lib/experiments/mod.ts";
import { createProgressDisplay, RunOptionError, trainRun } from "../lib/train/mod.ts";
import { ensureDataMirror } from "./train_fixtures.ts";

const quiet = () => createProgressDisplay("none");

async function runDirs(root: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(dir: string, depth: number) {
    for await (const e of Deno.readDir(dir)) {
      if (!e.isDirectory || e.name.startsWith(".")) continue;
      const path = join(dir, e.name);
      if (depth === 3) out.push(path.slice(root.length + 1));
      else await walk(path, depth + 1);
    }
  }
  await walk(root, 0);
  return out.sort();
}

Deno.test("the training mode comes from RNNX_TRAIN, by default never for the committed profile only", () => {
  assertEquals(trainingMode("quick", undefined), "missing");
  assertEquals(trainingMode("converged", undefined), "never");
  assertEquals(trainingMode("converged", "missing"), "missing");
  assertEquals(trainingMode("quick", "never"), "never");
  assertThrows(
    () => trainingMode("quick", "always"),
    Error,
    'RNNX_TRAIN="always" is not a training mode',
  );
});

Deno.test("trainRun with storedOnly trains nothing, returns only stored folds, and refuses force", async () => {
  if (!ensureDataMirror()) return;
  const root = await Deno.makeTempDir({ prefix: "rnnx-stored-only-" });
  try {
    const base = {
      dataset: "mnist-maj",
      cell: "deep",
      profile: "smoke",
      progress: "none",
      root,
    } as const;
    assertEquals(await trainRun({ ...base, storedOnly: true }), []);
    assertEquals(await runDirs(root), [], "nothing was written");
    const [trained] = await trainRun({ ...base, fold: 0 });
    const stored = await trainRun({ ...base, storedOnly: true });
    assertEquals(stored.map((r) => [r.key.fold, r.skipped]), [[0, true]]);
    assertEquals(stored[0].manifest.evaluation, trained.manifest.evaluation);
    await assertRejects(
      () => trainRun({ ...base, storedOnly: true, force: true }),
      RunOptionError,
      "exclude each other",
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test({
  name: "a stored-only grid leaves untrained models out and every artifact says so",
  ignore: !ensureDataMirror(),
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "rnnx-stored-only-grid-" });
    try {
      const runsRoot = join(dir, "runs");
      const setup = (training: "missing" | "never") =>
        setupExperiment({
          profile: "smoke",
          training,
          runsRoot,
          figuresDir: join(dir, "figures"),
          log: null,
        });
      const exp = await setup("never");
      // fold 0 of Deep is stored; fold 1 of Deep and all of Shallow are not
      await trainRun({
        dataset: "mnist-maj",
        cell: "deep",
        profile: exp.profile,
        fold: 0,
        root: runsRoot,
        progress: "none",
      });
      const before = await runDirs(runsRoot);
      const request = { datasets: ["mnist-maj"], cells: ["deep", "shallow"] };
      const grid = await trainGrid(exp, request, { progress: quiet() });
      assertEquals(await runDirs(runsRoot), before, "a stored-only grid trains nothing");
      assertEquals(grid.entries.map((e) => [e.cell, e.runs.map((r) => r.key.fold)]), [
        ["deep", [0]],
      ]);
      assertEquals(grid.untrained?.map((u) => [u.cell, u.folds, u.whole]), [
        ["deep", [1], false],
        ["shallow", [0, 1], true],
      ]);

      const table = accuracyTable(grid, "3.5");
      const rows = table.table as Record<string, unknown>[];
      const shallow = rows.find((r) => r["Architecture"] === "Shallow")!;
      assertEquals(shallow["MNIST-MAJ this run"], null);
      assertStringIncludes(String(Object.values(shallow).at(-1)), "MNIST-MAJ not trained");
      const deep = rows.find((r) => r["Architecture"] === "Deep")!;
      assertStringIncludes(
        String(deep[FLAG_COLUMN]),
        "MNIST-MAJ fold 1 not trained (mean of the stored folds)",
      );

      const numbers = claimNumbers({ grid });
      assertEquals(numbers.partlyTrained, [
        { dataset: "mnist-maj", cell: "deep", T: 12, missing: [1] },
      ]);
      const base = { id: "x", section: "3.3", where: "Fig 3.12", claim: "…" };
      const outcome = criterion(
        base,
        [{ dataset: "mnist-maj", cell: "shallow", T: 12 }],
        false,
        numbers,
      );
      assertEquals(
        outcome?.sentence,
        "Undecided: no stored run of Shallow on MNIST-MAJ, and this build trains nothing.",
      );

      const evaluation = await explanationEvaluation(grid, { cells: ["deep", "shallow"] }, {
        progress: quiet(),
      });
      assertEquals(evaluation.computed, 1);
      assertEquals(
        [...new Set(evaluation.rows.getColumn("cell").toArray())],
        ["deep"],
        "only the stored model is evaluated",
      );
      await assertRejects(
        () => explanationEvaluation(grid, { cells: ["rlstm"] }, { progress: quiet() }),
        Error,
        'no MAJ runs of cell "rlstm"',
      );

      // the standard LSTM without a stored run: flagged in Table 3.6 and Fig s.1, verdict undecided
      const standard = await trainGrid(exp, { datasets: ["mnist-maj"], cells: ["deep", "lstm"] }, {
        progress: quiet(),
      });
      assertEquals(await runDirs(runsRoot), before, "a stored-only grid trains nothing");
      const lstmRow = (accuracyTable(standard, "3.6").table as Record<string, unknown>[])
        .find((r) => r["Architecture"] === "LSTM")!;
      assertEquals(lstmRow["MNIST-MAJ thesis"], "—");
      assertEquals(lstmRow["MNIST-MAJ this run"], null);
      assertStringIncludes(String(lstmRow[FLAG_COLUMN]), "MNIST-MAJ not trained (no stored run)");
      assertEquals(
        claimById("exp3-rlstm-beats-lstm-mnist-maj").evaluate(claimNumbers({ grid: standard }))
          .sentence,
        "Undecided: no stored run of LSTM on MNIST-MAJ, and this build trains nothing.",
      );
      const figure = await cosineFigure(standard, evaluation, "s.1");
      assertEquals([...new Set(figure.points.map((p) => p.cell))], ["deep"]);
      const { subtitle } =
        (figure.figure as { spec: { title: { subtitle: string[] } } }).spec.title;
      const notShown = subtitle.find((l) => l.startsWith("not shown, no stored run"));
      assertStringIncludes(notShown ?? "", "MNIST-MAJ LSTM");
      assert(!notShown?.includes("Deep"), `Deep is shown, from its stored fold: ${notShown}`);
      const partly = subtitle.find((l) => l.startsWith("mean of the stored folds only"));
      assertStringIncludes(partly ?? "", "MNIST-MAJ Deep (fold 1)");

      // samples 22 and 99 of the MAJ test set: whichever lies in fold 1 is replaced
      const task = await cachedTask("mnist-maj", exp.profile.folds);
      const asked = [22, 99, 5069];
      const fig = await heatmapFigure(grid, {
        name: "fig-test",
        caption: "Test.",
        panels: [{ dataset: "mnist-maj", samples: asked }],
        models: [{ cell: "deep" }, { cell: "shallow" }],
        methods: ["sa"],
      });
      assertStringIncludes(fig.caption, "Not shown: no stored run under profile smoke");
      assertStringIncludes(fig.caption, "MNIST-MAJ Shallow");
      assert(fig.explained.every((e) => e.fold === 0 && e.cell === "deep"));
      const inFoldOne = asked.filter((p) => locateTestSample(task, p).fold === 1);
      const shown = (fig.extra as { samples: Record<string, number[]> }).samples["mnist-maj"];
      assertEquals(shown.filter((p, i) => p !== asked[i]).length, inFoldOne.length);
      if (inFoldOne.length > 0) assertStringIncludes(fig.caption, "shown instead");

      // a training grid in the default mode trains what is missing
      const trained = await trainGrid(await setup("missing"), request, { progress: quiet() });
      assertEquals(trained.untrained, undefined);
      assertEquals(trained.entries.map((e) => e.runs.length), [2, 2]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "samplesInFolds replaces a sample of an untrained fold by the next position of a trained one",
  ignore: !ensureDataMirror(),
  fn: async () => {
    const task = await cachedTask("mnist-maj", 7);
    const folds = [0, 1, 2];
    const asked = [22, 5069, 99, 23];
    const { samples, replaced } = samplesInFolds(task, asked, folds);
    const foldOf = (p: number) => locateTestSample(task, p).fold!;
    assertEquals(samples.length, asked.length);
    assert(samples.every((s) => folds.includes(s.fold!)));
    const n = task.kind === "cv" ? task.parts.test.n : 0;
    const shown = samples.map((s) => s.position);
    assertEquals(new Set(shown).size, shown.length, "no sample is shown twice");
    for (const [i, p] of asked.entries()) {
      if (folds.includes(foldOf(p))) {
        assertEquals(shown[i], p, "a sample of a trained fold stays");
        continue;
      }
      const r = replaced.find((x) => x.asked === p)!;
      assertEquals(r.fold, foldOf(p));
      assertEquals(r.shown, shown[i]);
      // naive check: every position strictly between is untrained or already shown
      for (let q = (p + 1) % n; q !== shown[i]; q = (q + 1) % n) {
        assert(!folds.includes(foldOf(q)) || asked.includes(q) || shown.slice(0, i).includes(q));
      }
    }
    assertEquals(samplesInFolds(task, asked, [0, 1, 2, 3, 4, 5, 6]).replaced, []);
    assertThrows(() => samplesInFolds(task, asked, []), Error, "no fold has a model");
  },
});
