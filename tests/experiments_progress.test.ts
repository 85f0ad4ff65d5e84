import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { NotebookProgress } from "../lib/experiments/mod.ts";
import type { JupyterApi, TrainProgress } from "../lib/train/mod.ts";

/** A stand-in for `Deno.jupyter` that records what the display would show. */
function recorder() {
  const shown: Record<string, string>[] = [];
  const api: JupyterApi = {
    display: (obj) => {
      shown.push(obj as Record<string, string>);
      return Promise.resolve();
    },
    broadcast: (_type, content) => {
      shown.push(content.data as Record<string, string>);
      return Promise.resolve();
    },
  };
  return { api, shown };
}

function epoch(e: number): TrainProgress {
  return {
    cell: "deep",
    T: 12,
    fold: 0,
    epoch: e,
    epochs: 3,
    batch: 10,
    batches: 10,
    loss: 1.5 - e / 10,
    accuracy: 0.4 + e / 10,
    seqPerSec: 3000,
    elapsedMs: 1000 * e,
    etaMs: 1000 * (3 - e),
    epochDone: true,
  } as TrainProgress;
}

Deno.test("a notebook keeps one collapsed summary with a line per model and no epoch lines", async () => {
  const { api, shown } = recorder();
  const display = new NotebookProgress(api, 0);
  for (const model of ["shallow", "deep"]) {
    for (const e of [1, 2, 3]) await display.update(epoch(e));
    await display.message(`${model} fold 0/2: test accuracy 80.00% on 2000 samples, 14.3 s`);
  }
  await display.message("2 models (2 runs): 2 trained, 0 reused from data/runs, 0:30");
  await display.close();
  const last = shown.at(-1)!;
  assertEquals(last["text/plain"], "2 models (2 runs): 2 trained, 0 reused from data/runs, 0:30");
  const html = last["text/html"];
  assert(html.startsWith('<details class="rnnx-progress"><summary>2 models'));
  assertStringIncludes(html, "shallow fold 0/2: test accuracy 80.00%");
  assertStringIncludes(html, "deep fold 0/2: test accuracy 80.00%");
  assert(!html.includes("epoch"), "an epoch line stayed in the final output");
  assert(shown.slice(0, -1).some((b) => b["text/plain"].includes("epoch 3/3")));
});
