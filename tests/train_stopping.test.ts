import {
  assert,
  assertEquals,
  assertGreater,
  assertLess,
  assertRejects,
  assertThrows,
} from "@std/assert";
import { initBackend } from "../lib/backend/mod.ts";
import { buildCell, createModel, disposeModel } from "../lib/cells/mod.ts";
import { loadTask } from "../lib/data/mod.ts";
import {
  bestHeldOut,
  CONVERGED,
  firstStop,
  getProfile,
  holdOut,
  planRun,
  stopDecision,
  stopDifference,
  type TrainCheckpoint,
  trainModel,
  type TrainProfile,
  type TrainProgress,
  trainRun,
} from "../lib/train/mod.ts";
import {
  BandSource,
  ensureDataMirror,
  tempRunsRoot,
  tinyStoppingProfile,
} from "./train_fixtures.ts";

await initBackend({ quiet: true });

const RULE = { patience: 3, minDelta: 0.01, holdOut: 0.1 };

Deno.test("the stop rule: target first, then a plateau of `patience` epochs, then the epoch limit", () => {
  const limits = { target: 0.9, epochs: 10 };
  assertEquals(stopDecision([], RULE, limits), null);
  assertEquals(stopDecision([0.5, 0.7], RULE, limits), null);
  const target = stopDecision([0.5, 0.7, 0.91], RULE, limits);
  assertEquals(target?.reason, "target");
  assertEquals(target?.epoch, 3);
  assertEquals(target?.target, 0.9);
  // Gains below minDelta do not count: epoch 2 stays the best, and 3 epochs later it stops.
  assertEquals(stopDecision([0.5, 0.7, 0.705, 0.709], RULE, limits), null);
  const plateau = stopDecision([0.5, 0.7, 0.705, 0.709, 0.69], RULE, limits);
  assertEquals(plateau?.reason, "plateau");
  assertEquals(plateau?.best, { epoch: 2, accuracy: 0.7 });
  const climbing = Array.from({ length: 10 }, (_, i) => 0.1 + 0.05 * i);
  assertEquals(stopDecision(climbing, RULE, { target: null, epochs: 10 })?.reason, "epoch-limit");
  assertEquals(stopDecision(climbing.slice(0, 9), RULE, { target: null, epochs: 10 }), null);
});

Deno.test("a plateau stops no model whose best held-out accuracy is below the floor", () => {
  const flat = [0.5, 0.7, 0.705, 0.709, 0.69, 0.7];
  const limits = { target: 0.9, floor: 0.8, epochs: 10 };
  assertEquals(stopDecision(flat, RULE, limits), null, "below the floor: trains on");
  assertEquals(stopDecision(flat, RULE, { ...limits, floor: 0.7 })?.reason, "plateau");
  assertEquals(stopDecision(flat, RULE, { ...limits, floor: 0.7 })?.floor, 0.7);
  const stalled = Array.from({ length: 10 }, () => 0.7);
  assertEquals(stopDecision(stalled, RULE, limits)?.reason, "epoch-limit");
  assertEquals(stopDecision(stalled.slice(0, 9), RULE, limits), null);
});

Deno.test("firstStop replays a history to the first epoch at which the rule stops it", () => {
  const history = [0.5, 0.7, 0.705, 0.709, 0.69, 0.95, 0.96];
  // Without a floor the plateau stops it at epoch 5, before the target is met.
  assertEquals(firstStop(history, RULE, { target: 0.9, epochs: 10 })?.epoch, 5);
  const floored = firstStop(history, RULE, { target: 0.9, floor: 0.8, epochs: 10 });
  assertEquals([floored?.epoch, floored?.reason], [6, "target"]);
  assertEquals(firstStop(history.slice(0, 5), RULE, { target: 0.9, floor: 0.8, epochs: 10 }), null);
});

Deno.test("held-out samples and training samples are disjoint and cover the fold", () => {
  const { heldOut, remaining } = holdOut(1000, 1 / 12, "fold-0");
  assertEquals(heldOut.length, 83);
  assertEquals(remaining.length, 917);
  const all = new Set([...heldOut, ...remaining]);
  assertEquals(all.size, 1000);
  assertEquals(holdOut(1000, 1 / 12, "fold-0").heldOut, heldOut, "seeded");
  assert(heldOut.every((v, i) => i === 0 || v > heldOut[i - 1]), "ascending");
});

