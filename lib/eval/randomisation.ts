/**
 * Model-parameter randomisation (Adebayo et al. 2018): copies of a trained
 * model whose chosen layers are re-initialised as a fresh model would be
 * (same distribution, seeded), the rest kept. Cascading randomisation
 * re-initialises the layers from the output downwards, one more at a time;
 * independent randomisation re-initialises one layer alone.
 *
 * @module
 */
import { type CellModel, createModel } from "../cells/mod.ts";

/** The randomisation modes. */
export const RANDOMISATION_MODES = ["cascading", "independent"] as const;

/** A randomisation mode. */
export type RandomisationMode = typeof RANDOMISATION_MODES[number];

/**
 * The model's parameterised layers from the output downwards (the order of
 * cascading randomisation).
 *
 * @example
 * ```ts
 * import { buildCell, createModel, disposeModel } from "../cells/mod.ts";
 * import { randomisationLayers } from "./randomisation.ts";
 * const model = createModel(buildCell("shallow", 12), { seed: 1 });
 * if (randomisationLayers(model).join() !== "out,r,hidden") throw new Error();
 * disposeModel(model);
 * ```
 */
export function randomisationLayers(model: CellModel): string[] {
  return [...new Set(model.graph.parameters.map((p) => p.node))].reverse();
}

/**
 * The layers randomised at stage `stage` (0-based) of a mode: the top
 * `stage + 1` layers (cascading) or layer `stage` alone (independent).
 */
export function randomisedLayers(
  layers: readonly string[],
  mode: RandomisationMode,
  stage: number,
): string[] {
  return mode === "cascading" ? layers.slice(0, stage + 1) : [layers[stage]];
}

/** One stage of a randomisation mode and the layers it re-initialises. */
export interface RandomisationStage {
  mode: RandomisationMode;
  /** 0-based stage; its layer is `layers[stage]`. */
  stage: number;
  /** The re-initialised layers ({@link randomisedLayers}). */
  randomised: string[];
  /** Index of the first stage of the plan that re-initialises the same layers (itself if none). */
  sameAs: number;
}

/**
 * Every stage of both modes, cascading first; stages that re-initialise the
 * same layers (cascading and independent stage 0 both take the output layer
 * alone) point to the first of them, whose randomised model and heatmaps
 * they can share (the same layers and seed give the same model).
 *
 * @example
 * ```ts
 * import { randomisationPlan } from "./randomisation.ts";
 * const plan = randomisationPlan(["out", "r", "hidden"]);
 * if (plan.length !== 6 || plan[3].sameAs !== 0 || plan[4].sameAs !== 4) throw new Error();
 * ```
 */
export function randomisationPlan(layers: readonly string[]): RandomisationStage[] {
  const keys: string[] = [];
  return RANDOMISATION_MODES.flatMap((mode) =>
    layers.map((_, stage) => {
      const randomised = randomisedLayers(layers, mode, stage);
      keys.push([...randomised].sort().join("\n"));
      return { mode, stage, randomised, sameAs: keys.indexOf(keys[keys.length - 1]) };
    })
  );
}

/**
 * A copy of `model` whose `layers` are re-initialised from `seed`; every
 * other parameter keeps its trained value. Dispose it with `disposeModel`.
 */
export function randomisedModel(
  model: CellModel,
  layers: readonly string[],
  seed: number,
): CellModel {
  const known = randomisationLayers(model);
  for (const layer of layers) {
    if (!known.includes(layer)) {
      throw new RangeError(
        `${model.spec.id} has no layer "${layer}" to randomise; layers: ${known.join(", ")}`,
      );
    }
  }
  const copy = createModel(model.spec, {
    seed,
    biasMode: model.options.biasMode,
    keepProb: model.options.keepProb,
  });
  const nodeOf = new Map(model.graph.parameters.map((p) => [p.name, p.node]));
  for (const [name, variable] of copy.params) {
    if (!layers.includes(nodeOf.get(name)!)) variable.assign(model.params.get(name)!);
  }
  return copy;
}
