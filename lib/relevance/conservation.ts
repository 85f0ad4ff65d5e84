/**
 * The conservation check of a relevance explanation: per sample, how far the
 * relevance of the inputs plus what the layers absorbed is from the relevance
 * that was propagated, Σ R + absorbed − ReLU(f_y).
 *
 * @module
 */
import { ExplainInputError } from "./errors.ts";
import type { Explanation } from "./explain.ts";

/**
 * Σ R + absorbed − start per sample [B]; about 0 (float32 rounding) for every cell and
 * every relevance method whose rules redistribute with their normaliser's own terms.
 * Gradient explanations have no start and raise `ExplainInputError`.
 *
 * @example
 * ```ts
 * import { buildCell, createModel } from "../cells/mod.ts";
 * import { explain } from "./explain.ts";
 * import { conservationResidual } from "./conservation.ts";
 * const model = createModel(buildCell("gru", 7), { seed: 1 });
 * const e = explain(model, new Float32Array(28 * 28).fill(0.5), { method: "lrp-epsilon" });
 * Math.abs(conservationResidual(e)[0]) < 1e-4; // true
 * ```
 */
export function conservationResidual(e: Explanation): Float32Array {
  if (!e.start || !e.absorbed) {
    throw new ExplainInputError(
      `method "${e.settings.method}" is not a relevance method: nothing is conserved`,
    );
  }
  const n = e.steps * e.stepSize;
  const out = new Float32Array(e.batch);
  for (let b = 0; b < e.batch; b++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += e.perStep[b * n + i];
    out[b] = sum + e.absorbed[b] - e.start[b];
  }
  return out;
}
