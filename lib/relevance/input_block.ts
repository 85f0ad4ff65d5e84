/**
 * The unit rules are applied to: a run of a layer input with one value
 * domain (the step input, a state, a node), so a rule can treat the parts of
 * a concatenated input differently.
 *
 * @module
 */
import type { Domain } from "../cells/spec.ts";

/** A contiguous run of a layer input's last axis (features or channels) with one domain. */
export interface InputBlock {
  /** Value domain of the run. */
  domain: Domain;
  /** First index along the last axis. */
  start: number;
  /** Length along the last axis. */
  size: number;
  /** Lower bound (pixels). */
  low?: number;
  /** Upper bound (pixels). */
  high?: number;
  /** The values the run is made of (step input `x`, states, nodes). */
  sources: string[];
}
