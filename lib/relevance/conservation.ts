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

/** The worst sample of a conservation check: its index and its relative error. */
export interface ConservationWorst {
  /** The sample with the largest relative error. */
  sample: number;
  /** |Σ R + absorbed − ReLU(f_y)| / max(1, |f_y|) of that sample. */
  error: number;
}

/**
 * The sample whose conservation residual is largest relative to its logit,
 * |Σ R + absorbed − ReLU(f_y)| / max(1, |f_y|) (the measure of the README and
 * the property tests); a NaN residual counts as the worst. Gradient
 * explanations raise `ExplainInputError`.
 *
 * @example
 * ```ts
 * import { buildCell, createModel } from "../cells/mod.ts";
 * import { explain } from "./explain.ts";
 * import { worstConservation } from "./conservation.ts";
 * const model = createModel(buildCell("deep", 4), { seed: 1 });
 * const e = explain(model, new Float32Array(2 * 28 * 28).fill(0.5), { method: "dtd" });
 * worstConservation(e).error < 1e-4; // true
 * ```
 */
export function worstConservation(e: Explanation): ConservationWorst {
  const residual = conservationResidual(e);
  const classes = e.logits.length / e.batch;
  let worst: ConservationWorst = { sample: 0, error: 0 };
  for (let b = 0; b < e.batch; b++) {
    const fy = e.logits[b * classes + e.targets[b]];
    const error = Math.abs(residual[b]) / Math.max(1, Math.abs(fy));
    if (!(error <= worst.error)) worst = { sample: b, error }; // NaN is the worst
  }
  return worst;
}
