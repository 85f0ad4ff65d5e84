/**
 * The plan and the status as text for the terminal (Markdown tables) and as
 * JSON records.
 *
 * @module
 */
import { EXPERIMENT_IDS } from "../experiments/mod.ts";
import { formatDuration } from "../train/mod.ts";
import { coreHours, experimentEntries, type PlanEntry, type SweepPlan } from "./plan.ts";
import type { TaskReport } from "./status.ts";

function table(head: readonly string[], rows: readonly (readonly string[])[], right: number[]) {
  return [
    `| ${head.join(" | ")} |`,
    `| ${head.map((_, i) => right.includes(i) ? "---:" : "---").join(" | ")} |`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");
}

function stateText(e: PlanEntry): string {
  const stale = e.stale === undefined ? "" : `; ${e.stale}`;
  if (e.state !== "partial") return e.stale === undefined ? e.state : `${e.state} (${e.stale})`;
  return e.epoch === e.epochs
    ? `partial (trained, not evaluated${stale})`
    : `partial (epoch ${e.epoch}/${e.epochs}${stale})`;
}

/** The totals of a group of plan entries. */
export interface PlanTotals {
  /** Runs. */
  runs: number;
  /** Done runs. */
  done: number;
  /** Partial runs. */
  partial: number;
  /** Missing runs. */
  missing: number;
  /** Core-hours of every run from scratch. */
  coreHours: number;
  /** Core-hours left. */
  coreHoursLeft: number;
}

/** The totals of entries. */
export function planTotals(entries: readonly PlanEntry[]): PlanTotals {
  const count = (s: string) => entries.filter((e) => e.state === s).length;
  return {
    runs: entries.length,
    done: count("done"),
    partial: count("partial"),
    missing: count("missing"),
    coreHours: coreHours(entries, "total"),
    coreHoursLeft: coreHours(entries, "remaining"),
  };
}

/** Totals per experiment (a run two experiments share counts in both) and over all. */
export function experimentTotals(plan: SweepPlan): (PlanTotals & { experiment: string })[] {
  return [
    ...EXPERIMENT_IDS.map((x) => ({ experiment: x, ...planTotals(experimentEntries(plan, x)) }))
      .filter((t) => t.runs > 0),
    { experiment: "all", ...planTotals(plan.entries) },
  ];
}

const hours = (h: number) => h.toFixed(h < 10 ? 2 : 1);

/** Hours of wall-clock time as h:mm:ss, or in hours and days beyond two days. */
function wallClock(h: number): string {
  return h > 48
    ? `${h.toFixed(0)} h (${(h / 24).toFixed(1)} days)`
    : formatDuration(h * 3600 * 1000);
}

/** The plan as Markdown tables: every run, the totals per experiment and a closing line. */
export function planText(plan: SweepPlan, jobs: number): string {
  const runs = table(
    ["run", "experiments", "state", "estimate", "left", "memory"],
    plan.entries.map((e) => [
      e.id,
      e.experiments.join(","),
      stateText(e),
      formatDuration(e.cost.total * 1000),
      formatDuration(e.cost.remaining * 1000),
      `${e.memoryMb} MiB${e.memoryFrom === "default" ? " (default)" : ""}`,
    ]),
    [3, 4, 5],
  );
  const totals = experimentTotals(plan);
  const summary = table(
    ["experiment", "runs", "done", "partial", "missing", "core-hours", "core-hours left"],
    totals.map((t) => [
      t.experiment,
      String(t.runs),
      String(t.done),
      String(t.partial),
      String(t.missing),
      hours(t.coreHours),
      hours(t.coreHoursLeft),
    ]),
    [1, 2, 3, 4, 5, 6],
  );
  const all = totals[totals.length - 1];
  return [
    `sweep plan: profile ${plan.profile}, seed ${plan.seed}, runs in ${plan.root}, ` +
    `costs from ${plan.backend} rates`,
    "",
    runs,
    "",
    summary,
    "",
    `total: ${hours(all.coreHours)} core-hours, ${hours(all.coreHoursLeft)} left; ` +
    `with ${jobs} worker${jobs === 1 ? "" : "s"} about ${
      wallClock(
        Math.max(
          all.coreHoursLeft / Math.max(1, jobs),
          Math.max(0, ...plan.entries.map((e) => e.cost.remaining)) / 3600,
        ),
      )
    } of wall-clock time (no less than the longest run)`,
  ].join("\n");
}

/** The plan as JSON: one record per run, and the totals per experiment. */
export function planJson(plan: SweepPlan): string {
  return JSON.stringify(
    {
      profile: plan.profile,
      seed: plan.seed,
      root: plan.root,
      backend: plan.backend,
      runs: plan.entries,
      totals: experimentTotals(plan),
    },
    null,
    2,
  );
}

/** The status of Slurm tasks as a Markdown table and a count per status. */
export function statusText(tasks: readonly TaskReport[]): string {
  if (tasks.length === 0) return "no Slurm submissions under this runs directory";
  const counts = new Map<string, number>();
  for (const t of tasks) counts.set(t.status, (counts.get(t.status) ?? 0) + 1);
  return [
    table(
      ["job", "task", "run", "status", "slurm", "log"],
      tasks.map((t) => [t.jobId, String(t.index), t.id, t.status, t.slurm ?? "–", t.log]),
      [1],
    ),
    "",
    [...counts].map(([s, n]) => `${n} ${s}`).join(", "),
  ].join("\n");
}
