/**
 * The thesis's experiments: reference numbers and claims as data, training
 * grids over the stored runs, the qualitative heatmap figures, the
 * quantitative explanation evaluation, the tables and figures under their
 * thesis names, and the computed verdict on every claim; and the
 * explanation-quality evaluation of notebook 04 (`qualityEvaluation`,
 * `qualityTable`, `qualityFigure`, `qualityVerdicts`). The notebooks under
 * `notebooks/` only call this module.
 *
 * @example
 * ```ts ignore
 * import * as experiments from "./mod.ts";
 * const exp = await experiments.setupExperiment();
 * const grid = await experiments.trainGrid(exp, { datasets: ["mnist"], cells: ["deep"], T: [7] });
 * await experiments.publish(exp, experiments.accuracyTable(grid, "3.4"));
 * ```
 *
 * @module
 */
export * from "./errors.ts";
export * from "./thesis.ts";
export * from "./samples.ts";
export * from "./context.ts";
export * from "./grid.ts";
export * from "./artifact.ts";
export * from "./compose.ts";
export * from "./explanations.ts";
export * from "./heatmaps.ts";
export * from "./cell_methods.ts";
export * from "./evaluation.ts";
export * from "./charts.ts";
export * from "./tables.ts";
export * from "./claim.ts";
export * from "./claim_rules.ts";
export * from "./claims.ts";
export * from "./numbers.ts";
export * from "./show_claims.ts";
export * from "./notebook_progress.ts";
export * from "./settle.ts";
export * from "./protocol.ts";
export * from "./quality.ts";
export * from "./rows_made_by.ts";
export * from "./quality_artifacts.ts";
export * from "./quality_verdicts.ts";
