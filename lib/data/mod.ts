/**
 * The data layer: dataset registry, fetching and verification, IDX parsing,
 * image sets, column-wise sequences, the MAJ task, splits and folds, and the
 * sequence sources that training and explanation consume.
 *
 * @module
 */

export * from "./atomic_file.ts";
export * from "./errors.ts";
export * from "./fetch.ts";
export * from "./idx.ts";
export * from "./images.ts";
export * from "./labels.ts";
export * from "./maj.ts";
export * from "./prng.ts";
export * from "./registry.ts";
export * from "./sequences.ts";
export * from "./source.ts";
export * from "./splits.ts";
export * from "./staged_folder.ts";
