/**
 * When a run stops before its epoch limit: the `converged` profile's rule.
 * After every epoch the model is evaluated on samples held out from its
 * training data (never on the test samples the tables report), and training
 * stops at the first epoch where
 *
 * - `target`: the held-out accuracy reaches the target accuracy the caller
 *   gives (for the thesis's models: the thesis's reported accuracy, and at
 *   least the Table 3.2 minimum plus a margin), or
 * - `plateau`: the best held-out accuracy has not improved by at least
 *   `minDelta` for `patience` epochs, and that best is at least the floor the
 *   caller gives (the minimum plus the margin): a model below the bar is not
 *   given up before the epoch limit, or
 * - `epoch-limit`: the profile's epoch limit is reached.
 *
 * The decision reads only the epoch history, so a resumed run decides
 * exactly as an uninterrupted one, and a stored run's history replays to the
 * epoch at which the current rule would stop it ({@link firstStop}).
 *
 * @module
 */

import { Prng } from "../data/mod.ts";

/** Why a run stopped. */
export type StopReason = "target" | "plateau" | "epoch-limit";

/** The early-stopping rule of a profile. */
export interface StoppingRule {
  /** Epochs without an improvement of the best held-out accuracy before stopping. */
  readonly patience: number;
  /** The smallest gain in held-out accuracy (a fraction, 0.0005 = 0.05 pp) that counts as one. */
  readonly minDelta: number;
  /** Share of a fold's training samples held out for the rule (MAJ; Experiment 1 uses its 12k validation split). */
  readonly holdOut: number;
}

/** Where and why a run stopped, as recorded in its manifest. */
export interface StopRecord {
  /** The last epoch trained. */
  epoch: number;
  /** Why it stopped there. */
  reason: StopReason;
  /** Held-out accuracy at that epoch (fraction). */
  heldOutAccuracy: number;
  /** The best held-out accuracy over all epochs, and its epoch. */
  best: { epoch: number; accuracy: number };
  /** The target accuracy the rule used (fraction), or null. */
  target: number | null;
  /** The floor below which a plateau did not stop the run (fraction), or null; absent in runs stopped before floors existed. */
  floor?: number | null;
}

/** The accuracies a caller gives the rule: when to stop (`target`) and below which a plateau does not stop (`floor`). */
export interface StopLimits {
  /** Held-out accuracy (fraction) at which the run stops, or null. */
  target: number | null;
  /** Best held-out accuracy (fraction) a plateau needs before it stops the run, or null for none. */
  floor?: number | null;
  /** The epoch limit. */
  epochs: number;
}

/**
 * The best epoch of `heldOut` (held-out accuracies of epochs 1..n) as the rule counts it:
 * a later epoch replaces it only by gaining at least `minDelta`; null for no epochs.
 *
 * @example
 * ```ts
 * import { bestHeldOut } from "./stopping.ts";
 * const best = bestHeldOut([0.5, 0.8, 0.805], { patience: 2, minDelta: 0.01, holdOut: 0.1 });
 * if (best?.epoch !== 2 || best.accuracy !== 0.8) throw new Error();
 * ```
 */
export function bestHeldOut(
  heldOut: readonly number[],
  rule: StoppingRule,
): { epoch: number; accuracy: number } | null {
  if (heldOut.length === 0) return null;
  let best = { epoch: 1, accuracy: heldOut[0] };
  for (let e = 2; e <= heldOut.length; e++) {
    if (heldOut[e - 1] >= best.accuracy + rule.minDelta) {
      best = { epoch: e, accuracy: heldOut[e - 1] };
    }
  }
  return best;
}

/**
 * The stop decision after the last epoch of `heldOut` (held-out accuracies
 * of epochs 1..n, fractions), or null to go on.
 *
 * @example
 * ```ts
 * import { stopDecision } from "./stopping.ts";
 * const rule = { patience: 2, minDelta: 0.01, holdOut: 0.1 };
 * const d = stopDecision([0.5, 0.8, 0.805, 0.79], rule, { target: null, epochs: 100 });
 * if (d?.reason !== "plateau" || d.best.epoch !== 2) throw new Error();
 * ```
 */
export function stopDecision(
  heldOut: readonly number[],
  rule: StoppingRule,
  limits: StopLimits,
): StopRecord | null {
  const n = heldOut.length;
  const best = bestHeldOut(heldOut, rule);
  if (best === null) return null;
  const last = heldOut[n - 1];
  const record = (reason: StopReason): StopRecord => ({
    epoch: n,
    reason,
    heldOutAccuracy: last,
    best,
    target: limits.target,
    floor: limits.floor ?? null,
  });
  if (limits.target !== null && last >= limits.target) return record("target");
  const floor = limits.floor ?? null;
  if (n - best.epoch >= rule.patience && (floor === null || best.accuracy >= floor)) {
    return record("plateau");
  }
  if (n >= limits.epochs) return record("epoch-limit");
  return null;
}

/**
 * The first epoch of a history at which the rule stops, replayed epoch by
 * epoch (a stored run stopped by an earlier rule may have trained past it),
 * or null when the rule lets it train on.
 *
 * @example
 * ```ts
 * import { firstStop } from "./stopping.ts";
 * const rule = { patience: 2, minDelta: 0.01, holdOut: 0.1 };
 * const stop = firstStop([0.5, 0.8, 0.95, 0.96], rule, { target: 0.9, epochs: 100 });
 * if (stop?.epoch !== 3 || stop.reason !== "target") throw new Error();
 * ```
 */
export function firstStop(
  heldOut: readonly number[],
  rule: StoppingRule,
  limits: StopLimits,
): StopRecord | null {
  for (let n = 1; n <= heldOut.length; n++) {
    const stop = stopDecision(heldOut.slice(0, n), rule, limits);
    if (stop) return stop;
  }
  return null;
}

/**
 * Splits the positions 0..n−1 into a seeded held-out share and the rest, both
 * ascending. Depends only on `label`, so every cell of a fold holds out the
 * same samples.
 *
 * @example
 * ```ts
 * import { holdOut } from "./stopping.ts";
 * const { heldOut, remaining } = holdOut(12, 0.25, "demo");
 * if (heldOut.length !== 3 || remaining.length !== 9) throw new Error();
 * ```
 */
export function holdOut(
  n: number,
  share: number,
  label: string,
): { heldOut: Int32Array; remaining: Int32Array } {
  if (!(share > 0 && share < 1)) {
    throw new RangeError(`hold-out share must be in (0, 1), found ${share}`);
  }
  const count = Math.max(1, Math.round(n * share));
  const order = new Prng(`held-out/${label}`).permutation(n);
  return { heldOut: order.slice(0, count).sort(), remaining: order.slice(count).sort() };
}

/**
 * Why a run stopped, in words: `target 98.16%`, `plateau (best epoch 41)`,
 * `epoch limit`, or `all epochs` for a run without early stopping.
 *
 * @example
 * ```ts
 * import { stopLabel } from "./stopping.ts";
 * if (stopLabel(undefined) !== "all epochs") throw new Error();
 * ```
 */
export function stopLabel(stop: StopRecord | undefined): string {
  if (!stop) return "all epochs";
  if (stop.reason === "target") return `target ${(100 * stop.target!).toFixed(2)}%`;
  if (stop.reason === "plateau") return `plateau (best epoch ${stop.best.epoch})`;
  return "epoch limit";
}
