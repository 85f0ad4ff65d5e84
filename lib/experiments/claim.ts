/**
 * What a claim of the thesis is, what it is decided on, and the thesis's own
 * criterion that comes before every decision about explanations.
 *
 * A claim is data: its section, the figure or table it is about, its words,
 * the models its numbers come from, and a rule that decides it. Claims about
 * accuracy are decided by their rule. Claims about explanations are decided
 * only when every model they rest on meets the Table 3.2 minimum (thesis
 * §3.1: only such models are considered); otherwise the verdict is
 * "undecided" and its sentence names each model and its accuracy, e.g.
 * "Undecided: Deep on MNIST-MAJ is below the minimum, 81.90 % < 98 %". A claim
 * that compares confidence intervals is undecided with fewer than
 * {@link MIN_INTERVAL_FOLDS} folds: with two folds the t multiplier is 12.7
 * and the 95 % intervals span most of [0, 1].
 *
 * @module
 */
import { CELL_LABELS, parseCellId } from "../cells/mod.ts";
import { datasetLabel, methodLabel } from "../eval/mod.ts";
import type { CosinePoint, DistributionPoint } from "./charts.ts";
import { foldList, modelLabel } from "./grid.ts";
import { minimumAccuracy } from "./thesis.ts";

/** A claim's outcome in one run. */
export type Verdict = "holds" | "does not hold" | "undecided";

/** The verdicts in display order. */
export const VERDICTS: readonly Verdict[] = ["holds", "does not hold", "undecided"];

/** The test accuracy (%) of a model in this run (mean over folds for MAJ). */
export interface AccuracyPoint {
  /** Task id. */
  dataset: string;
  /** Cell id. */
  cell: string;
  /** Sequence length. */
  T: number;
  /** Accuracy in %. */
  accuracy: number;
}

/** Mean similarity (Pearson correlation) of two methods' heatmaps of the same samples. */
export interface SimilarityPoint {
  /** Task id. */
  dataset: string;
  /** Cell id. */
  cell: string;
  /** First method id. */
  a: string;
  /** Second method id. */
  b: string;
  /** Mean correlation over samples. */
  value: number;
}

/** The numbers claims are decided on; any part may be absent. */
export interface ClaimNumbers {
  /** Accuracy of every model. */
  accuracy?: readonly AccuracyPoint[];
  /** Mean cosine per (MAJ dataset, cell, method) with intervals. */
  cosine?: readonly CosinePoint[];
  /** Per-step distributions (Fig 3.7). */
  distributions?: readonly DistributionPoint[];
  /** Heatmap similarities between methods (Fig 2.14). */
  similarity?: readonly SimilarityPoint[];
  /** Models without a stored run in a build that trains nothing (training mode `never`). */
  untrained?: readonly ModelRef[];
  /** Models some of whose folds have no stored run in a build that trains nothing. */
  partlyTrained?: readonly PartlyTrainedModel[];
}

/** A model some of whose folds have no stored run. */
export interface PartlyTrainedModel extends ModelRef {
  /** The folds without a stored run. */
  missing: readonly number[];
}

/** A trained model a claim rests on. */
export interface ModelRef {
  /** Task id. */
  dataset: string;
  /** Cell id. */
  cell: string;
  /** Sequence length. */
  T: number;
}

/** The decision on one claim. */
export interface ClaimOutcome {
  /** Claim id. */
  id: string;
  /** Thesis section. */
  section: string;
  /** Figure or table the claim is about. */
  where: string;
  /** The claim, in the thesis's words where possible. */
  claim: string;
  /** Verdict. */
  verdict: Verdict;
  /** "Holds: …" / "Does not hold: …" / "Undecided: …", with the numbers. */
  sentence: string;
  /** When the criterion left the claim undecided: what this run's numbers would otherwise say. */
  unconsidered?: string;
  /**
   * When models of some datasets have no stored run: what the numbers say
   * on the other datasets alone, whose models all meet the criterion.
   */
  partial?: PartialOutcome;
  /** The numbers the verdict rests on. */
  evidence: Record<string, number | string | null>;
}

/** A claim's rule decided on part of its datasets. */
export interface PartialOutcome {
  /** The datasets it was decided on. */
  datasets: string[];
  /** True when the models there passed the thesis's criterion (explanation claims). */
  criterion: boolean;
  /** "Holds: …" / "Does not hold: …", with the numbers. */
  sentence: string;
}

