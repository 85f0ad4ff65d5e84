/**
 * The computed verdicts of notebook 04, one set per dataset (as the thesis
 * reports every figure per dataset): for every quality measure, whether
 * it ranks DTD and LRP above SA and GB as the thesis's cosine does (and which
 * method and architecture it finds best); whether the measures agree with
 * the cosine's ranking of every (model, method); which methods fail the
 * randomisation check. A dataset's verdicts rest on that dataset's models
 * only, so a weak model on one dataset leaves the other's decided. The
 * verdicts are about the thesis's cells and four
 * methods: the standard LSTM and GRU, shown beside them in Table q.1 and the
 * figures, are left out of them. Every verdict rests on models that must meet the
 * Table 3.2 minimum (the shared criterion of `claim.ts`); otherwise it reads
 * "Undecided", names each model and its accuracy, and says what the numbers
 * would otherwise say.
 *
 * @module
 */
import { cellLabel, datasetLabel, isBaselineMethod, spearman } from "../eval/mod.ts";
import { type ClaimBase, type ClaimOutcome, criterion, decide, f2, f3 } from "./claim.ts";
import { claimsMarkdown, type ClaimsReport } from "./claims.ts";
import { accuracyPoints } from "./numbers.ts";
import { qualityOnDataset, type QualityResult, thesisQuality } from "./quality.ts";
import {
  QUALITY_COLUMNS_SHOWN,
  type QualityColumn,
  qualityMethodLabel,
  qualityValue,
} from "./quality_artifacts.ts";

/** Mean Spearman (every layer randomised) at or above which a method fails the check. */
export const FAIL_SIMILARITY = 0.5;

/** Spearman ρ with the cosine below which a measure disagrees with it. */
export const AGREEMENT_RHO = 0.5;

/** The thesis's better methods, and the ones it finds worse. */
const BETTER = ["dtd", "lrp-a1.5b0.5"];
const WORSE = ["sa", "gb"];

/** The mean over the evaluated models of a column for one method (NaN when absent). */
function meanOverModels(quality: QualityResult, column: QualityColumn, method: string): number {
  const values = quality.entries.map((e) =>
    qualityValue(quality.aggregate, column, e.dataset, e.cell, method)?.mean ?? NaN
  ).filter(Number.isFinite);
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN;
}

function meanOverMethods(quality: QualityResult, column: QualityColumn, cell: string): number {
  const values = quality.entries.filter((e) => e.cell === cell).flatMap((e) =>
    quality.methods.filter((m) => !isBaselineMethod(m)).map((m) =>
      qualityValue(quality.aggregate, column, e.dataset, e.cell, m)?.mean ?? NaN
    )
  ).filter(Number.isFinite);
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN;
}

function best<T>(items: readonly T[], score: (t: T) => number, higher: boolean): T {
  return items.reduce((a, b) => (higher ? score(b) > score(a) : score(b) < score(a)) ? b : a);
}

/** Decides `rule` unless the criterion leaves it undecided; keeps what the rule would say. */
function withCriterion(
  quality: QualityResult,
  base: ClaimBase,
  rule: () => ClaimOutcome,
): ClaimOutcome {
  const models = quality.entries.map((e) => ({ dataset: e.dataset, cell: e.cell, T: e.T }));
  const blocked = criterion(base, models, false, { accuracy: accuracyPoints(quality.grid) });
  const outcome = rule();
  return blocked
    ? { ...blocked, unconsidered: outcome.sentence, evidence: outcome.evidence }
    : outcome;
}

function methodRanking(
  quality: QualityResult,
  column: QualityColumn,
  dataset: string,
): ClaimOutcome {
  const methods = quality.methods.filter((m) => !isBaselineMethod(m));
  const cells = [...new Set(quality.entries.map((e) => e.cell))];
  const base: ClaimBase = {
    id: `quality-${column.measure}-${column.setting || "all"}-${dataset}`,
    section: "q",
    where: "Table q.1",
    claim: `by ${column.title}, DTD and LRP-α1.5β0.5 explain better than SA and GB on ${
      datasetLabel(dataset)
    }, as by the cosine`,
  };
  return withCriterion(quality, base, () => {
    const score = (m: string) => meanOverModels(quality, column, m);
    const bestMethod = best(methods, score, column.higherIsBetter);
    const bestCell = best(cells, (c) => meanOverMethods(quality, column, c), column.higherIsBetter);
    const better = Math.min(...BETTER.map(score));
    const worse = Math.max(...WORSE.map(score));
    const chance = quality.methods.filter(isBaselineMethod).map((m) =>
      `${qualityMethodLabel(m)} ${f3(score(m))}`
    ).filter((s) => !s.endsWith("NaN"));
    const detail = `${
      methods.map((m) => `${qualityMethodLabel(m)} ${f3(score(m))}`).join(", ")
    } (mean over ${quality.entries.length} models; chance: ${chance.join(", ")}); best method ${
      qualityMethodLabel(bestMethod)
    }, best architecture ${cellLabel(bestCell)} (${
      f3(meanOverMethods(quality, column, bestCell))
    })`;
    const evidence = Object.fromEntries(methods.map((m) => [m, score(m)]));
    if (!Number.isFinite(better) || !Number.isFinite(worse)) {
      return decide(base, "undecided", `the run lacks values: ${detail}`, evidence);
    }
    return decide(base, better > worse ? "holds" : "does not hold", detail, evidence);
  });
}

