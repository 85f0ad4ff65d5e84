/**
 * The thesis's claims, one per statement of §2.3 and §3.2–§3.4 that numbers
 * can decide, each with a function that decides from a run's numbers whether
 * it holds. A verdict comes with a sentence that quotes the numbers it rests
 * on, e.g. "Holds: mean cosine of ConvDeep exceeds Shallow's for 4 of 4
 * methods on MNIST-MAJ (…)". Claims whose numbers are missing are
 * "undecided" and say what is missing.
 *
 * Comparisons are strict: "A explains better than B" holds when A's mean
 * cosine is higher for every method on every dataset in scope; the sentence
 * gives the count either way. Tolerances (accuracy gap, "almost identical")
 * are stated in the claim.
 *
 * @module
 */
import { CELL_LABELS, parseCellId } from "../cells/mod.ts";
import { datasetLabel, methodLabel } from "../eval/mod.ts";
import type { CosinePoint, DistributionPoint } from "./charts.ts";
import { UnknownArtifactError } from "./errors.ts";
import { modelLabel } from "./heatmaps.ts";
import { minimumAccuracy } from "./thesis.ts";

/** A claim's outcome in one run. */
export type Verdict = "holds" | "does not hold" | "undecided";

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
  /** The numbers the verdict rests on. */
  evidence: Record<string, number | string | null>;
}

/** A claim of the thesis and how to decide it. */
export interface Claim {
  /** Stable id, e.g. `exp2-depth`. */
  id: string;
  /** Thesis section (`2.3`, `3.2`, `3.3`, `3.4`). */
  section: string;
  /** Figure or table. */
  where: string;
  /** The claim. */
  claim: string;
  /** Decides the claim from a run's numbers. */
  evaluate(numbers: ClaimNumbers): ClaimOutcome;
}

const MAJ = ["mnist-maj", "fashion-mnist-maj"] as const;
const PLAIN = ["mnist", "fashion-mnist"] as const;
const METHODS4 = ["sa", "gb", "dtd", "lrp-a1.5b0.5"] as const;

const cellName = (c: string): string => CELL_LABELS[parseCellId(c)];
const f3 = (x: number): string => x.toFixed(3);
const f2 = (x: number): string => x.toFixed(2);
const capital: Record<Verdict, string> = {
  "holds": "Holds",
  "does not hold": "Does not hold",
  "undecided": "Undecided",
};

type Base = Omit<Claim, "evaluate">;

function define(base: Base, evaluate: (n: ClaimNumbers, base: Base) => ClaimOutcome): Claim {
  return { ...base, evaluate: (n) => evaluate(n, base) };
}

function decide(
  base: Base,
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
    sentence: `${capital[verdict]}: ${detail}.`,
    evidence,
  };
}

function missing(base: Base, what: string[]): ClaimOutcome {
  return decide(base, "undecided", `this run has no numbers for ${what.join(", ")}`);
}

function cosineOf(n: ClaimNumbers, dataset: string, cell: string, method: string): number | null {
  const p = n.cosine?.find((c) => c.dataset === dataset && c.cell === cell && c.method === method);
  return p && Number.isFinite(p.mean) ? p.mean : null;
}

