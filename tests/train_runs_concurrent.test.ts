import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { join } from "node:path";
import { initBackend } from "../lib/backend/mod.ts";
import { loadTask } from "../lib/data/mod.ts";
import {
  acquireRunLock,
  type ProgressDisplay,
  RUN_FILES,
  type RunResult,
  trainRun,
} from "../lib/train/mod.ts";
import { ensureDataMirror, tempRunsRoot } from "./train_fixtures.ts";

await initBackend({ quiet: true });
ensureDataMirror();
const majTask = await loadTask("mnist-maj", { folds: 2 });

const base = {
  dataset: "mnist-maj",
  cell: "deep",
  profile: "smoke",
  fold: 1,
  task: majTask,
} as const;

/** A display that keeps the messages. */
function recorder(): ProgressDisplay & { lines: string[] } {
  const lines: string[] = [];
  return { lines, update: () => {}, message: (line) => void lines.push(line), close: () => {} };
}

async function copyRun(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for (const name of Object.values(RUN_FILES)) {
    await Deno.copyFile(join(from, name), join(to, name));
  }
}

Deno.test("a run being trained elsewhere is waited for, then reused (also with --force)", async () => {
  const elsewhere = await tempRunsRoot();
  const root = await tempRunsRoot();
  try {
    const [done] = await trainRun({ ...base, root: elsewhere, progress: "none" });
    for (const force of [false, true]) {
      const dir = done.dir.replace(elsewhere, root);
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      // another training of the same run holds its lock
      const holder = await acquireRunLock(dir);
      const display = recorder();
      let finished = false;
      const waiting = trainRun({ ...base, root, force, progress: display }).then((r) => {
        finished = true;
        return r;
      });
      while (!display.lines.some((l) => l.includes("waiting for"))) {
        await new Promise((r) => setTimeout(r, 10));
      }
      assertStringIncludes(
        display.lines.join("\n"),
        `waiting for pid ${Deno.pid} on host ${Deno.hostname()}`,
      );
      assertEquals(finished, false);
      // ... which finishes the run and lets go
      await copyRun(done.dir, dir);
      await holder.release();
      const [r]: RunResult[] = await waiting;
      assert(r.skipped, "the waiting run reuses the finished one");
      assertEquals(r.manifest, done.manifest);
      assertEquals(r.dir, dir);
    }
  } finally {
    await Deno.remove(elsewhere, { recursive: true });
    await Deno.remove(root, { recursive: true });
  }
});
