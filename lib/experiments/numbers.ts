/**
 * Gathering a run's numbers for the claims: model accuracies from a grid,
 * mean cosines from an evaluation, distributions from Fig 3.7, and heatmap
 * similarities between methods from a heatmap figure.
 *
 * @module
 */
import { pearson } from "../eval/mod.ts";
import type { CosinePoint, DistributionPoint } from "./charts.ts";
import { cosinePoints } from "./charts.ts";
import type { AccuracyPoint, ClaimNumbers, SimilarityPoint } from "./claim.ts";
import type { EvaluationResult } from "./evaluation.ts";
import { entryAccuracy, type RunGrid } from "./grid.ts";
import type { ExplainedSample } from "./heatmaps.ts";

/** The accuracy (%) of every model of a grid (mean over folds for MAJ models). */
export function accuracyPoints(grid: RunGrid): AccuracyPoint[] {
  return grid.entries.map((e) => ({
    dataset: e.dataset,
    cell: e.cell,
    T: e.T,
    accuracy: entryAccuracy(e).mean,
  }));
}

/**
 * Mean per-sample Pearson correlation between the heatmaps of method `a` and
 * method `b`, per (dataset, cell), over the samples both explained.
 */
export function heatmapSimilarity(
  explained: readonly ExplainedSample[],
  a: string,
  b: string,
): SimilarityPoint[] {
  const groups = new Map<string, { dataset: string; cell: string; values: number[] }>();
  const byKey = new Map<string, ExplainedSample>();
  for (const e of explained) {
    byKey.set(`${e.dataset}|${e.cell}|${e.T}|${e.position}|${e.method}`, e);
  }
  for (const e of explained) {
    if (e.method !== a) continue;
    const other = byKey.get(`${e.dataset}|${e.cell}|${e.T}|${e.position}|${b}`);
    if (!other) continue;
    const g = `${e.dataset}|${e.cell}`;
    if (!groups.has(g)) groups.set(g, { dataset: e.dataset, cell: e.cell, values: [] });
    groups.get(g)!.values.push(pearson(e.relevance, other.relevance, 0));
  }
  return [...groups.values()].map((g) => ({
    dataset: g.dataset,
    cell: g.cell,
    a,
    b,
    value: g.values.reduce((x, y) => x + y, 0) / g.values.length,
  }));
}

/** The parts a claims report can draw on. */
export interface NumberSources {
  /** Trained models (accuracies). */
  grid?: RunGrid;
  /** Quantitative evaluation (mean cosines). */
  evaluation?: Pick<EvaluationResult, "aggregate">;
  /** Fig 3.7 (distributions). */
  distributions?: { points: DistributionPoint[] };
  /** A heatmap figure whose methods are compared (Fig 2.14: DTD vs LRP-α1β0 and LRP-α2β1). */
  heatmaps?: { explained: ExplainedSample[] };
  /** Extra cosine points (e.g. from another evaluation). */
  cosine?: CosinePoint[];
}

/** Collects the claim numbers from whatever sources are given. */
export function claimNumbers(sources: NumberSources): ClaimNumbers {
  const cosine = [
    ...(sources.evaluation ? cosinePoints(sources.evaluation) : []),
    ...(sources.cosine ?? []),
  ];
  return {
    accuracy: sources.grid ? accuracyPoints(sources.grid) : undefined,
    cosine: cosine.length ? cosine : undefined,
    distributions: sources.distributions?.points,
    similarity: sources.heatmaps
      ? [
        ...heatmapSimilarity(sources.heatmaps.explained, "dtd", "lrp-a1b0"),
        ...heatmapSimilarity(sources.heatmaps.explained, "dtd", "lrp-a2b1"),
      ]
      : undefined,
    untrained: sources.grid?.untrained?.filter((u) => u.whole).map(({ dataset, cell, T }) => ({
      dataset,
      cell,
      T,
    })),
    partlyTrained: sources.grid?.untrained?.filter((u) => !u.whole).map((
      { dataset, cell, T, folds },
    ) => ({ dataset, cell, T, missing: folds })),
  };
}
