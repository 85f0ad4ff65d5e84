/**
 * Node kinds: one module per kind, the registry, and the vocabulary a kind is
 * written in. Register a kind of your own with `registerNodeKind`.
 *
 * @module
 */
export * from "./kind.ts";
export * from "./values.ts";
export * from "./registry.ts";
export * from "./linear_layer.ts";
export * from "./dense.ts";
export * from "./conv.ts";
export * from "./pool.ts";
export * from "./flatten.ts";
export * from "./concat.ts";
export * from "./dropout.ts";
export * from "./gated_sum.ts";
export * from "./gate.ts";
export * from "./tanh.ts";
export * from "./sum.ts";
export * from "./interpolate.ts";
