/**
 * What is known statically about the values of a cell graph: value domains,
 * last-axis segments and shapes, and the small helpers every node kind uses
 * to infer them.
 *
 * @module
 */

/**
 * The value domain of a tensor, which decides the relevance rule of the layer
 * that reads it: `pixels` are bounded in [low, high], `nonneg` are ReLU/sigmoid
 * outputs (≥ 0), `real` are unbounded.
 */
export type Domain = "pixels" | "nonneg" | "real";

/** A contiguous part of a tensor's last axis (features or channels) with one domain. */
export interface Segment {
  /** The node, state or input the part comes from. */
  from: string;
  /** Its size along the last axis. */
  size: number;
  /** Its value domain. */
  domain: Domain;
  /** Lower bound (pixels only). */
  low?: number;
  /** Upper bound (pixels only). */
  high?: number;
}

/** What is known statically about one value of the graph. */
export interface ValueInfo {
  /** Per-sample shape (no batch axis). */
  shape: number[];
  /** Parts of the last axis with their domains (one part unless concatenated). */
  segments: Segment[];
}

/** The one domain of a value: its segments' domain, or the widest of several. */
export function domainOf(info: ValueInfo): Domain {
  const domains = new Set(info.segments.map((s) => s.domain));
  if (domains.size === 1) return info.segments[0].domain;
  return domains.has("real") ? "real" : "nonneg";
}

/**
 * A value of one segment.
 *
 * @example
 * ```ts
 * import { singleValue } from "./values.ts";
 * singleValue("h", [128], "nonneg").segments[0].size; // 128
 * ```
 */
export function singleValue(from: string, shape: number[], domain: Domain): ValueInfo {
  return { shape, segments: [{ from, size: shape[shape.length - 1], domain }] };
}

export { sameShape } from "../../backend/mod.ts";
