import { assert, assertEquals, assertStringIncludes, assertThrows } from "@std/assert";
import {
  createProgressDisplay,
  formatDuration,
  formatProgress,
  type JupyterApi,
  type TrainProgress,
} from "../lib/train/mod.ts";

function progress(over: Partial<TrainProgress> = {}): TrainProgress {
  return {
    cell: "rlstm",
    T: 12,
    fold: 1,
    epoch: 2,
    epochs: 4,
    batch: 4,
    batches: 10,
    loss: 1.23456,
    accuracy: 0.5,
    seqPerSec: 812.3,
    elapsedMs: 60_000,
    etaMs: 125_000,
    epochDone: false,
    ...over,
  };
}

Deno.test("with early stopping a progress line shows the held-out accuracy, the best and the target", () => {
  const heldOut = {
    epoch: 6,
    accuracy: 0.979,
    best: { epoch: 5, accuracy: 0.9802 },
    target: 0.985,
  };
  assertStringIncludes(
    formatProgress(progress({ heldOut })),
    "ETA 2:05 held-out 97.90% (best 98.02% @5, target 98.50%)",
  );
  assertStringIncludes(
    formatProgress(progress({ heldOut: { ...heldOut, target: null } })),
    "held-out 97.90% (best 98.02% @5)",
  );
  assert(!formatProgress(progress()).includes("held-out"));
});

Deno.test("a progress line shows epoch, batch, loss, accuracy, speed and ETA", () => {
  const line = formatProgress(progress());
  for (
    const part of [
      "rlstm T12 fold 1",
      "epoch 2/4",
      "batch 4/10",
      "loss 1.2346",
      "acc 50.0%",
      "812 seq/s",
      "ETA 2:05",
    ]
  ) {
    assertStringIncludes(line, part);
  }
  assertStringIncludes(line, "[#######.............]", "14 of 40 batches done");
  assertEquals(formatDuration(3_725_000), "1:02:05");
  assertEquals(formatDuration(NaN), "?");
});

Deno.test("on a terminal the bar is redrawn in place with \\r and throttled", () => {
  const out: string[] = [];
  const d = createProgressDisplay("tty", { write: (t) => out.push(t), minIntervalMs: 60_000 });
  d.update(progress({ batch: 1 }));
  d.update(progress({ batch: 2 }));
  d.update(progress({ batch: 3 }));
  assertEquals(out.length, 1, "updates within the interval are dropped");
  assert(out[0].startsWith("\r") && out[0].endsWith("\x1b[K"));
  d.update(progress({ batch: 10, epochDone: true }));
  assertEquals(out.slice(1), [
    `\r${formatProgress(progress({ batch: 10, epochDone: true }))}\x1b[K`,
    "\n",
  ]);
  d.message("fold 1 done");
  assertEquals(out.at(-1), "fold 1 done\n");
  const open: string[] = [];
  const e = createProgressDisplay("tty", { write: (t) => open.push(t), minIntervalMs: 0 });
  e.update(progress());
  e.message("a message clears the open bar first");
  assertEquals(open.at(-1), "\r\x1b[Ka message clears the open bar first\n");
  e.update(progress());
  e.close();
  assertEquals(open.at(-1), "\n");
});

Deno.test("without a terminal, plain lines are written at intervals and at each epoch end", () => {
  const out: string[] = [];
  const d = createProgressDisplay("lines", { write: (t) => out.push(t), lineIntervalMs: 60_000 });
  d.update(progress({ batch: 1 }));
  d.update(progress({ batch: 2 }));
  d.update(progress({ batch: 10, epochDone: true }));
  assertEquals(out.length, 2);
  assert(out.every((l) => l.endsWith("\n") && !l.includes("\r")));
  assertStringIncludes(out[1], "batch 10/10");
});

Deno.test("in Jupyter one output is displayed with a display_id and then updated in place", async () => {
  const calls: { kind: string; args: unknown[] }[] = [];
  const api: JupyterApi = {
    display: (obj, options) => {
      calls.push({ kind: "display", args: [obj, options] });
      return Promise.resolve();
    },
    broadcast: (type, content) => {
      calls.push({ kind: "broadcast", args: [type, content] });
      return Promise.resolve();
    },
  };
  const d = createProgressDisplay("jupyter", { jupyter: api, minIntervalMs: 60_000 });
  for (let b = 1; b < 10; b++) await d.update(progress({ batch: b }));
  assertEquals(calls.length, 1, "throttled: one output for nine quick updates");
  const [bundle, options] = calls[0].args as [Record<string, string>, Record<string, unknown>];
  assertEquals(options.raw, true);
  const id = options.display_id as string;
  assert(id.length > 0);
  assertStringIncludes(bundle["text/plain"], "batch 1/10");
  assertStringIncludes(bundle["text/html"], "<progress");
  await d.update(progress({ batch: 10, epochDone: true }));
  await d.message("fold 1: test accuracy 50.00%");
  assertEquals(calls.length, 3);
  for (const c of calls.slice(1)) {
    assertEquals(c.kind, "broadcast");
    const [type, content] = c.args as [string, Record<string, unknown>];
    assertEquals(type, "update_display_data");
    assertEquals(content.transient, { display_id: id });
    assertEquals(content.metadata, {});
  }
  const last = (calls[2].args[1] as { data: Record<string, string> }).data["text/plain"];
  assertStringIncludes(last, "batch 10/10");
  assertStringIncludes(last, "fold 1: test accuracy 50.00%");
});

Deno.test("an unknown progress mode fails with the valid modes", () => {
  assertThrows(
    () => createProgressDisplay("fancy" as "tty"),
    RangeError,
    "auto, tty, lines, jupyter, none",
  );
});