/**
 * The words before a partial outcome's sentence, e.g. "On FashionMNIST-MAJ
 * alone, where every model it rests on has a stored run and meets the
 * minimum, the numbers say:".
 *
 * @example
 * ```ts
 * import { partialLead } from "./claim.ts";
 * const p = { datasets: ["fashion-mnist-maj"], criterion: false, sentence: "Holds: …" };
 * const lead = partialLead(p);
 * if (lead !== "On FashionMNIST-MAJ alone, where every model it rests on has a stored run, the numbers say:") {
 *   throw new Error(lead);
 * }
 * ```
 */
export function partialLead(p: PartialOutcome): string {
  return `On ${p.datasets.map(datasetLabel).join(" and ")} alone, where every model it rests on ` +
    `has a stored run${p.criterion ? " and meets the minimum" : ""}, the numbers say:`;
}

/** What a claim is about: accuracies, or explanations of trained models. */
export type ClaimKind = "accuracy" | "explanation";

/** The description of a claim, without its rule. */
export interface ClaimBase {
  /** Stable id, e.g. `exp2-depth`. */
  id: string;
  /** Thesis section (`2.3`, `3.2`, `3.3`, `3.4`). */
  section: string;
  /** Figure or table. */
  where: string;
  /** The claim. */
  claim: string;
}

/** A claim of the thesis and how to decide it. */
export interface Claim extends ClaimBase {
  /** Accuracy claims are decided as they are; explanation claims pass the criterion first. */
  kind: ClaimKind;
  /** The models whose explanations the claim rests on (empty for accuracy claims). */
  models: readonly ModelRef[];
  /** True when the rule compares 95 % intervals over folds. */
  comparesIntervals: boolean;
  /**
   * The rule alone: decides from the numbers, without the criterion, on
   * `datasets` (a part of the claim's own, where its shape names them).
   */
  rule(numbers: ClaimNumbers, datasets?: readonly string[]): ClaimOutcome;
  /** The verdict: the criterion (for explanation claims), then the rule. */
  evaluate(numbers: ClaimNumbers): ClaimOutcome;
}

/** The fewest folds whose 95 % t intervals a claim may compare. */
export const MIN_INTERVAL_FOLDS = 3;

/** The display name of a cell id. */
export const cellName = (c: string): string => CELL_LABELS[parseCellId(c)];

/** Three decimals. */
export const f3 = (x: number): string => x.toFixed(3);

/** Two decimals. */
export const f2 = (x: number): string => x.toFixed(2);

/** The capitalised verdict that starts a sentence. */
export const VERDICT_WORD: Readonly<Record<Verdict, string>> = {
  "holds": "Holds",
  "does not hold": "Does not hold",
  "undecided": "Undecided",
};

/** An outcome with the sentence "<Verdict>: <detail>.". */
export function decide(
  base: ClaimBase,
  verdict: Verdict,
  detail: string,
  evidence: Record<string, number | string | null> = {},
): ClaimOutcome {
  const { id, section, where, claim } = base;
  return {
    id,
    section,
    where,
    claim,
    verdict,
    sentence: `${VERDICT_WORD[verdict]}: ${detail}.`,
    evidence,
  };
}

/** "Undecided: this run has no numbers for …". */
export function missing(base: ClaimBase, what: string[]): ClaimOutcome {
  return decide(base, "undecided", noNumbersFor(what));
}

const noNumbersFor = (what: string[]): string => `this run has no numbers for ${what.join(", ")}`;

/** This run's cosine point (mean and interval) of (dataset, cell, method), or null. */
export function cosinePointOf(
  n: ClaimNumbers,
  dataset: string,
  cell: string,
  method: string,
): CosinePoint | null {
  return n.cosine?.find((c) => c.dataset === dataset && c.cell === cell && c.method === method) ??
    null;
}

/** This run's mean cosine of (dataset, cell, method), or null. */
export function cosineOf(
  n: ClaimNumbers,
  dataset: string,
  cell: string,
  method: string,
): number | null {
  const p = cosinePointOf(n, dataset, cell, method);
  return p && Number.isFinite(p.mean) ? p.mean : null;
}

/** This run's accuracy (%) of (dataset, cell, T), or null. */
export function accuracyOf(
  n: ClaimNumbers,
  dataset: string,
  cell: string,
  T: number,
): number | null {
  const p = n.accuracy?.find((a) => a.dataset === dataset && a.cell === cell && a.T === T);
  return p && Number.isFinite(p.accuracy) ? p.accuracy : null;
}

