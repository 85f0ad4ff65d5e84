/**
 * Sweeps over the thesis protocol: the plan (every run with its state, cost
 * and memory), batches of pending runs, the worker that runs one, local
 * worker processes, Slurm job arrays and their status.
 *
 * @example
 * ```ts ignore
 * import { buildPlan, planText } from "./mod.ts";
 * import { defaultRunsRoot, getProfile } from "../train/mod.ts";
 * const plan = await buildPlan({ profile: getProfile("full"), seed: 0, root: defaultRunsRoot() });
 * console.log(planText(plan, 2));
 * ```
 *
 * @module
 */
export * from "./layout.ts";
export * from "./rates.ts";
export * from "./usage.ts";
export * from "./plan.ts";
export * from "./batch.ts";
export * from "./worker.ts";
export * from "./local.ts";
export * from "./slurm.ts";
export * from "./status.ts";
export * from "./format.ts";
export * from "./scaling.ts";
export * from "./targets.ts";
