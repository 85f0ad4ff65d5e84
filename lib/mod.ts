/**
 * rnn-explain: recurrent neural networks explained with relevance propagation.
 *
 * The layers, in the direction data flows: `data` (datasets, sequences, MAJ,
 * folds, PRNG) → `backend` (TensorFlow.js backend choice and kernel fixes) →
 * `cells` (cell descriptions and the one engine that runs them) → `train`
 * (training loop, profiles, runs on disk) → `relevance` (rules, composites,
 * methods, `explain`) → `eval` (metrics, aggregation) → `plot` (heatmaps,
 * charts, `show`/`save`) → `experiments` (the thesis's tables and figures).
 *
 * @module
 */
export * as data from "./data/mod.ts";
export * as backend from "./backend/mod.ts";
export * as cells from "./cells/mod.ts";
export * as train from "./train/mod.ts";
export * as relevance from "./relevance/mod.ts";
export * as evaluation from "./eval/mod.ts";
export * as plot from "./plot/mod.ts";
export * as experiments from "./experiments/mod.ts";
