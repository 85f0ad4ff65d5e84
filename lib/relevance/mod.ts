/**
 * Relevance propagation and gradient explanations for recurrent cells:
 * rules as small parameterisations of one mechanism for linear layers,
 * composites that map a layer's input domain to a rule, a propagation that
 * walks any cell description backwards through time, and `explain`, which
 * drives every method.
 *
 * @example
 * ```ts
 * import { buildCell, createModel } from "../cells/mod.ts";
 * import { explain, methodNames } from "./mod.ts";
 * const model = createModel(buildCell("rlstm", 12), { seed: 1 });
 * const x = new Float32Array(28 * 84).fill(-1);
 * const e = explain(model, x, { method: "lrp-a1.5b0.5", targets: [4] });
 * console.log(methodNames(), e.perStep.length); // 12 steps × 196 inputs
 * ```
 *
 * @module
 */
export * from "./errors.ts";
export * from "./modifiers.ts";
export * from "./rule.ts";
export * from "./stabilise.ts";
export * from "./linear.ts";
export * from "./zplus.ts";
export * from "./alphabeta.ts";
export * from "./zbeta.ts";
export * from "./wsquare.ts";
export * from "./epsilon.ts";
export * from "./gamma.ts";
export * from "./flat.ts";
export * from "./mixed.ts";
export * from "./conv_plus_original.ts";
export * from "./pool.ts";
export * from "./lstm.ts";
export * from "./composite.ts";
export * from "./layers.ts";
export * from "./propagate.ts";
export * from "./guided.ts";
export * from "./gradient.ts";
export * from "./heatmap.ts";
export * from "./method.ts";
export * from "./gradient_methods.ts";
export * from "./relevance_methods.ts";
export * from "./methods.ts";
export * from "./explain.ts";
export * from "./conservation.ts";
export * from "./artifacts.ts";
export * from "./bench_explain.ts";
