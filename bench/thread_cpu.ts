/**
 * Where a training process's CPU goes, thread by thread: trains `--steps` steps of
 * `--cell` (T = 12, batch 50) after `--warmup` untimed ones and prints the wall time per
 * step and the CPU seconds each of the process's threads spent on the timed steps (main
 * thread and V8's background threads alike), read from `/proc/self/task` (Linux).
 * `--walks off` turns the engine's one-kind container walks off
 * (`lib/backend/uniform_walks.ts`) for a comparison in the same tree. Under
 * `--v8-flags=--trace-deopt` V8 also prints every deoptimisation; the line
 * `timed steps:` marks where the timed steps begin, so that
 *
 * ```sh
 * deno run -A --v8-flags=--trace-deopt bench/thread_cpu.ts --cell deep \
 *   | sed -n '/timed steps:/,$p' | grep -c bailout
 * ```
 *
 * counts those of the timed steps.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { initBackend, uniformEngineWalks } from "../lib/backend/mod.ts";
import { readProcStat } from "../lib/train/process_alive.ts";
import { trainOperation } from "../lib/train/mod.ts";
import { countOption } from "./count_option.ts";

/** CPU seconds of every thread of this process, by "tid name". */
function threadSeconds(): Map<string, number> {
  const ticks = 100; // USER_HZ, the unit of utime and stime
  const out = new Map<string, number>();
  for (const entry of Deno.readDirSync("/proc/self/task")) {
    const stat = readProcStat(`/proc/self/task/${entry.name}/stat`);
    if (stat === null) continue; // the thread ended while we read
    const [utime, stime] = [stat.fields[11], stat.fields[12]].map(Number);
    out.set(`${entry.name} ${stat.name}`, (utime + stime) / ticks);
  }
  return out;
}

const { values } = parseArgs({
  args: Deno.args,
  options: {
    cell: { type: "string", default: "deep" },
    steps: { type: "string", default: "500" },
    warmup: { type: "string", default: "30" },
    walks: { type: "string", default: "on" },
  },
  strict: true,
});
const steps = countOption("--steps", values.steps, 1);
const warmup = countOption("--warmup", values.warmup, 0);
if (values.walks !== "on" && values.walks !== "off") {
  throw new Error(`--walks is "on" or "off", found "${values.walks}"`);
}
await initBackend({ quiet: true });
uniformEngineWalks(values.walks === "on");
const op = trainOperation(values.cell!, {});
for (let i = 0; i < warmup; i++) op.run();
console.log(`timed steps: ${steps} of ${values.cell} (walks ${values.walks})`);
const before = threadSeconds();
const start = performance.now();
for (let i = 0; i < steps; i++) op.run();
const wall = (performance.now() - start) / 1000;
const after = threadSeconds();
op.dispose();
console.log(`wall: ${wall.toFixed(2)} s, ${(1000 * wall / steps).toFixed(2)} ms a step`);
let background = 0;
for (const [thread, seconds] of after) {
  const used = seconds - (before.get(thread) ?? 0);
  if (used < 0.005) continue;
  const main = thread.startsWith(`${Deno.pid} `);
  if (!main) background += used;
  console.log(`cpu ${main ? "main" : "other"} ${thread}: ${used.toFixed(2)} s`);
}
console.log(`cpu beside the main thread: ${background.toFixed(2)} s`);
