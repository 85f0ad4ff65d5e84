/**
 * What a training step's kernels cost without the engine around them: records the
 * kernel calls of one training step of `--cell` (T = 12 or `--T`, batch 50) after `--warmup`
 * untimed steps (with `--method`, of one batch of that method's heatmaps, the batch
 * `explain` works in), then replays them straight through the backend's kernel functions
 * (the same kernels, shapes and attributes, on inputs of random values made
 * beforehand: no tensors, no gradient tape, no scopes) and alternates `--rounds`
 * times three steps (or batches) with three replays. Prints the medians, the replay's
 * share of the step, and each kernel's calls and replayed time (casts to the dtype they already
 * have counted apart). The difference is what a step spends around its kernels: for a
 * batch of heatmaps, tfjs's engine and the JavaScript of the rules; for a training step,
 * which itself replays a recording of its kernels once its first steps are recorded
 * (`StepReplay`), the dropout masks drawn and written and the Adam update. The replay
 * reuses its inputs, which stay in cache, so its time is, if anything, low.
 *
 * ```sh
 * deno run -A bench/kernel_replay.ts --cell deep
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import {
  initBackend,
  type KernelRecording,
  type RecordedCall,
  recordKernels,
  tf,
} from "../lib/backend/mod.ts";
import { explainOperation } from "../lib/relevance/mod.ts";
import { median, trainOperation } from "../lib/train/mod.ts";
import { countOption } from "./count_option.ts";

/** The kernel's name, with casts to the dtype their input already has apart. */
function kernelLabel(c: RecordedCall, recording: KernelRecording): string {
  const x = c.inputs.find(([name]) => name === "x")?.[1];
  return c.kernelName === "Cast" && x !== undefined && c.attrs.dtype === recording.slots[x].dtype
    ? "Cast (to its own dtype)"
    : c.kernelName;
}

const { values } = parseArgs({
  args: Deno.args,
  options: {
    cell: { type: "string", default: "deep" },
    rounds: { type: "string", default: "60" },
    warmup: { type: "string", default: "30" },
    method: { type: "string" },
    T: { type: "string" },
  },
  strict: true,
});
const rounds = countOption("--rounds", values.rounds, 1);
const warmup = countOption("--warmup", values.warmup, 0);
const length = values.T === undefined ? {} : { T: countOption("--T", values.T, 1) };
await initBackend({ quiet: true });
const op = values.method === undefined
  ? trainOperation(values.cell!, length)
  : explainOperation(values.cell!, { ...length, method: values.method });
const what = values.method === undefined
  ? `a training step (T = ${op.T}, batch ${op.batch})`
  : `a batch of ${op.batch} ${values.method} heatmaps (T = ${op.T})`;
const [unit, units] = values.method === undefined ? ["step", "steps"] : ["batch", "batches"];
for (let i = 0; i < warmup; i++) op.run();
const { recording } = recordKernels(() => op.run());
const { calls } = recording;
const backend = tf.backend();
const prepared = calls.map((c) => {
  const made = c.inputs.map(([name, slot], i): [string, tf.Tensor] => {
    const { shape, dtype } = recording.slots[slot];
    const view = [...(c.views[i] ?? shape)];
    return [name, dtype === "float32" ? tf.randomUniform(view, 0.1, 1) : tf.zeros(view, dtype)];
  });
  const tensors = made.map(([, t]) => t);
  return {
    call: c,
    kernel: tf.getKernel(c.kernelName, recording.backendName)!,
    label: kernelLabel(c, recording),
    tensors,
    // a kernel of a list (AddN, Concat) reads its inputs as a list
    inputs: (c.positional ? tensors : Object.fromEntries(made)) as tf.NamedTensorInfoMap,
  };
});
/** Runs one recorded call and frees its outputs. */
const replayOne = (p: (typeof prepared)[number]) => {
  const out = p.kernel.kernelFunc({ inputs: p.inputs, backend, attrs: p.call.attrs });
  for (const o of Array.isArray(out) ? out : [out]) backend.disposeData(o.dataId);
};
const replay = () => prepared.forEach(replayOne);
for (let i = 0; i < warmup; i++) replay();
const stepMs: number[] = [];
const replayMs: number[] = [];
const byKernel = new Map<string, number[]>();
for (let r = 0; r < rounds; r++) {
  let t0 = performance.now();
  for (let i = 0; i < 3; i++) op.run();
  stepMs.push((performance.now() - t0) / 3);
  t0 = performance.now();
  for (let i = 0; i < 3; i++) replay();
  replayMs.push((performance.now() - t0) / 3);
  const own = new Map<string, number>();
  for (const p of prepared) {
    const k0 = performance.now();
    replayOne(p);
    own.set(p.label, (own.get(p.label) ?? 0) + performance.now() - k0);
  }
  for (const [label, ms] of own) byKernel.set(label, [...(byKernel.get(label) ?? []), ms]);
}
const step = median(stepMs);
const kernels = median(replayMs);
console.log(`${values.cell}: ${calls.length} kernel calls in ${what}`);
console.log(
  `${unit} ${step.toFixed(2)} ms, its kernels replayed ${kernels.toFixed(2)} ms ` +
    `(${(100 * kernels / step).toFixed(0)} %), the rest ${(step - kernels).toFixed(2)} ms ` +
    `(medians of ${rounds} alternations of 3 ${units} and 3 replays)`,
);
console.log(`\n| kernel | calls a ${unit} | ms replayed |\n| --- | ---: | ---: |`);
const rows = [...byKernel].map(([label, ms]) => ({
  label,
  calls: prepared.filter((p) => p.label === label).length,
  ms: median(ms),
})).sort((a, b) => b.ms - a.ms);
for (const r of rows) console.log(`| ${r.label} | ${r.calls} | ${r.ms.toFixed(3)} |`);
for (const p of prepared) tf.dispose(p.tensors);
op.dispose();