function needCosine(
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

function accuracyOf(n: ClaimNumbers, dataset: string, cell: string, T: number): number | null {
  const p = n.accuracy?.find((a) => a.dataset === dataset && a.cell === cell && a.T === T);
  return p && Number.isFinite(p.accuracy) ? p.accuracy : null;
}

/** "A explains better than B": A's mean cosine is above B's for every method and dataset. */
function betterThan(
  base: Base,
  better: string,
  worse: string,
  datasets: readonly string[] = MAJ,
  methods: readonly string[] = METHODS4,
): Claim {
  return {
    ...base,
    evaluate(n) {
      const gaps = needCosine(n, datasets, [better, worse], methods);
      if (gaps.length) return missing(base, gaps);
      const evidence: Record<string, number> = {};
      let wins = 0;
      const parts = datasets.map((d) => {
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
      const all = datasets.length * methods.length;
      return decide(
        base,
        wins === all ? "holds" : "does not hold",
        `the mean cosine of ${cellName(better)} exceeds ${cellName(worse)}'s for ${
          parts.join(" and ")
        }`,
        evidence,
      );
    },
  };
}

/** Mean cosine gain of `cells` over `baseline`, per method. */
function gains(
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
function relevanceMethodsGainMore(base: Base, cells: readonly string[], baseline: string): Claim {
  return {
    ...base,
    evaluate(n) {
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
    },
  };
}

/** Every listed model reaches the Table 3.2 minimum. */
function minimumClaim(
  base: Base,
  models: readonly { dataset: string; cell: string; T: number }[],
): Claim {
  return {
    ...base,
    evaluate(n) {
      const absent = models.filter((m) => accuracyOf(n, m.dataset, m.cell, m.T) === null);
      if (absent.length) {
        return missing(
          base,
          absent.map((m) =>
            `the accuracy of ${modelLabel(m.cell, m.T)} on ${datasetLabel(m.dataset)}`
          ),
        );
      }
      const evidence: Record<string, number> = {};
      const below: string[] = [];
      for (const m of models) {
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
      const reach = models.length - below.length;
      return decide(
        base,
        below.length === 0 ? "holds" : "does not hold",
        `${reach} of ${models.length} models reach the minimum` +
          (below.length ? `; below it: ${below.join(", ")}` : ""),
        evidence,
      );
    },
  };
}

/** Highest accuracy among `cells` on every MAJ dataset. */
function mostAccurate(base: Base, best: string, cells: readonly string[]): Claim {
  return {
    ...base,
    evaluate(n) {
      const absent = MAJ.flatMap((d) =>
        cells.filter((c) => accuracyOf(n, d, c, 12) === null).map((c) =>
          `the accuracy of ${cellName(c)} on ${datasetLabel(d)}`
        )
      );
      if (absent.length) return missing(base, absent);
      const evidence: Record<string, number> = {};
      let ok = 0;
      const parts = MAJ.map((d) => {
        const ranked = [...cells].sort((a, b) =>
          accuracyOf(n, d, b, 12)! - accuracyOf(n, d, a, 12)!
        );
        for (const c of cells) evidence[`${d}/${c}`] = accuracyOf(n, d, c, 12)!;
        if (ranked[0] === best) ok++;
        return `${datasetLabel(d)}: ${
          ranked.map((c) => `${cellName(c)} ${f2(accuracyOf(n, d, c, 12)!)}%`).join(" > ")
        }`;
      });
      return decide(
        base,
        ok === MAJ.length ? "holds" : "does not hold",
        `${cellName(best)} is the most accurate on ${ok} of ${MAJ.length} datasets (${
          parts.join("; ")
        })`,
        evidence,
      );
    },
  };
}

function distributionOf(
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

/** Total variation distance ½ Σ |p − q| between two per-step distributions. */
export function totalVariation(p: readonly number[], q: readonly number[]): number {
  if (p.length !== q.length) {
    throw new RangeError(`distributions of different lengths: ${p.length} and ${q.length}`);
  }
  let s = 0;
  for (let i = 0; i < p.length; i++) s += Math.abs(p[i] - q[i]);
  return s / 2;
}

const exp1Models = PLAIN.flatMap((dataset) =>
  (["shallow", "deep"] as const).flatMap((cell) => [1, 4, 7].map((T) => ({ dataset, cell, T })))
);
const majModels = (cells: readonly string[]) =>
  MAJ.flatMap((dataset) => cells.map((cell) => ({ dataset, cell, T: 12 })));
const EXP2_CELLS = ["shallow", "deep", "deepv2", "convdeep"] as const;
const EXP3_CELLS = [
  "deep-sd",
  "rlstm",
  "rlstm-sd",
  "conv+deep",
  "convrlstm-sd",
  "conv+rlstm-sd",
] as const;
const RELEVANCE = ["dtd", "lrp-a1.5b0.5"] as const;

/** The largest Shallow–Deep accuracy gap (percentage points) still called comparable. */
export const COMPARABLE_GAP = 1.5;

/** The largest cosine difference still called "almost identical". */
export const IDENTICAL_COSINE = 0.03;

/** Every claim, by section. */
export const CLAIMS: readonly Claim[] = [
  minimumClaim({
    id: "lenet-minimum",
    section: "2.3",
    where: "§2.3",
    claim:
      "LeNet-5 achieves 99.21% on MNIST and 87.90% on FashionMNIST, above the Table 3.2 minimums",
  }, PLAIN.map((dataset) => ({ dataset, cell: "lenet5", T: 1 }))),
  define({
    id: "lenet-dtd-lrp-similar",
    section: "2.3",
    where: "Fig 2.14",
    claim: "DTD and LRP have similar relevance heatmaps when β is small",
  }, (n, base) => {
    const get = (d: string, b: string) =>
      n.similarity?.find((s) => s.dataset === d && s.a === "dtd" && s.b === b)?.value ?? null;
    const absent = PLAIN.filter((d) => get(d, "lrp-a1b0") === null || get(d, "lrp-a2b1") === null);
    if (absent.length) {
      return missing(base, absent.map((d) => `heatmap correlations on ${datasetLabel(d)}`));
    }
    const evidence: Record<string, number> = {};
    let ok = 0;
    const parts = PLAIN.map((d) => {
      const small = get(d, "lrp-a1b0")!;
      const large = get(d, "lrp-a2b1")!;
      evidence[`${d}/dtd~lrp-a1b0`] = small;
      evidence[`${d}/dtd~lrp-a2b1`] = large;
      if (small > large) ok++;
      return `${datasetLabel(d)}: r(DTD, LRP-α1β0) = ${f3(small)} vs r(DTD, LRP-α2β1) = ${
        f3(large)
      }`;
    });
    return decide(
      base,
      ok === PLAIN.length ? "holds" : "does not hold",
      `DTD heatmaps correlate more with LRP at β = 0 than at β = 1 on ${ok} of 2 datasets (${
        parts.join("; ")
      }; mean per-sample Pearson correlation)`,
      evidence,
    );
  }),
  minimumClaim({
    id: "exp1-minimum",
    section: "3.2",
    where: "Tables 3.2, 3.4",
    claim: "the models satisfy the minimum accuracy of Table 3.2 (98% MNIST, 85% FashionMNIST)",
  }, exp1Models),
  define({
    id: "exp1-comparable",
    section: "3.2",
    where: "Table 3.4",
    claim:
      `Shallow and Deep have comparable accuracy (here: within ${COMPARABLE_GAP} percentage points for every T and dataset; the thesis's largest gap is 1.21)`,
  }, (n, base) => {
    const absent = exp1Models.filter((m) => accuracyOf(n, m.dataset, m.cell, m.T) === null);
    if (absent.length) {
      return missing(
        base,
        absent.map((m) => `${cellName(m.cell)}-${m.T} on ${datasetLabel(m.dataset)}`),
      );
    }
    const evidence: Record<string, number> = {};
    let worst = { gap: -1, where: "" };
    for (const d of PLAIN) {
      for (const T of [1, 4, 7]) {
        const gap = Math.abs(accuracyOf(n, d, "shallow", T)! - accuracyOf(n, d, "deep", T)!);
        evidence[`${d}/T${T}/gap`] = gap;
        if (gap > worst.gap) worst = { gap, where: `${datasetLabel(d)} T = ${T}` };
      }
    }
    return decide(
      base,
      worst.gap <= COMPARABLE_GAP ? "holds" : "does not hold",
      `the largest Shallow–Deep accuracy gap is ${
        f2(worst.gap)
      } percentage points (${worst.where})`,
      evidence,
    );
  }),
  define({
    id: "exp1-shallow-last-steps",
    section: "3.2",
    where: "Fig 3.7",
    claim:
      "Shallow-7 distributes more than 90% of relevance to the last 3 steps x5, x6, x7 (DTD and LRP-α1.5β0.5)",
  }, (n, base) => {
    const absent = PLAIN.flatMap((d) =>
      RELEVANCE.filter((m) => distributionOf(n, d, "shallow", m) === null).map((m) =>
        `Shallow-7 ${methodLabel(m)} on ${datasetLabel(d)}`
      )
    );
    if (absent.length) return missing(base, absent);
    const evidence: Record<string, number> = {};
    let ok = 0;
    const parts = PLAIN.flatMap((d) =>
      RELEVANCE.map((m) => {
        const s = distributionOf(n, d, "shallow", m)!;
        const last = s.slice(-3).reduce((a, b) => a + b, 0);
        evidence[`${d}/${m}/last3`] = last;
        if (last > 0.9) ok++;
        return `${datasetLabel(d)} ${methodLabel(m)} ${(100 * last).toFixed(1)}%`;
      })
    );
    return decide(
      base,
      ok === parts.length ? "holds" : "does not hold",
      `the last three steps receive more than 90% in ${ok} of ${parts.length} cases (${
        parts.join(", ")
      })`,
      evidence,
    );
  }),
  define({
    id: "exp1-deep-follows-pixels",
    section: "3.2",
    where: "Fig 3.7",
    claim:
      "the relevance distributions of Deep-7 align with the pixel distribution, while Shallow-7's diverge",
  }, (n, base) => {
    const absent: string[] = [];
    for (const d of PLAIN) {
      if (!distributionOf(n, d, "pixels", "pixels")) {
        absent.push(`the pixel distribution on ${datasetLabel(d)}`);
      }
      for (const c of ["shallow", "deep"]) {
        for (const m of RELEVANCE) {
          if (!distributionOf(n, d, c, m)) {
            absent.push(`${cellName(c)}-7 ${methodLabel(m)} on ${datasetLabel(d)}`);
          }
        }
      }
    }
    if (absent.length) return missing(base, absent);
    const evidence: Record<string, number> = {};
    let ok = 0;
    const parts = PLAIN.flatMap((d) => {
      const px = distributionOf(n, d, "pixels", "pixels")!;
      return RELEVANCE.map((m) => {
        const deep = totalVariation(distributionOf(n, d, "deep", m)!, px);
        const shallow = totalVariation(distributionOf(n, d, "shallow", m)!, px);
        evidence[`${d}/${m}/tv-deep`] = deep;
        evidence[`${d}/${m}/tv-shallow`] = shallow;
        if (deep < shallow) ok++;
        return `${datasetLabel(d)} ${methodLabel(m)} ${f3(deep)} vs ${f3(shallow)}`;
      });
    });
    return decide(
      base,
      ok === parts.length ? "holds" : "does not hold",
      `Deep-7 is closer to the pixel distribution than Shallow-7 in ${ok} of ${parts.length} cases (total variation distance, Deep vs Shallow: ${
        parts.join(", ")
      })`,
      evidence,
    );
  }),
  define({
    id: "exp1-methods-sensitivity",
    section: "3.2",
    where: "§3.2.3",
    claim:
      "the architecture markedly changes DTD and LRP-α1.5β0.5 explanations, not notably SA and GB",
  }, (n, base) => {
    const absent = PLAIN.flatMap((d) =>
      ["shallow", "deep"].flatMap((c) =>
        METHODS4.filter((m) => !distributionOf(n, d, c, m)).map((m) =>
          `${cellName(c)}-7 ${methodLabel(m)} on ${datasetLabel(d)}`
        )
      )
    );
    if (absent.length) return missing(base, absent);
    const evidence: Record<string, number> = {};
    let ok = 0;
    const parts = PLAIN.map((d) => {
      const tv = Object.fromEntries(
        METHODS4.map((
          m,
        ) => [
          m,
          totalVariation(distributionOf(n, d, "shallow", m)!, distributionOf(n, d, "deep", m)!),
        ]),
      );
      for (const m of METHODS4) evidence[`${d}/${m}/tv-shallow-deep`] = tv[m];
      const holds = Math.min(tv["dtd"], tv["lrp-a1.5b0.5"]) > Math.max(tv["sa"], tv["gb"]);
      if (holds) ok++;
      return `${datasetLabel(d)}: ${
        METHODS4.map((m) => `${methodLabel(m)} ${f3(tv[m])}`).join(", ")
      }`;
    });
    return decide(
      base,
      ok === PLAIN.length ? "holds" : "does not hold",
      `the Shallow-7 vs Deep-7 distance of the per-step distributions is larger for both DTD and LRP than for SA and GB on ${ok} of 2 datasets (total variation: ${
        parts.join("; ")
      })`,
      evidence,
    );
  }),
  minimumClaim({
    id: "exp2-minimum",
    section: "3.3",
    where: "Tables 3.2, 3.5",
    claim: "the Experiment-2 models satisfy the minimum accuracy of Table 3.2",
  }, majModels(EXP2_CELLS)),
  mostAccurate(
    {
      id: "exp2-convdeep-accuracy",
      section: "3.3",
      where: "Table 3.5",
      claim:
        "the models have equivalent accuracy, except that ConvDeep has slightly higher accuracy",
    },
    "convdeep",
    EXP2_CELLS,
  ),
  define({
    id: "exp2-depth",
    section: "3.3",
    where: "Fig 3.12",
    claim:
      "the averaged cosine similarity of each explanation technique increases when introducing more layers (Shallow → Deep → DeepV2 → ConvDeep)",
  }, (n, base) => {
    const gaps = needCosine(n, MAJ, EXP2_CELLS, METHODS4);
    if (gaps.length) return missing(base, gaps);
    const evidence: Record<string, number> = {};
    let rises = 0;
    let monotone = 0;
    const parts = MAJ.map((d) => {
      let k = 0;
      let mono = 0;
      const items = METHODS4.map((m) => {
        const v = EXP2_CELLS.map((c) => cosineOf(n, d, c, m)!);
        EXP2_CELLS.forEach((c, i) => (evidence[`${d}/${m}/${c}`] = v[i]));
        if (v[3] > v[0]) k++;
        if (v.every((x, i) => i === 0 || x > v[i - 1])) mono++;
        return `${methodLabel(m)} ${v.map(f3).join(" → ")}`;
      });
      rises += k;
      monotone += mono;
      return `${k} of 4 methods on ${datasetLabel(d)} (${mono} strictly increasing at every step; ${
        items.join(", ")
      })`;
    });
    return decide(
      base,
      rises === 8 ? "holds" : "does not hold",
      `mean cosine rises from Shallow to ConvDeep for ${parts.join(" and ")}`,
      { ...evidence, monotone },
    );
  }),
  relevanceMethodsGainMore(
    {
      id: "exp2-dtd-lrp-gain",
      section: "3.3",
      where: "Fig 3.12",
      claim:
        "the difference to the baseline Shallow is much larger for DTD and LRP-α1.5β0.5 than for SA and GB",
    },
    ["deep", "deepv2", "convdeep"],
    "shallow",
  ),
  minimumClaim({
    id: "exp3-minimum",
    section: "3.4",
    where: "Tables 3.2, 3.6",
    claim: "the Experiment-3 models satisfy the minimum accuracy of Table 3.2",
  }, majModels(EXP3_CELLS)),
  mostAccurate(
    {
      id: "exp3-convrlstm-accuracy",
      section: "3.4",
      where: "Table 3.6",
      claim: "ConvR-LSTM-SD is the most accurate of the proposed architectures",
    },
    "convrlstm-sd",
    EXP3_CELLS,
  ),
  betterThan(
    {
      id: "exp3-rlstm-beats-deep",
      section: "3.4",
      where: "Fig 3.18",
      claim:
        "R-LSTM improves the relevance distribution over Deep regardless of the explanation technique",
    },
    "rlstm",
    "deep",
  ),
  relevanceMethodsGainMore(
    {
      id: "exp3-rlstm-gain-dtd-lrp",
      section: "3.4",
      where: "Fig 3.18",
      claim: "DTD and LRP gain more from R-LSTM than the other methods",
    },
    ["rlstm"],
    "deep",
  ),
  betterThan(
    {
      id: "exp3-sd-helps-rlstm-fashion",
      section: "3.4",
      where: "Fig 3.18",
      claim: "R-LSTM-SD produces better explanations than R-LSTM on FashionMNIST-MAJ",
    },
    "rlstm-sd",
    "rlstm",
    ["fashion-mnist-maj"],
  ),
  betterThan(
    {
      id: "exp3-deep-sd-worse",
      section: "3.4",
      where: "Fig 3.18",
      claim: "Deep-SD has worse results than Deep",
    },
    "deep",
    "deep-sd",
  ),
  betterThan(
    {
      id: "exp3-literal-hurts-convrlstm",
      section: "3.4",
      where: "Fig 3.21",
      claim: "literal connections considerably reduce the explanation capability of ConvR-LSTM-SD",
    },
    "convrlstm-sd",
    "conv+rlstm-sd",
  ),
  define({
    id: "exp3-literal-inconsistent-convdeep",
    section: "3.4",
    where: "Fig 3.21",
    claim:
      "literal connections influence ConvDeep inconsistently between MNIST-MAJ and FashionMNIST-MAJ (the mean change over methods has opposite signs)",
  }, (n, base) => {
    const gaps = needCosine(n, MAJ, ["convdeep", "conv+deep"], METHODS4);
    if (gaps.length) return missing(base, gaps);
    const evidence: Record<string, number> = {};
    const change = MAJ.map((d) => {
      const diffs = METHODS4.map((m) =>
        cosineOf(n, d, "conv+deep", m)! - cosineOf(n, d, "convdeep", m)!
      );
      const mean = diffs.reduce((a, b) => a + b, 0) / diffs.length;
      evidence[`${d}/mean-change`] = mean;
      return mean;
    });
    const opposite = Math.sign(change[0]) !== Math.sign(change[1]);
    return decide(
      base,
      opposite ? "holds" : "does not hold",
      `Conv⁺Deep − ConvDeep, mean cosine change over the four methods: ${
        MAJ.map((d, i) => `${datasetLabel(d)} ${change[i] >= 0 ? "+" : ""}${f3(change[i])}`).join(
          ", ",
        )
      } (${opposite ? "opposite" : "same"} signs)`,
      evidence,
    );
  }),
  define({
    id: "exp3-convrlstm-equals-rlstm-sd",
    section: "3.4",
    where: "Fig 3.21",
    claim:
      `the average cosine similarity of R-LSTM-SD and ConvR-LSTM-SD looks almost identical (here: within ${IDENTICAL_COSINE} for every method and dataset)`,
  }, (n, base) => {
    const gaps = needCosine(n, MAJ, ["rlstm-sd", "convrlstm-sd"], METHODS4);
    if (gaps.length) return missing(base, gaps);
    const evidence: Record<string, number> = {};
    let worst = 0;
    let within = 0;
    for (const d of MAJ) {
      for (const m of METHODS4) {
        const diff = Math.abs(cosineOf(n, d, "convrlstm-sd", m)! - cosineOf(n, d, "rlstm-sd", m)!);
        evidence[`${d}/${m}/abs-diff`] = diff;
        worst = Math.max(worst, diff);
        if (diff <= IDENTICAL_COSINE) within++;
      }
    }
    return decide(
      base,
      within === 8 ? "holds" : "does not hold",
      `${within} of 8 (dataset, method) pairs differ by at most ${IDENTICAL_COSINE}; the largest difference is ${
        f3(worst)
      }`,
      evidence,
    );
  }),
  define({
    id: "exp3-literal-less-stable",
    section: "3.4",
    where: "§3.4.5",
    claim:
      "literal connections make explanations less stable: wider confidence intervals than without them",
  }, (n, base) => {
    const pairs = [["conv+deep", "convdeep"], ["conv+rlstm-sd", "convrlstm-sd"]] as const;
    const gaps = needCosine(n, MAJ, pairs.flat(), METHODS4);
    if (gaps.length) return missing(base, gaps);
    const width = (d: string, c: string): number | null => {
      const ws = METHODS4.map((m) => {
        const p = n.cosine!.find((x) => x.dataset === d && x.cell === c && x.method === m)!;
        return p.ci_lo === null || p.ci_hi === null ? null : p.ci_hi - p.ci_lo;
      });
      return ws.some((w) => w === null) ? null : ws.reduce((a, b) => a! + b!, 0)! / ws.length;
    };
    const evidence: Record<string, number> = {};
    let wider = 0;
    const parts: string[] = [];
    for (const d of MAJ) {
      for (const [plus, plain] of pairs) {
        const a = width(d, plus);
        const b = width(d, plain);
        if (a === null || b === null) {
          return missing(base, ["confidence intervals (one fold gives none)"]);
        }
        evidence[`${d}/${plus}/ci-width`] = a;
        evidence[`${d}/${plain}/ci-width`] = b;
        if (a > b) wider++;
        parts.push(`${datasetLabel(d)} ${cellName(plus)} ${f3(a)} vs ${cellName(plain)} ${f3(b)}`);
      }
    }
    return decide(
      base,
      wider === 4 ? "holds" : "does not hold",
      `the mean 95% interval width over methods is wider with literal connections in ${wider} of 4 comparisons (${
        parts.join(", ")
      })`,
      evidence,
    );
  }),
];

/** The sections that have claims. */
export const CLAIM_SECTIONS: readonly string[] = [...new Set(CLAIMS.map((c) => c.section))];

/** The decisions of a section's claims, and their Markdown. */
export interface ClaimsReport {
  /** One outcome per claim. */
  outcomes: ClaimOutcome[];
  /** A Markdown list: where, the claim, the verdict sentence. */
  markdown: string;
}

/** Markdown of outcomes: one bullet per claim. */
export function claimsMarkdown(outcomes: readonly ClaimOutcome[]): string {
  const head = "**Does the thesis's claim hold in this run?**\n\n";
  return head +
    outcomes.map((o) =>
      `- *${o.where}* — “${o.claim}”. **${capital[o.verdict]}**${
        o.sentence.slice(capital[o.verdict].length)
      }`
    ).join("\n") + "\n";
}

/**
 * Decides every claim of the given section(s) on a run's numbers.
 *
 * @example
 * ```ts
 * import { claimsReport } from "./claims.ts";
 * const r = claimsReport("3.2", {});
 * if (r.outcomes.some((o) => o.verdict !== "undecided")) throw new Error();
 * ```
 */
export function claimsReport(
  sections: string | readonly string[],
  numbers: ClaimNumbers,
): ClaimsReport {
  const wanted = typeof sections === "string" ? [sections] : [...sections];
  for (const s of wanted) {
    if (!CLAIM_SECTIONS.includes(s)) {
      throw new UnknownArtifactError("claim section", s, CLAIM_SECTIONS);
    }
  }
  const outcomes = CLAIMS.filter((c) => wanted.includes(c.section)).map((c) => c.evaluate(numbers));
  return { outcomes, markdown: claimsMarkdown(outcomes) };
}

/** The claim with id `id`; unknown ids list the valid ones. */
export function claimById(id: string): Claim {
  const c = CLAIMS.find((x) => x.id === id);
  if (!c) throw new UnknownArtifactError("claim", id, CLAIMS.map((x) => x.id));
  return c;
}
