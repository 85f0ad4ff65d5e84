/**
 * The cost of the explanation-quality measures (`deno task bench --cases
 * quality`): for one cell and method, the rate of explaining a batch of
 * samples (default 500) and of each measure group of `evaluateExplanations`
 * on the same batch (its explanation included), with each measure's cost
 * relative to the explanation alone.
 *
 * @module
 */
import { backendInfo } from "../backend/mod.ts";
import { buildCell, createModel, disposeModel } from "../cells/mod.ts";
import { Prng } from "../data/prng.ts";
import { type BenchRow, type MeasureOptions, measureRate } from "../train/mod.ts";
import { evaluateExplanations, methodHeatmaps, QUALITY_MEASURES } from "./quality.ts";

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
 * Rows for explaining `batch` random MAJ-shaped samples of `cell` (T = 12)
 * and for each measure group on them; `relative_cost` is the measure's time
 * over the explanation's.
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
    const rows: BenchRow[] = [{ ...row("explain", explained), relative_cost: 1 }];
    for (const group of QUALITY_MEASURES) {
      const stats = await measureRate(
        () =>
          evaluateExplanations(model, { x, labels, marks }, {
            methods: [method],
            measures: [group],
          }),
        batch,
        measure,
      );
      rows.push({ ...row(group, stats), relative_cost: explained.median / stats.median });
    }
    return rows;
  } finally {
    disposeModel(model);
  }
}
