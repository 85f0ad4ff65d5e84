/**
 * Evaluation of relevance heatmaps: positive-relevance shares per step and
 * per MAJ block, the percentage and cosine metrics, per-step distributions,
 * accuracy, tidy per-sample rows stored as Parquet, aggregation over folds
 * with confidence intervals, paired comparisons and table rendering; and the
 * explanation-quality measures beyond the thesis (perturbation curves and
 * AOPC, localisation against the MAJ marks, model-parameter randomisation,
 * chance-level baselines) behind `evaluateExplanations`.
 *
 * @example
 * ```ts
 * import { cosineSimilarity } from "./mod.ts";
 * const c = cosineSimilarity([1, 1, 0], [0.5, 0.5, 0]); // 1
 * ```
 *
 * @module
 */
export * from "./errors.ts";
export * from "./labels.ts";
export * from "./shares.ts";
export * from "./metrics.ts";
export * from "./chance.ts";
export * from "./distribution.ts";
export * from "./evaluate.ts";
export * from "./schema.ts";
export * from "./store.ts";
export * from "./made_by.ts";
export * from "./student_t.ts";
export * from "./confidence.ts";
export * from "./canonical_order.ts";
export * from "./aggregate.ts";
export * from "./paired.ts";
export * from "./accuracy.ts";
export * from "./table.ts";
export * from "./value_order.ts";
export * from "./removal_units.ts";
export * from "./perturbation.ts";
export * from "./localisation.ts";
export * from "./heatmap_similarity.ts";
export * from "./randomisation.ts";
export * from "./baseline_relevance.ts";
export * from "./quality_rows.ts";
export * from "./quality.ts";
export * from "./quality_aggregate.ts";
export * from "./quality_passes.ts";
export * from "./quality_bench.ts";
