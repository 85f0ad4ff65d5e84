/**
 * The small library claims are built from: each combinator turns a
 * description and a few ids into a {@link Claim} with its rule and the
 * models it rests on.
 *
 * - {@link betterThan}: A's mean cosine above B's for every method and dataset;
 * - {@link intervalAbove}: A's best method's 95 % interval above B's best method's;
 * - {@link relevanceMethodsGainMore}: DTD and LRP gain more over a baseline than SA and GB;
 * - {@link minimumClaim}: every model reaches the Table 3.2 minimum (an accuracy claim);
 * - {@link mostAccurate}: one cell is the most accurate (an accuracy claim).
 *
 * Comparisons are strict; the sentence gives the count either way.
 *
 * @module
 */
import { datasetLabel, methodLabel } from "../eval/mod.ts";
import {
  absentDetail,
  absentModels,
  accuracyOf,
  cellName,
  type Claim,
  type ClaimBase,
  type ClaimNumbers,
  cosineOf,
  cosinePointOf,
  decide,
  f2,
  f3,
  makeClaim,
  missing,
  type ModelRef,
  needCosine,
} from "./claim.ts";
import { modelLabel } from "./grid.ts";
import { minimumAccuracy } from "./thesis.ts";

/** The MAJ task ids, in panel order. */
export const MAJ = ["mnist-maj", "fashion-mnist-maj"] as const;

/** The plain task ids of Experiment 1. */
export const PLAIN = ["mnist", "fashion-mnist"] as const;

/** The four methods of Experiments 1–3. */
export const METHODS4 = ["sa", "gb", "dtd", "lrp-a1.5b0.5"] as const;

/** The models (T = 12) of `cells` on every dataset in `datasets`. */
export function majModels(
  cells: readonly string[],
  datasets: readonly string[] = MAJ,
): ModelRef[] {
  return datasets.flatMap((dataset) => cells.map((cell) => ({ dataset, cell, T: 12 })));
}

/** "A explains better than B": A's mean cosine is above B's for every method and dataset. */
export function betterThan(
  base: ClaimBase,
  better: string,
  worse: string,
  datasets: readonly string[] = MAJ,
  methods: readonly string[] = METHODS4,
): Claim {
  const shape = { models: majModels([better, worse], datasets), datasets };
  return makeClaim(base, shape, (n, _, part) => {
    const gaps = needCosine(n, part, [better, worse], methods);
    if (gaps.length) return missing(base, gaps);
    const evidence: Record<string, number> = {};
    let wins = 0;
    const parts = part.map((d) => {
      let k = 0;
      const items = methods.map((m) => {
        const a = cosineOf(n, d, better, m)!;
        const b = cosineOf(n, d, worse, m)!;
        evidence[`${d}/${m}/${better}`] = a;
        evidence[`${d}/${m}/${worse}`] = b;
        if (a > b) k++;
        return `${methodLabel(m)} ${f3(a)} vs ${f3(b)}`;
      });
      wins += k;
      return `${k} of ${methods.length} methods on ${datasetLabel(d)} (${items.join(", ")})`;
    });
    const all = part.length * methods.length;
    return decide(
      base,
      wins === all ? "holds" : "does not hold",
      `the mean cosine of ${cellName(better)} exceeds ${cellName(worse)}'s for ${
        parts.join(" and ")
      }`,
      evidence,
    );
  });
}

/** A cell and the methods it is compared with. */
export interface CellMethods {
  /** Cell id. */
  cell: string;
  /** Method ids; the one with the highest mean cosine represents the cell. */
  methods: readonly string[];
}

/**
 * "A explains better than B" on one dataset, decided by intervals over
 * folds: the method of A with the highest mean cosine against B's; holds
 * when A's 95 % interval lies entirely above B's, does not hold when it
 * lies entirely below, undecided when the intervals overlap. It compares
 * intervals, so the criterion asks for at least three folds.
 *
 * @example
 * ```ts
 * import { intervalAbove } from "./claim_rules.ts";
 * const base = { id: "x", section: "3.4", where: "Fig s.1", claim: "…" };
 * const claim = intervalAbove(base, { cell: "rlstm", methods: ["dtd"] },
 *   { cell: "lstm", methods: ["lrp-epsilon"] }, "mnist-maj");
 * const point = (cell: string, method: string, mean: number) =>
 *   ({ dataset: "mnist-maj", cell, method, mean, ci_lo: mean - 0.01, ci_hi: mean + 0.01, n_folds: 3 });
 * const out = claim.evaluate({
 *   accuracy: claim.models.map((m) => ({ ...m, accuracy: 99 })),
 *   cosine: [point("rlstm", "dtd", 0.9), point("lstm", "lrp-epsilon", 0.8)],
 * });
 * if (out.verdict !== "holds") throw new Error(out.sentence);
 * ```
 */
