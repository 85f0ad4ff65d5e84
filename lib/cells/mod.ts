/**
 * Recurrent cells: descriptions, their analysis, models and the engine.
 *
 * @module
 */
export * from "./spec.ts";
export * from "./nodes/mod.ts";
export * from "./errors.ts";
export * from "./describe.ts";
export * from "./catalog.ts";
export * from "./graph.ts";
export * from "./parameters.ts";
export * from "./model.ts";
export * from "./engine.ts";
export { Masks, type MaskSource } from "./dropout_masks.ts";
export * from "./mask_probe.ts";
export * from "./safetensors.ts";
export * from "./weights.ts";
export * from "./torch_weights.ts";
export * from "./pool.ts";
