import { assert, assertAlmostEquals, assertEquals, assertExists } from "@std/assert";
import { join } from "node:path";
import { tf } from "../lib/backend/mod.ts";
import {
  COSINE_FIGURES,
  cosineFigure,
  currentRowsMadeBy,
  distributionFigure,
  explanationEvaluation,
  heatmapFigure,
  publish,
  setupExperiment,
  THESIS_FIGURE_CAPTIONS,
  trainGrid,
} from "../lib/experiments/mod.ts";
import { readManifest } from "../lib/plot/mod.ts";
import { madeByPath, readMadeBy, writeMadeBy } from "../lib/eval/mod.ts";
import { createProgressDisplay } from "../lib/train/mod.ts";
import { ensureDataMirror } from "./train_fixtures.ts";

const quiet = () => createProgressDisplay("none");

Deno.test({
  name: "smoke: a MAJ cell is trained, explained, evaluated, reused, plotted and saved",
  ignore: !ensureDataMirror(),
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "rnnx-experiments-" });
    try {
      const exp = await setupExperiment({
        profile: "smoke",
        runsRoot: join(dir, "runs"),
        figuresDir: join(dir, "figures"),
        log: null,
      });
      const grid = await trainGrid(exp, { datasets: ["mnist-maj"], cells: ["deep"] }, {
        progress: quiet(),
      });
      assertEquals(grid.entries.length, 1);
      assertEquals(grid.entries[0].runs.length, exp.profile.folds);

      const first = await explanationEvaluation(grid, { cells: ["deep"] }, { progress: quiet() });
      const perFold = exp.profile.explainSamples!;
      assertEquals(first.computed, exp.profile.folds);
      assertEquals(first.rows.height, exp.profile.folds * perFold * 4);
      for (const f of first.files) assert((await Deno.stat(f)).isFile);
      const cos = first.aggregate.toRecords().filter((r) => r.metric === "cosine");
      assertEquals(cos.length, 4);
      assert(cos.every((r) => Number(r.n_folds) >= 1 && Number(r.n_folds) <= exp.profile.folds));

      const tensors = tf.memory().numTensors;
      const again = await explanationEvaluation(grid, { cells: ["deep"] }, { progress: quiet() });
      assertEquals(again.reused, exp.profile.folds);
      assertEquals(again.computed, 0);
      assertEquals(again.rows.height, first.rows.height);
      // Rows made by other code, or stored before their files said how they were made, are
      // explained again (they were reused before), and the same code gives the same numbers.
      assert(first.files.length >= 2);
      const stored = (await readMadeBy(first.files[0]))!;
      assertEquals(stored, await currentRowsMadeBy());
      await writeMadeBy(first.files[0], { ...stored, code: "sha256:0" });
      await Deno.remove(madeByPath(first.files[1]));
      const lines: string[] = [];
      const third = await explanationEvaluation(grid, { cells: ["deep"] }, {
        progress: { update() {}, message: (line: string) => void lines.push(line), close() {} },
      });
      assertEquals([third.computed, third.reused], [2, exp.profile.folds - 2]);
      assertEquals(third.rows.toRecords(), first.rows.toRecords());
      assert(lines.some((l) => l.includes("the stored rows were made by other code (commit")));
      assert(lines.some((l) => l.includes("the stored rows were made by code they do not record")));
      assertEquals(await readMadeBy(first.files[0]), stored);
      const fourth = await explanationEvaluation(grid, { cells: ["deep"] }, { progress: quiet() });
      assertEquals(fourth.reused, exp.profile.folds);
      // Chance levels of the explained samples: MAJ marks always hold two of three blocks.
      for (const ev of [first, again]) {
        assertEquals(ev.chance.map((c) => [c.dataset, c.cell, c.samples]), [
          ["mnist-maj", "deep", exp.profile.folds * perFold],
        ]);
        assertAlmostEquals(ev.chance[0].uniform.cosine, 2 / Math.sqrt(6), 1e-12);
        assertAlmostEquals(ev.chance[0].random.cosine, 2 / (3 * Math.SQRT2), 1e-12);
      }

      const fig = await heatmapFigure(grid, {
        name: "fig-test",
        caption: "test",
        panels: [{ dataset: "mnist-maj", samples: [22, 99] }],
        models: [{ cell: "deep" }],
        methods: ["sa", "dtd"],
      });
      assertEquals(tf.memory().numTensors, tensors, "explaining leaves no tensors behind");
      assertEquals(fig.explained.length, 4);
      assert(fig.explained.every((e) => e.width === 84 && e.relevance.length === 28 * 84));
      assertEquals(fig.figure.kind, "heatmap");

      const chart = await cosineFigure(grid, first, {
        ...COSINE_FIGURES["3.12"],
        cells: ["deep"],
        baseline: ["deep"],
      });
      assertEquals(chart.points.length, 4);
      const data = chart.data as Record<string, unknown>[];
      assertEquals(data.length, 4);
      assert(data.every((r) => Math.abs(Number(r["uniform cosine"]) - 0.8165) < 1e-4));
      await publish(exp, chart, { show: false });
      await publish(exp, fig, { show: false });
      const manifest = await readManifest(exp.figuresDir);
      assertExists(manifest["fig-3.12"]);
      assertEquals(manifest["fig-3.12"].profile, "smoke");
      assertEquals(manifest["fig-3.12"].runs.length, exp.profile.folds);
      assertEquals(manifest["fig-3.12"].thesisCaption, THESIS_FIGURE_CAPTIONS["3.12"]);
      const csv = await Deno.readTextFile(join(exp.figuresDir, "fig-3.12.csv"));
      assert(csv.split("\n")[0].includes("uniform cosine"), "fig-3.12.csv lacks the chance levels");
      for (
        const name of [
          "fig-3.12.png",
          "fig-3.12.svg",
          "fig-3.12.csv",
          "fig-test.png",
          "fig-test.svg",
          "fig-test.csv",
        ]
      ) {
        assert((await Deno.stat(join(exp.figuresDir, name))).size > 0, name);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "smoke: Fig 3.7 averages per-step shares of Deep-7 and of the pixels",
  ignore: !ensureDataMirror(),
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "rnnx-experiments-" });
    try {
      const exp = await setupExperiment({
        profile: "smoke",
        runsRoot: join(dir, "runs"),
        figuresDir: join(dir, "figures"),
        log: null,
      });
      const grid = await trainGrid(exp, { datasets: ["mnist"], cells: ["deep"], T: [7] }, {
        progress: quiet(),
      });
      const fig = await distributionFigure(grid, {
        datasets: ["mnist"],
        cells: ["deep"],
        extraMethods: [],
      });
      assertEquals(fig.points.map((p) => p.method), ["pixels", "dtd", "lrp-a1.5b0.5"]);
      for (const p of fig.points) {
        assertEquals(p.shares.length, 7);
        const total = p.shares.reduce((a, b) => a + b, 0);
        // Samples without positive relevance add zeros, so a mean may sum to less than 1.
        assert(total > 0 && total < 1 + 1e-9, `${p.method} shares sum to ${total}`);
        if (p.method === "pixels") assert(Math.abs(total - 1) < 1e-9);
      }
      assertEquals(fig.figure.kind, "chart");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