export function intervalAbove(
  base: ClaimBase,
  better: CellMethods,
  worse: CellMethods,
  dataset: string,
): Claim {
  const models = majModels([better.cell, worse.cell], [dataset]);
  return makeClaim(base, { models, comparesIntervals: true }, (n) => {
    const gaps = [better, worse].flatMap((s) => needCosine(n, [dataset], [s.cell], s.methods));
    if (gaps.length) return missing(base, gaps);
    const best = (s: CellMethods) =>
      s.methods.map((m) => cosinePointOf(n, dataset, s.cell, m)!)
        .reduce((a, b) => b.mean > a.mean ? b : a);
    const a = best(better);
    const b = best(worse);
    if (a.ci_lo === null || a.ci_hi === null || b.ci_lo === null || b.ci_hi === null) {
      return missing(base, ["confidence intervals (one fold gives none)"]);
    }
    const shown = (p: typeof a) =>
      `${cellName(p.cell)} ${methodLabel(p.method)} ${f3(p.mean)} [${f3(p.ci_lo!)}, ${
        f3(p.ci_hi!)
      }]`;
    const evidence: Record<string, number | string> = {};
    for (const [role, p] of [["better", a], ["worse", b]] as const) {
      evidence[`${dataset}/${p.cell}/method`] = p.method;
      evidence[`${dataset}/${p.cell}/mean`] = p.mean;
      evidence[`${dataset}/${p.cell}/ci_lo`] = p.ci_lo!;
      evidence[`${dataset}/${p.cell}/ci_hi`] = p.ci_hi!;
      evidence[`${role}/n_folds`] = p.n_folds;
    }
    const numbers = `(${datasetLabel(dataset)}, mean cosine with 95 % t intervals over folds: ${
      shown(a)
    } vs ${shown(b)})`;
    const verdict = a.ci_lo > b.ci_hi ? "holds" : a.ci_hi < b.ci_lo ? "does not hold" : "undecided";
    const relation = verdict === "holds"
      ? `the interval of ${cellName(a.cell)} lies above ${cellName(b.cell)}'s`
      : verdict === "does not hold"
      ? `the interval of ${cellName(a.cell)} lies below ${cellName(b.cell)}'s`
      : "the intervals overlap";
    return decide(base, verdict, `${relation} ${numbers}`, evidence);
  });
}

/** Mean cosine gain of `cells` over `baseline`, per method. */
export function gains(
  n: ClaimNumbers,
  dataset: string,
  cells: readonly string[],
  baseline: string,
  method: string,
): number {
  const base = cosineOf(n, dataset, baseline, method)!;
  const diffs = cells.map((c) => cosineOf(n, dataset, c, method)! - base);
  return diffs.reduce((a, b) => a + b, 0) / diffs.length;
}

/** "DTD and LRP gain more than SA and GB": min gain of DTD/LRP above max gain of SA/GB. */
export function relevanceMethodsGainMore(
  base: ClaimBase,
  cells: readonly string[],
  baseline: string,
): Claim {
  return makeClaim(base, { models: majModels([...cells, baseline]) }, (n) => {
    const gaps = needCosine(n, MAJ, [...cells, baseline], METHODS4);
    if (gaps.length) return missing(base, gaps);
    const evidence: Record<string, number> = {};
    let ok = 0;
    const parts = MAJ.map((d) => {
      const g = Object.fromEntries(METHODS4.map((m) => [m, gains(n, d, cells, baseline, m)]));
      for (const m of METHODS4) evidence[`${d}/${m}/gain`] = g[m];
      const holds = Math.min(g["dtd"], g["lrp-a1.5b0.5"]) > Math.max(g["sa"], g["gb"]);
      if (holds) ok++;
      return `${datasetLabel(d)}: ${
        METHODS4.map((m) => `${methodLabel(m)} ${g[m] >= 0 ? "+" : ""}${f3(g[m])}`).join(", ")
      }` +
        ` (${holds ? "DTD and LRP ahead" : "not both ahead"})`;
    });
    return decide(
      base,
      ok === MAJ.length ? "holds" : "does not hold",
      `mean cosine gain of ${cells.map(cellName).join(", ")} over ${cellName(baseline)} — ${
        parts.join("; ")
      }`,
      evidence,
    );
  });
}

