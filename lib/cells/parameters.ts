/**
 * Parameter counts walked from the cell description.
 *
 * @module
 */
import type { CellGraph } from "./graph.ts";

/** The two counts reported by `deno task cells`. */
export interface ParameterCount {
  /** The true number of trainable scalars. */
  params: number;
  /**
   * The count under the original code's convention: prod(W.shape) + b.shape[0],
   * so a [1, N] gate bias counts as one parameter (this reproduces the thesis tables).
   */
  paramsThesis: number;
}

/**
 * Counts a cell's parameters.
 *
 * @example
 * ```ts
 * import { analyseCell, buildCell, countParameters } from "./mod.ts";
 * const { params } = countParameters(analyseCell(buildCell("deep", 7)));
 * if (params !== 132074) throw new Error("Table 3.3 says 132,074");
 * ```
 */
export function countParameters(graph: CellGraph): ParameterCount {
  let params = 0;
  let paramsThesis = 0;
  for (const p of graph.parameters) {
    const size = p.shape.reduce((a, b) => a * b, 1);
    params += size;
    paramsThesis += p.role === "bias" ? p.shape[0] : size;
  }
  return { params, paramsThesis };
}
