/**
 * The cost of the explanation-quality measures (`deno task bench --cases
 * quality`): for one cell and method, the rate of explaining a batch of
 * samples (default 500), of a forward pass over them, and of each measure
 * group of `evaluateExplanations` on the same batch (its explanation
 * included), with each measure's cost relative to the explanation alone and
 * relative to the passes it needs (the explanation plus its forward or
 * explain passes, {@link qualityPasses}): near 1 means the measure costs
 * what its passes through the model cost.
 *
 * @module
 */
import { backendInfo } from "../backend/mod.ts";
import { buildCell, createModel, disposeModel } from "../cells/mod.ts";
import { Prng } from "../data/prng.ts";
import { type BenchRow, type MeasureOptions, measureRate } from "../train/mod.ts";
import {
  evaluateExplanations,
  methodHeatmaps,
  modelLogits,
  QUALITY_MEASURES,
  type QualityOptions,
} from "./quality.ts";
import { qualityPasses } from "./quality_passes.ts";

/** Samples of the quality benchmark by default. */
export const QUALITY_BENCH_SAMPLES = 500;

/** Options of {@link benchQuality}. */
export interface QualityBenchOptions extends MeasureOptions {
  /** Method id (default `dtd`). */
  method?: string;
  /** Samples (default {@link QUALITY_BENCH_SAMPLES}). */
  batch?: number;
  /** Seed of the model and the samples (default 0). */
  seed?: number;
}

/**
 * Rows for explaining `batch` random MAJ-shaped samples of `cell` (T = 12),
 * for one forward pass over them and for each measure group on them:
 * `relative_cost` is a row's time over the explanation's, `passes` the
 * explain and forward passes per sample it makes and `passes_cost` its time
 * over those passes' time, measured alone.
 */
export async function benchQuality(
  cell: string,
  opts: QualityBenchOptions = {},
): Promise<BenchRow[]> {
  const method = opts.method ?? "dtd";
  const batch = opts.batch ?? QUALITY_BENCH_SAMPLES;
  const measure = { warmup: opts.warmup ?? 1, repeats: opts.repeats ?? 3 };
  const spec = buildCell(cell, 12);
  const model = createModel(spec, { seed: opts.seed ?? 0 });
  const prng = new Prng(opts.seed ?? 0).fork("quality-bench");
  const x = Float32Array.from({ length: batch * 28 * spec.width }, () => 2 * prng.next() - 1);
  const labels = Int32Array.from({ length: batch }, () => prng.int(10));
  const marks = Array.from({ length: batch }, () => {
    const m = [1, 1, 1];
    m[prng.int(3)] = 0;
    return m;
  }).flat();
  const row = (name: string, stats: { median: number; min: number; max: number }) => ({
    case: "quality",
    cell: spec.id,
    T: spec.T,
    batch,
    method,
    measure: name,
    backend: backendInfo().name,
    median_per_s: stats.median,
    min_per_s: stats.min,
    max_per_s: stats.max,
  });
  try {
    const explained = await measureRate(
      () => methodHeatmaps(model, method, x, labels),
      batch,
      measure,
    );
    const logitsOf = modelLogits(model);
    const forward = await measureRate(() => logitsOf(x, batch), batch, measure);
    const rows: BenchRow[] = [
      { ...row("explain", explained), relative_cost: 1, passes: "1 explain", passes_cost: 1 },
      {
        ...row("forward", forward),
        relative_cost: explained.median / forward.median,
        passes: "1 forward",
        passes_cost: 1,
      },
    ];
    const options: QualityOptions = { methods: [method] };
    for (const group of QUALITY_MEASURES) {
      const stats = await measureRate(
        () => evaluateExplanations(model, { x, labels, marks }, { ...options, measures: [group] }),
        batch,
        measure,
      );
      const passes = qualityPasses(model, group, options, batch);
      const p = Number(passes.perSample.toFixed(2));
      const forwardPasses = passes.kind === "forward" ? passes.perSample : 0;
      const explainPasses = 1 + (passes.kind === "explain" ? passes.perSample : 0);
      // seconds per sample: the measure's, and its passes' at the rates measured alone
      const passesSeconds = explainPasses / explained.median + forwardPasses / forward.median;
      rows.push({
        ...row(group, stats),
        relative_cost: explained.median / stats.median,
        passes: passes.kind === "forward" ? `1 explain + ${p} forward` : `${1 + p} explain`,
        passes_cost: 1 / stats.median / passesSeconds,
      });
    }
    return rows;
  } finally {
    disposeModel(model);
  }
}
