/**
 * Explanation throughput: heatmaps per second of a relevance method on a
 * random batch, measured as the training and evaluation rates are
 * (`measureRate` of `lib/train`), one floor above them.
 *
 * @module
 */
import { tf } from "../backend/mod.ts";
import { analyseCell, buildCell, createModel, disposeModel } from "../cells/mod.ts";
import {
  benchBatch,
  type BenchRow,
  type CellBenchOptions,
  type CellOperation,
  measureOperation,
} from "../train/mod.ts";
import { explain, explainChunkSize } from "./explain.ts";
import { parseMethod } from "./methods.ts";

/** The relevance methods `deno task bench --cases explain` measures by default. */
export const BENCH_EXPLAIN_METHODS: readonly string[] = ["dtd", "lrp-a1.5b0.5"];

/** The methods measured by default on the standard LSTM and GRU (LRP-ε, after Arras et al.). */
export const STANDARD_BENCH_EXPLAIN_METHODS: readonly string[] = ["lrp-epsilon"];

/**
 * One batch of heatmaps of `method` (default `dtd`) on a random batch (default: one
 * internal batch of `explain`, {@link explainChunkSize} images), targets drawn at
 * random, as {@link benchExplain} times it.
 *
 * @example
 * ```ts
 * import { initBackend } from "../backend/mod.ts";
 * import { explainOperation } from "./bench_explain.ts";
 * await initBackend({ quiet: true });
 * const op = explainOperation("shallow", { T: 7, batch: 2, method: "lrp-a1.5b0.5" });
 * op.run();
 * op.dispose();
 * ```
 */
export function explainOperation(
  cell: string,
  opts: CellBenchOptions & { method?: string } = {},
): CellOperation {
  const method = parseMethod(opts.method ?? "dtd").name;
  const spec = buildCell(cell, opts.T ?? 12);
  const batch = opts.batch ?? explainChunkSize(analyseCell(spec));
  const seed = opts.seed ?? 0;
  const model = createModel(spec, { seed });
  const { x, y } = benchBatch(spec.width, batch, seed);
  const targets = Int32Array.from(y.dataSync());
  return {
    case: "explain",
    cell: spec.id,
    T: spec.T,
    batch,
    method,
    run: () => explain(model, x, { method, targets }),
    dispose: () => {
      tf.dispose([x, y]);
      disposeModel(model);
    },
  };
}

/**
 * Explanation throughput of a cell: heatmaps per second of `method` (default
 * `dtd`) on a random batch (default: one internal batch of `explain`,
 * {@link explainChunkSize} images), targets drawn at random, all steps of
 * relevance propagation (or the gradient) included.
 */
export function benchExplain(
  cell: string,
  opts: CellBenchOptions & { method?: string } = {},
): Promise<BenchRow> {
  return measureOperation(explainOperation(cell, opts), opts);
}