/**
 * Every listed model reaches the Table 3.2 minimum. A stored model below it
 * decides the claim even while others have no stored run; otherwise a
 * missing run leaves it undecided.
 */
export function minimumClaim(base: ClaimBase, models: readonly ModelRef[]): Claim {
  return makeClaim(base, { kind: "accuracy" }, (n) => {
    const absent = absentModels(base, models, n);
    const stored = models.filter((m) => accuracyOf(n, m.dataset, m.cell, m.T) !== null);
    const evidence: Record<string, number> = {};
    const below: string[] = [];
    for (const m of stored) {
      const acc = accuracyOf(n, m.dataset, m.cell, m.T)!;
      evidence[`${m.dataset}/${m.cell}/T${m.T}`] = acc;
      if (acc < minimumAccuracy(m.dataset)) {
        below.push(
          `${modelLabel(m.cell, m.T)} on ${datasetLabel(m.dataset)} ${f2(acc)}% < ${
            minimumAccuracy(m.dataset)
          }%`,
        );
      }
    }
    if (absent && below.length === 0) return absent;
    const reach = stored.length - below.length;
    const unstored = models.length - stored.length;
    return decide(
      base,
      below.length === 0 ? "holds" : "does not hold",
      `${reach} of ${models.length} models reach the minimum` +
        (below.length ? `; below it: ${below.join(", ")}` : "") +
        (unstored ? `; ${unstored} without a stored run, which cannot change this` : ""),
      evidence,
    );
  });
}

/**
 * Highest accuracy among `cells` on every MAJ dataset. A dataset where
 * another cell is ahead decides the claim even while the other dataset
 * misses runs; a dataset where `best` leads is stated beside the undecided
 * verdict.
 */
export function mostAccurate(base: ClaimBase, best: string, cells: readonly string[]): Claim {
  return makeClaim(base, { kind: "accuracy" }, (n) => {
    const models = majModels(cells);
    const decided = MAJ.filter((d) => cells.every((c) => accuracyOf(n, d, c, 12) !== null));
    const absent = absentDetail(models, n);
    if (absent !== null && !decided.length) return decide(base, "undecided", absent);
    const evidence: Record<string, number> = {};
    let ok = 0;
    const parts = decided.map((d) => {
      const ranked = [...cells].sort((a, b) => accuracyOf(n, d, b, 12)! - accuracyOf(n, d, a, 12)!);
      for (const c of cells) evidence[`${d}/${c}`] = accuracyOf(n, d, c, 12)!;
      if (ranked[0] === best) ok++;
      return `${datasetLabel(d)}: ${
        ranked.map((c) => `${cellName(c)} ${f2(accuracyOf(n, d, c, 12)!)}%`).join(" > ")
      }`;
    });
    const detail = `${cellName(best)} is the most accurate on ${ok} of ${decided.length} dataset${
      decided.length === 1 ? "" : "s"
    } (${parts.join("; ")})`;
    if (ok < decided.length) {
      return decide(base, "does not hold", detail + (absent ? `; ${absent}` : ""), evidence);
    }
    if (absent !== null) {
      const partial = { datasets: decided, criterion: false, sentence: `Holds: ${detail}.` };
      return { ...decide(base, "undecided", absent), partial };
    }
    return decide(base, "holds", detail, evidence);
  });
}

/** Total variation distance ½ Σ |p − q| between two per-step distributions. */
export function totalVariation(p: readonly number[], q: readonly number[]): number {
  if (p.length !== q.length) {
    throw new RangeError(`distributions of different lengths: ${p.length} and ${q.length}`);
  }
  let s = 0;
  for (let i = 0; i < p.length; i++) s += Math.abs(p[i] - q[i]);
  return s / 2;
}
