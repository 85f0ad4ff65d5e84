/**
 * The standard LSTM and GRU train like the thesis cells: a smoke run on the
 * MAJ task stores its weights, and the stored run loads back into a model that
 * reproduces its predictions (the new node kinds round-trip).
 */
import { assert, assertEquals, assertGreater } from "@std/assert";
import { initBackend, tf } from "../lib/backend/mod.ts";
import {
  analyseCell,
  buildCell,
  countParameters,
  disposeModel,
  forward,
} from "../lib/cells/mod.ts";
import { loadTask, makeBatch } from "../lib/data/mod.ts";
import { loadRun, trainRun } from "../lib/train/mod.ts";
import { ensureDataMirror, tempRunsRoot } from "./train_fixtures.ts";

await initBackend({ quiet: true });

Deno.test({
  name: "LSTM and GRU smoke runs train on MNIST-MAJ and load back with the same predictions",
  ignore: !ensureDataMirror(),
  async fn() {
    const task = await loadTask("mnist-maj", { folds: 2 });
    assert(task.kind === "cv");
    const root = await tempRunsRoot();
    try {
      for (const cell of ["lstm", "gru"]) {
        const opts = { dataset: "mnist-maj", cell, profile: "smoke", progress: "none" } as const;
        const [result] = await trainRun({ ...opts, root, task, fold: 0 });
        const m = result.manifest;
        assertEquals(m.key.T, 12);
        assertEquals(m.cell.params, countParameters(analyseCell(buildCell(cell, 12))).params);
        assertGreater(m.timings.trainSeconds, 0);
        const run = await loadRun({ ...opts, fold: 0, root });
        const ids = run.predictions.sample;
        const batch = makeBatch(task.all, ids);
        const z = forward(run.model, tf.tensor3d(batch.x, [ids.length, 28, 84]));
        const recomputed = tf.argMax(z, 1);
        assertEquals(Array.from(recomputed.dataSync()), Array.from(run.predictions.prediction));
        tf.dispose([z, recomputed]);
        disposeModel(run.model);
      }
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});