/** This run's per-step distribution of (dataset, cell, method), or null. */
export function distributionOf(
  n: ClaimNumbers,
  dataset: string,
  cell: string,
  method: string,
): number[] | null {
  const p = n.distributions?.find((d) =>
    d.dataset === dataset && d.cell === cell && d.method === method
  );
  return p ? p.shares : null;
}

/** The (dataset, cell) cosine means that are absent, as phrases naming them. */
export function needCosine(
  n: ClaimNumbers,
  datasets: readonly string[],
  cells: readonly string[],
  methods: readonly string[],
): string[] {
  const out: string[] = [];
  for (const d of datasets) {
    for (const c of cells) {
      const absent = methods.filter((m) => cosineOf(n, d, c, m) === null);
      if (absent.length) {
        out.push(
          `the cosine of ${cellName(c)} on ${datasetLabel(d)} (${
            absent.map(methodLabel).join(", ")
          })`,
        );
      }
    }
  }
  return out;
}

/** `Shallow-4 on MNIST`, `Deep on MNIST-MAJ`. */
export function modelName(m: ModelRef): string {
  return `${modelLabel(m.cell, m.T)} on ${datasetLabel(m.dataset)}`;
}

/**
 * The undecided outcome of a claim some of whose `models` have no accuracy
 * in `numbers`: "no stored run of …, and this build trains nothing" for
 * models a stored-only build left out, else "this run has no numbers for the
 * accuracy of …"; null when every model has one.
 *
 * @example
 * ```ts
 * import { absentModels } from "./claim.ts";
 * const base = { id: "x", section: "3.3", where: "Fig 3.12", claim: "…" };
 * const models = [{ dataset: "mnist-maj", cell: "rlstm", T: 12 }];
 * const out = absentModels(base, models, { accuracy: [], untrained: models });
 * if (out?.sentence !== "Undecided: no stored run of R-LSTM on MNIST-MAJ, and this build trains nothing.") {
 *   throw new Error(out?.sentence);
 * }
 * ```
 */
export function absentModels(
  base: ClaimBase,
  models: readonly ModelRef[],
  numbers: ClaimNumbers,
): ClaimOutcome | null {
  const detail = absentDetail(models, numbers);
  return detail === null ? null : decide(base, "undecided", detail);
}

/**
 * Why some of `models` have no accuracy in `numbers` ("no stored run of …,
 * and this build trains nothing" or "this run has no numbers for …"), the
 * detail of {@link absentModels}; null when every model has one.
 */
export function absentDetail(models: readonly ModelRef[], numbers: ClaimNumbers): string | null {
  const absent = models.filter((m) => accuracyOf(numbers, m.dataset, m.cell, m.T) === null);
  const untrained = absent.filter((m) =>
    numbers.untrained?.some((u) => u.dataset === m.dataset && u.cell === m.cell && u.T === m.T)
  );
  if (untrained.length) {
    return `no stored run of ${untrained.map(modelName).join(", ")}, and this build trains nothing`;
  }
  if (absent.length) return noNumbersFor(absent.map((m) => `the accuracy of ${modelName(m)}`));
  return null;
}

// two decimals, so that 97.97 % never reads as 98.0 % < 98 %
const pct2 = (x: number): string => `${x.toFixed(2)} %`;

/**
 * The thesis's criterion for a claim about explanations: null when every
 * model it rests on has an accuracy in `numbers` that meets the Table 3.2
 * minimum, has a stored run of every fold the profile trains (and, for
 * interval comparisons, enough folds), else the undecided outcome that says
 * why.
 *
 * @example
 * ```ts
 * import { criterion } from "./claim.ts";
 * const base = { id: "x", section: "3.3", where: "Fig 3.12", claim: "…" };
 * const models = [{ dataset: "mnist-maj", cell: "deep", T: 12 }];
 * const accuracy = [{ dataset: "mnist-maj", cell: "deep", T: 12, accuracy: 81.9 }];
 * const out = criterion(base, models, false, { accuracy });
 * if (out?.sentence !== "Undecided: Deep on MNIST-MAJ is below the minimum, 81.90 % < 98 %.") {
 *   throw new Error(out?.sentence);
 * }
 * ```
 */
