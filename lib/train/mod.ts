/**
 * Training: the thesis's optimisation (Adam, batch 50, cross-entropy over the
 * 10 logits plus a constant zero logit), profiles, progress displays, stored
 * runs (safetensors weights, JSON manifest, Parquet predictions) and
 * throughput benchmarks.
 *
 * @example
 * ```ts ignore
 * import { listRuns, loadRun, trainRun } from "./mod.ts";
 * await trainRun({ dataset: "mnist-maj", cell: "deep", profile: "quick" });
 * const run = await loadRun({ dataset: "mnist-maj", cell: "deep", fold: 1 });
 * console.log((await listRuns()).length, run.manifest.evaluation.accuracy);
 * ```
 *
 * @module
 */
export * from "./adam.ts";
export * from "./bench.ts";
export * from "./checkpoint.ts";
export * from "./errors.ts";
export * from "./evaluate.ts";
export * from "./git_state.ts";
export * from "./hyperparameters.ts";
export * from "./loss.ts";
export * from "./parquet_file.ts";
export * from "./predictions.ts";
export * from "./profiles.ts";
export * from "./jupyter_output.ts";
export * from "./progress.ts";
export * from "./run.ts";
export * from "./run_lock.ts";
export * from "./sequence_length.ts";
export * from "./stopping.ts";
export * from "./store.ts";
export * from "./trainer.ts";
export * from "./train_step.ts";
export * from "./step_replay.ts";
export * from "./bench_machine.ts";
export * from "./bench_memory.ts";
export * from "./bench_pytorch.ts";
export * from "./operation_profile.ts";
