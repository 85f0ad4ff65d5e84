/**
 * Turns a batch of MAJ heatmaps into per-sample evaluation rows.
 *
 * @module
 */
import { EvalShapeError } from "./errors.ts";
import { cellLabel, methodLabel } from "./labels.ts";
import { sampleMetrics, SHARE_CAP } from "./metrics.ts";
import type { EvalRow } from "./schema.ts";
import { blockSharesBatch, checkHeatmapLength } from "./shares.ts";

/** MAJ width: three blocks of 28 columns. */
export const MAJ_WIDTH = 84;

/** Number of MAJ blocks. */
export const MAJ_BLOCKS = 3;

/** A batch of explained MAJ samples. */
export interface MajBatch {
  /** Heatmaps, [B, 28, width] row-major. */
  relevance: ArrayLike<number>;
  /** Marks, [B, 3] row-major, each in {0,1}³ with exactly two ones. */
  marks: ArrayLike<number>;
  /** True classes, length B. */
  labels: ArrayLike<number>;
  /** Predicted classes, length B. */
  predictions: ArrayLike<number>;
  /** Sample ids, length B; default 0..B-1. */
  sampleIds?: ArrayLike<number>;
  /** Heatmap width; default {@link MAJ_WIDTH}. */
  width?: number;
}

/** What every row of one evaluated batch shares. */
export type EvalContext = Pick<
  EvalRow,
  "dataset" | "cell" | "T" | "fold" | "profile" | "seed" | "method"
>;

function checkLength(name: string, found: number, expected: number): void {
  if (found !== expected) {
    throw new EvalShapeError(`${name}: expected ${expected} values for the batch, got ${found}`);
  }
}

/**
 * Evaluates every sample of a batch: block shares, cosine, percentage and
 * capped percentage, excluded flag.
 *
 * @example
 * ```ts
 * import { evaluateMaj } from "./evaluate.ts";
 * const relevance = new Float32Array(28 * 84);
 * relevance[0] = 1; relevance[28] = 1; // blocks 1 and 2
 * const [row] = evaluateMaj(
 *   { relevance, marks: [1, 1, 0], labels: [3], predictions: [3] },
 *   { dataset: "mnist-maj", cell: "deep", T: 12, fold: 0, profile: "ci", seed: 1, method: "dtd" },
 * );
 * if (Math.abs(row.cosine - 1) > 1e-12) throw new Error();
 * ```
 */
export function evaluateMaj(
  batch: MajBatch,
  context: EvalContext,
  tau: number = SHARE_CAP,
): EvalRow[] {
  cellLabel(context.cell);
  methodLabel(context.method);
  const width = batch.width ?? MAJ_WIDTH;
  const count = checkHeatmapLength(batch.relevance.length, width, "relevance batch");
  const blocks = width / 28;
  if (blocks !== MAJ_BLOCKS) {
    throw new EvalShapeError(`MAJ heatmaps must be 28×${MAJ_WIDTH}, got width ${width}`);
  }
  checkLength("marks", batch.marks.length, count * MAJ_BLOCKS);
  checkLength("labels", batch.labels.length, count);
  checkLength("predictions", batch.predictions.length, count);
  if (batch.sampleIds) checkLength("sampleIds", batch.sampleIds.length, count);
  const shares = blockSharesBatch(batch.relevance, width, { steps: context.T });
  const rows: EvalRow[] = [];
  for (let b = 0; b < count; b++) {
    const m = Array.from({ length: MAJ_BLOCKS }, (_, k) => batch.marks[b * MAJ_BLOCKS + k]);
    if (m.some((x) => x !== 0 && x !== 1) || m[0] + m[1] + m[2] !== 2) {
      throw new EvalShapeError(
        `marks of sample ${b} must be in {0,1}³ with exactly two ones, got [${m.join(", ")}]`,
      );
    }
    const v = shares.subarray(b * MAJ_BLOCKS, (b + 1) * MAJ_BLOCKS);
    const metrics = sampleMetrics(m, v, tau);
    rows.push({
      dataset: context.dataset,
      cell: context.cell,
      T: context.T,
      fold: context.fold,
      profile: context.profile,
      seed: context.seed,
      sample: batch.sampleIds ? batch.sampleIds[b] : b,
      label: batch.labels[b],
      prediction: batch.predictions[b],
      method: context.method,
      v1: v[0],
      v2: v[1],
      v3: v[2],
      cosine: metrics.cosine,
      percentage: metrics.percentage,
      percentage_capped: metrics.percentageCapped,
      excluded: metrics.excluded,
    });
  }
  return rows;
}