export function criterion(
  base: ClaimBase,
  models: readonly ModelRef[],
  comparesIntervals: boolean,
  numbers: ClaimNumbers,
): ClaimOutcome | null {
  const name = modelName;
  const absent = absentModels(base, models, numbers);
  if (absent) return absent;
  const below = models.flatMap((m) => {
    const acc = accuracyOf(numbers, m.dataset, m.cell, m.T)!;
    const min = minimumAccuracy(m.dataset);
    return acc < min ? [{ what: name(m), numbers: `${pct2(acc)} < ${min} %` }] : [];
  });
  if (below.length === 1) {
    return decide(
      base,
      "undecided",
      `${below[0].what} is below the minimum, ${below[0].numbers}`,
    );
  }
  if (below.length > 1) {
    return decide(
      base,
      "undecided",
      `below the minimum: ${
        below.map((b) => `${b.what} ${b.numbers}`).join(", ")
      } (${below.length} of the ${models.length} models it rests on)`,
    );
  }
  const partly = models.flatMap((m) => {
    const p = numbers.partlyTrained?.find((u) =>
      u.dataset === m.dataset && u.cell === m.cell && u.T === m.T
    );
    return p ? [{ what: `${foldList(p.missing)} of ${name(m)}`, folds: p.missing.length }] : [];
  });
  if (partly.length) {
    const one = partly.length === 1 && partly[0].folds === 1;
    return decide(
      base,
      "undecided",
      `${partly.map((p) => p.what).join(", ")} ${
        one ? "has" : "have"
      } no stored run, and this build trains nothing`,
    );
  }
  if (comparesIntervals) {
    const folds = Math.min(
      ...(numbers.cosine ?? []).filter((p) =>
        models.some((m) => m.dataset === p.dataset && m.cell === p.cell)
      ).map((p) => p.n_folds),
    );
    if (Number.isFinite(folds) && folds < MIN_INTERVAL_FOLDS) {
      return decide(
        base,
        "undecided",
        `too few folds: ${folds} fold${
          folds === 1 ? "" : "s"
        } give 95 % intervals too wide to compare; at least ${MIN_INTERVAL_FOLDS} are needed`,
      );
    }
  }
  return null;
}

/** How a claim is made: its kind, the models it rests on, and whether it compares intervals. */
export interface ClaimShape {
  /** Default "explanation". */
  kind?: ClaimKind;
  /** Models the explanation numbers come from. */
  models?: readonly ModelRef[];
  /** Default false. */
  comparesIntervals?: boolean;
  /**
   * The datasets the rule spans, where it can be decided on any part of
   * them (its third argument); then a claim left undecided because some
   * dataset's models have no stored run still says what the others show.
   */
  datasets?: readonly string[];
}

/**
 * The rule decided on the datasets whose models all have a stored run and
 * meet the criterion, when some but not all do and the rule decides there;
 * else null.
 */
function partialOutcome(
  base: ClaimBase,
  datasets: readonly string[],
  models: readonly ModelRef[],
  comparesIntervals: boolean,
  numbers: ClaimNumbers,
  decideOn: (n: ClaimNumbers, datasets: readonly string[]) => ClaimOutcome,
): PartialOutcome | null {
  const decidable = datasets.filter((d) => {
    const there = models.filter((m) => m.dataset === d);
    return criterion(base, there, comparesIntervals, numbers) === null;
  });
  if (!decidable.length || decidable.length === datasets.length) return null;
  const out = decideOn(numbers, decidable);
  return out.verdict === "undecided"
    ? null
    : { datasets: decidable, criterion: true, sentence: out.sentence };
}

/**
 * Makes a claim from its description, its shape and its rule; `evaluate`
 * applies {@link criterion} to explanation claims before the rule.
 */
export function makeClaim(
  base: ClaimBase,
  shape: ClaimShape,
  rule: (n: ClaimNumbers, base: ClaimBase, datasets: readonly string[]) => ClaimOutcome,
): Claim {
  const kind = shape.kind ?? "explanation";
  const models = shape.models ?? [];
  const comparesIntervals = shape.comparesIntervals ?? false;
  const own = shape.datasets ?? [];
  const decideByRule = (n: ClaimNumbers, datasets: readonly string[] = own) =>
    rule(n, base, datasets);
  return {
    ...base,
    kind,
    models,
    comparesIntervals,
    rule: decideByRule,
    evaluate(n) {
      if (kind === "accuracy") return decideByRule(n);
      const held = criterion(base, models, comparesIntervals, n);
      if (!held) return decideByRule(n);
      const would = decideByRule(n);
      if (would.verdict !== "undecided") return { ...held, unconsidered: would.sentence };
      const partial = own.length
        ? partialOutcome(base, own, models, comparesIntervals, n, decideByRule)
        : null;
      return partial ? { ...held, partial } : held;
    },
  };
}
