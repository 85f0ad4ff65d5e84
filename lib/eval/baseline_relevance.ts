/**
 * Chance-level "explanations" that every quality measure is read against:
 * uniform relevance (an evenly spread heatmap), random relevance (seeded
 * uniform noise) and the input intensity (x + 1)/2, an edge detector that
 * knows nothing of the model.
 *
 * @module
 */
import { Prng } from "../data/prng.ts";

/** The baseline ids. */
export const BASELINE_METHODS = ["uniform", "random", "intensity"] as const;

/** A baseline id. */
export type BaselineMethod = typeof BASELINE_METHODS[number];

/** Whether `id` names a baseline. */
export function isBaselineMethod(id: string): id is BaselineMethod {
  return (BASELINE_METHODS as readonly string[]).includes(id);
}

/**
 * The baseline heatmaps of images `x` (same layout): ones, seeded uniform
 * values in [0, 1), or (x + 1)/2.
 *
 * @example
 * ```ts
 * import { baselineRelevance } from "./baseline_relevance.ts";
 * const r = baselineRelevance("intensity", Float32Array.of(-1, 0, 1), 0);
 * if (r[0] !== 0 || r[1] !== 0.5 || r[2] !== 1) throw new Error();
 * ```
 */
export function baselineRelevance(
  method: BaselineMethod,
  x: Float32Array,
  seed: number | string,
): Float32Array {
  if (method === "uniform") return new Float32Array(x.length).fill(1);
  if (method === "intensity") return x.map((v) => (v + 1) / 2);
  const prng = new Prng(`random-relevance/${seed}`);
  return Float32Array.from({ length: x.length }, () => prng.next());
}