function agreement(quality: QualityResult, dataset: string): ClaimOutcome {
  const cosine = QUALITY_COLUMNS_SHOWN.find((c) => c.measure === "cosine")!;
  const others = QUALITY_COLUMNS_SHOWN.filter((c) => c.measure !== "cosine" && c.higherIsBetter);
  const base: ClaimBase = {
    id: `quality-agreement-${dataset}`,
    section: "q",
    where: "Table q.1",
    claim: `the new measures rank the (model, method) pairs on ${
      datasetLabel(dataset)
    } as the thesis's cosine does`,
  };
  return withCriterion(quality, base, () => {
    const methods = quality.methods.filter((m) => !isBaselineMethod(m));
    const pairs = quality.entries.flatMap((e) => methods.map((m) => ({ e, m })));
    const value = (c: QualityColumn, p: { e: typeof pairs[number]["e"]; m: string }) =>
      qualityValue(quality.aggregate, c, p.e.dataset, p.e.cell, p.m)?.mean ?? NaN;
    const rho = others.map((c) => {
      const ok = pairs.filter((p) =>
        Number.isFinite(value(c, p)) && Number.isFinite(value(cosine, p))
      );
      return {
        title: c.title,
        rho: ok.length > 2
          ? spearman(ok.map((p) => value(cosine, p)), ok.map((p) => value(c, p)))
          : NaN,
      };
    });
    const detail = `Spearman ρ with the cosine over ${pairs.length} (model, method) pairs: ${
      rho.map((r) => `${r.title} ${f2(r.rho)}`).join(", ")
    }`;
    const evidence = Object.fromEntries(rho.map((r) => [r.title, r.rho]));
    if (rho.some((r) => !Number.isFinite(r.rho))) {
      return decide(base, "undecided", `some measures have too few values: ${detail}`, evidence);
    }
    const agree = rho.every((r) => r.rho >= AGREEMENT_RHO);
    return decide(base, agree ? "holds" : "does not hold", detail, evidence);
  });
}

function randomisationCheck(quality: QualityResult, dataset: string): ClaimOutcome {
  const column = QUALITY_COLUMNS_SHOWN.find((c) => c.measure === "spearman")!;
  const base: ClaimBase = {
    id: `quality-randomisation-${dataset}`,
    section: "q",
    where: "Fig q.4",
    claim: `on ${datasetLabel(dataset)}, guided backprop fails the parameter-randomisation ` +
      `check (its heatmaps keep a Spearman ρ ≥ ${FAIL_SIMILARITY} to the original once every ` +
      `layer is re-initialised) and the other methods pass (Adebayo et al. 2018)`,
  };
  return withCriterion(quality, base, () => {
    const methods = quality.methods.filter((m) => !isBaselineMethod(m));
    const score = (m: string) => meanOverModels(quality, column, m);
    const failing = methods.filter((m) => score(m) >= FAIL_SIMILARITY);
    const detail = `mean Spearman with every layer randomised: ${
      methods.map((m) => `${qualityMethodLabel(m)} ${f3(score(m))}`).join(", ")
    } (intensity ${f3(score("intensity"))}, random ${f3(score("random"))}); failing: ${
      failing.length ? failing.map(qualityMethodLabel).join(", ") : "none"
    }`;
    const evidence = Object.fromEntries(methods.map((m) => [m, score(m)]));
    const holds = failing.length === 1 && failing[0] === "gb";
    return decide(base, holds ? "holds" : "does not hold", detail, evidence);
  });
}

/**
 * The verdicts of notebook 04 on a quality evaluation (on its thesis part,
 * {@link thesisQuality}).
 *
 * @example
 * ```ts ignore
 * const quality = await qualityEvaluation(grid, { cells });
 * await showClaims(qualityVerdicts(quality));
 * ```
 */
export function qualityVerdicts(evaluated: QualityResult): ClaimsReport {
  const quality = thesisQuality(evaluated);
  const ranked = QUALITY_COLUMNS_SHOWN.filter((c) => c.higherIsBetter && c.measure !== "cosine");
  const datasets = [...new Set(quality.entries.map((e) => e.dataset))];
  const outcomes = datasets.flatMap((dataset) => {
    const part = qualityOnDataset(quality, dataset);
    return [
      ...ranked.map((c) => methodRanking(part, c, dataset)),
      agreement(part, dataset),
      randomisationCheck(part, dataset),
    ];
  });
  return { outcomes, markdown: claimsMarkdown(outcomes) };
}