Deno.test("the converged profile trains the thesis's folds 0-2 of 7 at the thesis's rates with early stopping", () => {
  const p = getProfile("converged");
  assertEquals(p, CONVERGED);
  assertEquals(p.learningRateScale, 1);
  assertEquals(p.trainSamples, null);
  assert(p.epochs <= 100 && p.stopping !== undefined);
  const plan = planRun({ dataset: "mnist-maj", cell: "deep", profile: "converged" });
  assertEquals(plan.foldList, [0, 1, 2]);
  assertEquals(plan.folds, 7);
  assertEquals(plan.learningRate, 0.0002);
  assertEquals(
    planRun({ dataset: "mnist-maj", cell: "deep", profile: "converged", folds: 7 }).foldList.length,
    7,
  );
});

Deno.test("training stops at the target, and a run resumed after that epoch trains no further", async () => {
  const src = new BandSource(400, 28, 7);
  const { heldOut, remaining } = holdOut(src.n, 0.25, "band");
  const stopping = { rule: RULE, source: src, indices: heldOut, target: 0.6 };
  const opts = { epochs: 20, learningRate: 0.003, seed: 3, indices: remaining, stopping };
  const checkpoints: TrainCheckpoint[] = [];
  const reports: TrainProgress[] = [];
  const model = createModel(buildCell("deep", 4), { seed: 3 });
  try {
    const r = await trainModel(model, src, {
      ...opts,
      onEpoch: (c) => void checkpoints.push(c),
      onProgress: (p) => void reports.push(p),
    });
    assertEquals(r.stop?.reason, "target");
    // progress shows the held-out accuracy of the epoch before, from the second epoch on
    for (const p of reports) {
      if (p.epoch === 1) {
        assertEquals(p.heldOut, undefined);
        continue;
      }
      const scored = r.history.slice(0, p.epoch - 1).map((h) => h.heldOutAccuracy!);
      assertEquals(p.heldOut, {
        epoch: p.epoch - 1,
        accuracy: scored.at(-1)!,
        best: bestHeldOut(scored, RULE)!,
        target: 0.6,
      });
    }
    assertLess(r.history.length, 20);
    assertEquals(r.stop?.epoch, r.history.length);
    assert(r.history.every((h) => typeof h.heldOutAccuracy === "number"));
    assertGreater(r.history.at(-1)!.heldOutAccuracy!, 0.6 - 1e-9);
    const resumed = await trainModel(model, src, { ...opts, resume: checkpoints.at(-1) });
    assertEquals(resumed.history.length, r.history.length);
    assertEquals(resumed.stop, r.stop);
  } finally {
    disposeModel(model);
  }
});

