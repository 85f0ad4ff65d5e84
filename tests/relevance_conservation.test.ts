import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertGreater,
  assertLessOrEqual,
} from "@std/assert";
import {
  allCellVariants,
  buildCell,
  createModel,
  disposeModel,
  THESIS_CELL_IDS,
} from "../lib/cells/mod.ts";
import { loadTask, makeBatch, type SequenceSource } from "../lib/data/mod.ts";
import { sampleSubset, trainModel } from "../lib/train/mod.ts";
import { ensureDataMirror } from "./train_fixtures.ts";
import { explain, worstConservation } from "../lib/relevance/mod.ts";
import {
  argmaxRows,
  livelyCell,
  logitsOf,
  randomImages,
  rowSums,
  setupBackend,
} from "./relevance_fixtures.ts";

await setupBackend();

const SEEDS = [11, 12, 13];
const BATCH = 4;
const CONSERVATIVE = ["dtd", "lrp-a1b0", "lrp-a1.5b0.5", "lrp-a2b1"];

Deno.test("every cell at every length conserves ReLU(f_y) under DTD and LRP-αβ", () => {
  let worst = 0;
  let positive = 0;
  for (const { id, T } of allCellVariants(THESIS_CELL_IDS)) {
    const spec = buildCell(id, T);
    for (const seed of SEEDS) {
      const x = randomImages(BATCH, spec.width, `${id}/${T}/${seed}`);
      const model = livelyCell(id, T, seed, x);
      try {
        const logits = logitsOf(model, x);
        const targets = argmaxRows(logits);
        let alive = 0;
        for (const method of CONSERVATIVE) {
          const e = explain(model, x, { method, targets });
          const sums = rowSums(e.relevance, BATCH);
          const stepSums = rowSums(e.perStep, BATCH);
          for (let b = 0; b < BATCH; b++) {
            const fy = logits[b * 10 + targets[b]];
            const expected = Math.max(0, fy);
            const err = Math.abs(sums[b] - expected);
            const tol = 1e-4 * Math.max(1, Math.abs(fy));
            worst = Math.max(worst, err / Math.max(1, Math.abs(fy)));
            assertLessOrEqual(
              err,
              tol,
              `${id} T=${T} seed ${seed} ${method} sample ${b}: Σ R = ${
                sums[b]
              }, ReLU(f_y) = ${expected}`,
            );
            assertLessOrEqual(Math.abs(stepSums[b] - sums[b]), tol, "per-step and heatmap sums");
            if (fy > 0) alive++;
          }
        }
        assertGreater(alive, 0, `${id} T=${T} seed ${seed}: no sample with f_y > 0`);
        positive += alive;
      } finally {
        disposeModel(model);
      }
    }
  }
  assertGreater(positive, 0);
  console.log(`largest conservation error / max(1, |f_y|): ${worst.toExponential(2)}`);
});

Deno.test("the original Conv⁺ first-layer rule does not conserve relevance", () => {
  for (const id of ["conv+deep", "conv+rlstm-sd"]) {
    const spec = buildCell(id, 12);
    const x = randomImages(BATCH, spec.width, `${id}/original`);
    const model = livelyCell(id, 12, 21, x);
    try {
      const logits = logitsOf(model, x);
      const targets = argmaxRows(logits);
      const conservative = explain(model, x, { method: "dtd", targets });
      const original = explain(model, x, {
        method: "dtd",
        targets,
        convPlusFirstLayer: "original",
      });
      const sumsC = rowSums(conservative.relevance, BATCH);
      const sumsO = rowSums(original.relevance, BATCH);
      let violated = 0;
      for (let b = 0; b < BATCH; b++) {
        const fy = logits[b * 10 + targets[b]];
        if (fy <= 0) continue;
        assertLessOrEqual(Math.abs(sumsC[b] - fy), 1e-4 * Math.max(1, fy));
        if (Math.abs(sumsO[b] - fy) > 1e-2 * fy) violated++;
      }
      assert(violated > 0, `${id}: the original rule conserved relevance on every sample`);
    } finally {
      disposeModel(model);
    }
  }
});

