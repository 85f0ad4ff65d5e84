/**
 * How many passes through the model `evaluateExplanations` makes per sample
 * for each measure group beyond explaining the samples once: forward passes
 * of perturbed images (perturbation) or explanations by randomised models
 * (randomisation). The benchmark divides a measure's time by them to show
 * what is inherent cost and what is overhead.
 *
 * @module
 */
import type { CellModel } from "../cells/mod.ts";
import { isBaselineMethod } from "./baseline_relevance.ts";
import { curveStepCounts } from "./perturbation.ts";
import { defaultRemovalUnits, type QualityMeasure, type QualityOptions } from "./quality.ts";
import { randomisationLayers, randomisationPlan } from "./randomisation.ts";
import { removalUnits } from "./removal_units.ts";

/** Passes per sample of one measure group. */
export interface QualityPasses {
  /** What a pass is: a forward pass of one image or an explanation of one sample. */
  kind: "forward" | "explain";
  /** Passes per sample (0: the measure only reads the heatmaps). */
  perSample: number;
}

/**
 * The passes per sample of `measure` for a model and options, as
 * `evaluateExplanations` makes them: perturbation evaluates, per unit kind,
 * every interior step count of the random order and of each method's MoRF
 * and LeRF orders, plus the unperturbed and fully removed images once;
 * randomisation explains the first `randomisationSamples` (share of all
 * samples) once per distinct randomised model and non-baseline method.
 *
 * @example
 * ```ts
 * import { buildCell, createModel, disposeModel } from "../cells/mod.ts";
 * import { qualityPasses } from "./quality_passes.ts";
 * const model = createModel(buildCell("deep", 12), { seed: 1 });
 * // 2 unit kinds × 11 interior step counts × 3 orders + 2 ends; 9 distinct randomised models
 * const p = qualityPasses(model, "perturbation", { methods: ["dtd"] }, 500);
 * const r = qualityPasses(model, "randomisation", { methods: ["dtd"] }, 500);
 * if (p.perSample !== 68 || r.perSample !== 9) throw new Error();
 * disposeModel(model);
 * ```
 */
export function qualityPasses(
  model: CellModel,
  measure: QualityMeasure,
  options: QualityOptions,
  samples: number,
): QualityPasses {
  const methods = options.methods;
  if (measure === "perturbation") {
    const orders = 1 + 2 * methods.length; // the random order and each method's MoRF and LeRF
    let perSample = 2;
    for (const unit of options.units ?? defaultRemovalUnits(model)) {
      const { count } = removalUnits(model.spec.width, unit);
      const interior = curveStepCounts(count, options.points).filter((k) => k > 0 && k < count);
      perSample += interior.length * orders;
    }
    return { kind: "forward", perSample };
  }
  if (measure === "randomisation") {
    const plan = randomisationPlan(randomisationLayers(model));
    const models = plan.filter((s, i) => s.sameAs === i).length;
    const explained = methods.filter((m) => !isBaselineMethod(m)).length;
    const share = Math.min(samples, options.randomisationSamples ?? samples) / samples;
    return { kind: "explain", perSample: models * explained * share };
  }
  return { kind: "explain", perSample: 0 };
}