Deno.test({
  name:
    "a run with early stopping records its stop epoch, reason and held-out samples in the manifest",
  ignore: !ensureDataMirror(),
  fn: async () => {
    const root = await tempRunsRoot();
    try {
      const profile = tinyStoppingProfile();
      const task = await loadTask("mnist-maj", { folds: 2 });
      const [r] = await trainRun({
        dataset: "mnist-maj",
        cell: "deep",
        profile,
        fold: 0,
        root,
        task,
        progress: "none",
      });
      const s = r.manifest.training.stopping!;
      // No gain of 50 pp within one epoch: a plateau after epoch 2. 5 % of 35,000 held out.
      assertEquals(s.reason, "plateau");
      assertEquals(s.epoch, 2);
      assertEquals(r.manifest.training.history.length, 2);
      assertEquals(s.heldOutSource, "1750 samples held out of the fold's training part");
      assertEquals(r.manifest.training.trainSamples, 400);
      assertEquals(s.rule, profile.stopping);
      assertEquals(s.floor, null);

      // A floor of 99 % would not have let the plateau stop it: the rule now trains on.
      const floored = { dataset: "mnist-maj", cell: "deep", profile, fold: 0, root, task } as const;
      const goal = { ...floored, floorAccuracy: 0.99, progress: "none" } as const;
      const why = stopDifference(r.manifest, planRun(goal));
      assert(why?.includes("stopped at epoch 2 (plateau (best epoch 1))"), why ?? "null");
      assert(why?.includes("trains on (no plateau stop below 99.00%)"), why ?? "null");
      assertEquals(stopDifference(r.manifest, planRun({ ...floored, floorAccuracy: 0.05 })), null);
      // Reading stored runs only keeps it, marked; training replaces it.
      const [kept] = await trainRun({ ...goal, storedOnly: true });
      assert(kept.skipped);
      assertEquals(kept.earlierRule, why);
      assertEquals(kept.manifest, r.manifest);
      const [again] = await trainRun(goal);
      assertEquals(again.skipped, false);
      assertEquals(again.earlierRule, undefined);
      assertEquals(again.manifest.training.stopping?.reason, "epoch-limit");
      assertEquals(again.manifest.training.stopping?.floor, 0.99);
      assertEquals(again.manifest.training.history.length, 4);
      assertEquals(stopDifference(again.manifest, planRun(goal)), null);
      const [reused] = await trainRun(goal);
      assert(reused.skipped);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});

/**
 * A Deep MNIST-MAJ run (2 folds, fold 0) under a 5-epoch stopping profile with a floor of
 * 99 %, so the plateau does not stop it, interrupted in epoch 4: the checkpoint of epoch 3
 * stays. `check` gets the run's options without the floor.
 */
async function withInterruptedRun(
  check: (base: Parameters<typeof trainRun>[0]) => Promise<void>,
): Promise<void> {
  const root = await tempRunsRoot();
  try {
    const profile = tinyStoppingProfile({ epochs: 5, checkpointEvery: 1 });
    const task = await loadTask("mnist-maj", { folds: 2 });
    const base = { dataset: "mnist-maj", cell: "deep", profile, fold: 0, root, task } as const;
    const controller = new AbortController();
    await assertRejects(() =>
      trainRun({
        ...base,
        floorAccuracy: 0.99,
        progress: "none",
        signal: controller.signal,
        onProgress: (p) => {
          if (p.epoch === 4) controller.abort(new Error("interrupted"));
        },
      })
    );
    await check({ ...base, progress: "none" });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test({
  name: "a checkpoint that trained past where the current rule stops is not resumed",
  ignore: !ensureDataMirror(),
  fn: () =>
    withInterruptedRun(async (base) => {
      // Without the floor the rule stops this history at epoch 2: the run starts over.
      const [r] = await trainRun(base);
      assertEquals(r.manifest.training.resumedFromEpoch, 0);
      assertEquals(r.manifest.training.stopping?.epoch, 2);
      assertEquals(r.manifest.training.history.length, 2);
    }),
});

Deno.test({
  name: "a longer epoch limit keeps a checkpoint made under the shorter one and trains on from it",
  ignore: !ensureDataMirror(),
  fn: () =>
    withInterruptedRun(async (noFloor) => {
      const base = { ...noFloor, floorAccuracy: 0.99 };
      const longer = { ...base, epochLimit: 7 };
      assertEquals(planRun(longer).epochs, 7);
      const [r] = await trainRun(longer);
      assertEquals(r.manifest.training.resumedFromEpoch, 3);
      assertEquals(r.manifest.training.epochs, 7);
      assertEquals(r.manifest.training.stopping?.reason, "epoch-limit");
      assertEquals(r.manifest.training.history.length, 7);
      // Under the profile's own limit the stored run trained past its stop: it is not reused.
      const why = stopDifference(r.manifest, planRun(base));
      assert(why?.includes("stopped at epoch 7 (epoch limit)"), why ?? "null");
      assert(why?.includes("the current rule stops its history at epoch 5"), why ?? "null");
      assertEquals(stopDifference(r.manifest, planRun(longer)), null);
      const [reused] = await trainRun(longer);
      assert(reused.skipped);
    }),
});

Deno.test({
  name: "a checkpoint is resumed when only the profile's description changed",
  ignore: !ensureDataMirror(),
  fn: () =>
    withInterruptedRun(async (noFloor) => {
      const profile = { ...(noFloor.profile as TrainProfile), description: "other words" };
      const [r] = await trainRun({ ...noFloor, floorAccuracy: 0.99, profile });
      assertEquals(r.manifest.training.resumedFromEpoch, 3);
      assertEquals(r.manifest.training.history.length, 5);
    }),
});

Deno.test("the epoch limit of early stopping applies only to a profile with early stopping", () => {
  const base = { dataset: "mnist-maj", cell: "deep", fold: 0 } as const;
  assertEquals(planRun({ ...base, profile: "converged", epochLimit: 200 }).epochs, 200);
  assertEquals(planRun({ ...base, profile: "converged" }).epochs, 100);
  assertEquals(planRun({ ...base, profile: "full", epochLimit: 200 }).epochs, 100);
  assertThrows(
    () => planRun({ ...base, profile: "converged", epochLimit: 0 }),
    Error,
    "epoch limit must be a positive integer, found 0",
  );
});