/**
 * Briefly trained models on real data: a high learning rate leaves many ReLU units silent, so
 * units whose active inputs meet only weights of one sign (z⁻ = 0 or z⁺ = 0) are common, as in
 * the trained models of the notebooks.
 */
const TRAINING: Record<string, { samples: number; epochs: number }> = {
  dense: { samples: 3000, epochs: 3 },
  conv: { samples: 600, epochs: 2 },
  "conv+": { samples: 300, epochs: 2 },
};

Deno.test({
  name: "every cell at every length conserves ReLU(f_y) under DTD and LRP-αβ on trained weights",
  ignore: !ensureDataMirror(),
  fn: async () => {
    const tasks = new Map<number, SequenceSource[]>();
    const sources = async (width: number): Promise<SequenceSource[]> => {
      let s = tasks.get(width);
      if (!s) {
        const task = await loadTask(width === 84 ? "mnist-maj" : "mnist", { folds: 2 });
        s = task.kind === "cv" ? [task.fold(0).train, task.fold(0).test] : [task.train, task.test];
        tasks.set(width, s);
      }
      return s;
    };
    const B = 32;
    let worst = 0;
    const perCell: string[] = [];
    for (const { id, T } of allCellVariants(THESIS_CELL_IDS)) {
      const spec = buildCell(id, T);
      const [train, test] = await sources(spec.width);
      const budget =
        TRAINING[id.startsWith("conv+") ? "conv+" : id.startsWith("conv") ? "conv" : "dense"];
      const model = createModel(spec, { seed: 5, biasMode: "code" });
      let cellWorst = 0;
      try {
        await trainModel(model, train, {
          epochs: budget.epochs,
          learningRate: 0.01,
          seed: 5,
          indices: sampleSubset(train.n, budget.samples, `conservation/${id}`),
        });
        const batch = makeBatch(
          test,
          Int32Array.from({ length: B }, (_, i) => i),
          new Float32Array(B * 28 * spec.width),
        );
        const logits = logitsOf(model, batch.x);
        const targets = Array.from(batch.labels);
        for (const method of CONSERVATIVE) {
          const e = explain(model, batch.x, { method, targets });
          const sums = rowSums(e.relevance, B);
          for (let b = 0; b < B; b++) {
            const fy = logits[b * 10 + targets[b]];
            const err = Math.abs(sums[b] - Math.max(0, fy)) / Math.max(1, Math.abs(fy));
            worst = Math.max(worst, err);
            cellWorst = Math.max(cellWorst, err);
            assertLessOrEqual(
              err,
              1e-4,
              `trained ${id} T=${T} ${method} sample ${b}: Σ R = ${sums[b]}, ReLU(f_y) = ${
                Math.max(0, fy)
              }`,
            );
          }
        }
      } finally {
        disposeModel(model);
      }
      perCell.push(`${id} T=${T} ${cellWorst.toExponential(2)}`);
    }
    console.log(
      `trained weights: largest conservation error / max(1, |f_y|): ${worst.toExponential(2)} ` +
        `(${perCell.join(", ")})`,
    );
  },
});

Deno.test("the worst conservation sample is the one with the largest error relative to its logit, NaN first", () => {
  const model = createModel(buildCell("deep", 4), { seed: 3 });
  try {
    const e = explain(model, randomImages(3, 28, 4), { method: "dtd", targets: [1, 2, 3] });
    const clean = worstConservation(e);
    assertLessOrEqual(clean.error, 1e-5);
    const fy = e.logits[1 * 10 + e.targets[1]];
    e.perStep[1 * e.steps * e.stepSize] += 0.5;
    const shifted = worstConservation(e);
    assertEquals(shifted.sample, 1);
    assertAlmostEquals(shifted.error, 0.5 / Math.max(1, Math.abs(fy)), 1e-4);
    e.perStep[2 * e.steps * e.stepSize] = NaN;
    assertEquals(worstConservation(e).sample, 2);
    assert(Number.isNaN(worstConservation(e).error));
  } finally {
    disposeModel(model);
  }
});
