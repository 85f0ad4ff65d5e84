/**
 * The thesis's claims as data, one list per section (§2.3, §3.2–§3.4), each
 * claim a statement that numbers can decide, built from the combinators of
 * `claim_rules.ts` or with its own rule. A verdict comes with a sentence that
 * quotes the numbers it rests on, e.g. "Holds: the mean cosine of R-LSTM
 * exceeds Deep's for 4 of 4 methods on MNIST-MAJ (…)". Claims about
 * explanations pass the thesis's criterion first (`claim.ts`): a model below
 * the Table 3.2 minimum leaves them undecided. Claims whose numbers are
 * missing are undecided and say what is missing.
 *
 * Tolerances (accuracy gap, "almost identical") are stated in the claim.
 *
 * @module
 */
import { datasetLabel, methodLabel } from "../eval/mod.ts";
import {
  absentModels,
  accuracyOf,
  cellName,
  type Claim,
  type ClaimNumbers,
  type ClaimOutcome,
  cosineOf,
  cosinePointOf,
  decide,
  distributionOf,
  f2,
  f3,
  makeClaim,
  missing,
  type ModelRef,
  needCosine,
  partialLead,
  VERDICT_WORD,
} from "./claim.ts";
import {
  betterThan,
  intervalAbove,
  MAJ,
  majModels,
  METHODS4,
  minimumClaim,
  mostAccurate,
  PLAIN,
  relevanceMethodsGainMore,
  totalVariation,
} from "./claim_rules.ts";
import { LRP_METHODS, methodsFor } from "./cell_methods.ts";
import { UnknownArtifactError } from "./errors.ts";

const exp1Models = PLAIN.flatMap((dataset) =>
  (["shallow", "deep"] as const).flatMap((cell) => [1, 4, 7].map((T) => ({ dataset, cell, T })))
);
/** The T = 7 models of `cells` on both plain datasets (Fig 3.7). */
const exp1Last = (cells: readonly string[]): ModelRef[] =>
  PLAIN.flatMap((dataset) => cells.map((cell) => ({ dataset, cell, T: 7 })));
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

/** §2.3: LeNet-5 and the explanation methods (Fig 2.14). */
export const CLAIMS_2_3: readonly Claim[] = [
  minimumClaim({
    id: "lenet-minimum",
    section: "2.3",
    where: "§2.3",
    claim:
      "LeNet-5 achieves 99.21% on MNIST and 87.90% on FashionMNIST, above the Table 3.2 minimums",
  }, PLAIN.map((dataset) => ({ dataset, cell: "lenet5", T: 1 }))),
  makeClaim(
    {
      id: "lenet-dtd-lrp-similar",
      section: "2.3",
      where: "Fig 2.14",
      claim: "DTD and LRP have similar relevance heatmaps when β is small",
    },
    { models: PLAIN.map((dataset) => ({ dataset, cell: "lenet5", T: 1 })) },
    (n, base) => {
      const get = (d: string, b: string) =>
        n.similarity?.find((s) => s.dataset === d && s.a === "dtd" && s.b === b)?.value ?? null;
      const absent = PLAIN.filter((d) =>
        get(d, "lrp-a1b0") === null || get(d, "lrp-a2b1") === null
      );
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
    },
  ),
];

/** §3.2, Experiment 1: sequence classification with Shallow and Deep. */
export const CLAIMS_3_2: readonly Claim[] = [
  minimumClaim({
    id: "exp1-minimum",
    section: "3.2",
    where: "Tables 3.2, 3.4",
    claim: "the models satisfy the minimum accuracy of Table 3.2 (98% MNIST, 85% FashionMNIST)",
  }, exp1Models),
  makeClaim(
    {
      id: "exp1-comparable",
      section: "3.2",
      where: "Table 3.4",
      claim:
        `Shallow and Deep have comparable accuracy (here: within ${COMPARABLE_GAP} percentage points for every T and dataset; the thesis's largest gap is 1.21)`,
    },
    { kind: "accuracy" },
    (n, base) => {
      const absent = absentModels(base, exp1Models, n);
      if (absent) return absent;
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
    },
  ),
  makeClaim(
    {
      id: "exp1-shallow-last-steps",
      section: "3.2",
      where: "Fig 3.7",
      claim:
        "Shallow-7 distributes more than 90% of relevance to the last 3 steps x5, x6, x7 (DTD and LRP-α1.5β0.5)",
    },
    { models: exp1Last(["shallow"]) },
    (n, base) => {
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
    },
  ),
  makeClaim(
    {
      id: "exp1-deep-follows-pixels",
      section: "3.2",
      where: "Fig 3.7",
      claim:
        "the relevance distributions of Deep-7 align with the pixel distribution, while Shallow-7's diverge",
    },
    { models: exp1Last(["shallow", "deep"]) },
    (n, base) => {
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
    },
  ),
  makeClaim(
    {
      id: "exp1-methods-sensitivity",
      section: "3.2",
      where: "§3.2.3",
      claim:
        "the architecture markedly changes DTD and LRP-α1.5β0.5 explanations, not notably SA and GB",
    },
    { models: exp1Last(["shallow", "deep"]) },
    (n, base) => {
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
    },
  ),
];

/** §3.3, Experiment 2: the majority-sample task and deeper cells. */
export const CLAIMS_3_3: readonly Claim[] = [
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
  makeClaim(
    {
      id: "exp2-depth",
      section: "3.3",
      where: "Fig 3.12",
      claim:
        "the averaged cosine similarity of each explanation technique increases when introducing more layers (Shallow → Deep → DeepV2 → ConvDeep)",
    },
    { models: majModels(EXP2_CELLS) },
    (n, base) => {
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
        return `${k} of 4 methods on ${
          datasetLabel(d)
        } (${mono} strictly increasing at every step; ${items.join(", ")})`;
      });
      return decide(
        base,
        rises === 8 ? "holds" : "does not hold",
        `mean cosine rises from Shallow to ConvDeep for ${parts.join(" and ")}`,
        { ...evidence, monotone },
      );
    },
  ),
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
];

/** §3.4, Experiment 3: better relevance propagation. */
export const CLAIMS_3_4: readonly Claim[] = [
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
  makeClaim(
    {
      id: "exp3-literal-inconsistent-convdeep",
      section: "3.4",
      where: "Fig 3.21",
      claim:
        "literal connections influence ConvDeep inconsistently between MNIST-MAJ and FashionMNIST-MAJ (the mean change over methods has opposite signs)",
    },
    { models: majModels(["convdeep", "conv+deep"]) },
    (n, base) => {
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
    },
  ),
  makeClaim(
    {
      id: "exp3-convrlstm-equals-rlstm-sd",
      section: "3.4",
      where: "Fig 3.21",
      claim:
        `the average cosine similarity of R-LSTM-SD and ConvR-LSTM-SD looks almost identical (here: within ${IDENTICAL_COSINE} for every method and dataset)`,
    },
    { models: majModels(["rlstm-sd", "convrlstm-sd"]) },
    (n, base) => {
      const gaps = needCosine(n, MAJ, ["rlstm-sd", "convrlstm-sd"], METHODS4);
      if (gaps.length) return missing(base, gaps);
      const evidence: Record<string, number> = {};
      let worst = 0;
      let within = 0;
      for (const d of MAJ) {
        for (const m of METHODS4) {
          const diff = Math.abs(
            cosineOf(n, d, "convrlstm-sd", m)! - cosineOf(n, d, "rlstm-sd", m)!,
          );
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
    },
  ),
  makeClaim({
    id: "exp3-literal-less-stable",
    section: "3.4",
    where: "§3.4.5",
    claim:
      "literal connections make explanations less stable: wider confidence intervals than without them",
  }, {
    models: majModels(["convdeep", "conv+deep", "convrlstm-sd", "conv+rlstm-sd"]),
    comparesIntervals: true,
    datasets: MAJ,
  }, (n, base, datasets) => {
    const pairs = [["conv+deep", "convdeep"], ["conv+rlstm-sd", "convrlstm-sd"]] as const;
    const gaps = needCosine(n, datasets, pairs.flat(), METHODS4);
    if (gaps.length) return missing(base, gaps);
    const width = (d: string, c: string): number | null => {
      const ws = METHODS4.map((m) => {
        const p = cosinePointOf(n, d, c, m)!;
        return p.ci_lo === null || p.ci_hi === null ? null : p.ci_hi - p.ci_lo;
      });
      return ws.some((w) => w === null) ? null : ws.reduce((a, b) => a! + b!, 0)! / ws.length;
    };
    const evidence: Record<string, number> = {};
    let wider = 0;
    const parts: string[] = [];
    for (const d of datasets) {
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
    const all = datasets.length * pairs.length;
    return decide(
      base,
      wider === all ? "holds" : "does not hold",
      `the mean 95% interval width over methods is wider with literal connections in ${wider} of ${all} comparisons (${
        parts.join(", ")
      })`,
      evidence,
    );
  }),
];

/**
 * §3.4 beside a standard LSTM: per MAJ dataset, whether the thesis's R-LSTM
 * explains better than the standard LSTM, its best LRP-type method against
 * the LSTM's published LRP rule, by the 95 % intervals of the mean cosine.
 */
export const CLAIMS_STANDARD_LSTM: readonly Claim[] = MAJ.map((dataset) =>
  intervalAbove(
    {
      id: `exp3-rlstm-beats-lstm-${dataset}`,
      section: "3.4",
      where: "Fig s.1",
      claim: `the thesis's R-LSTM explains better than a standard LSTM on ${
        datasetLabel(dataset)
      } (here: the 95 % interval over folds of the mean cosine of R-LSTM's best LRP-type method, DTD or LRP-α1.5β0.5, lies above that of the LSTM's LRP-ε)`,
    },
    { cell: "rlstm", methods: methodsFor("rlstm", LRP_METHODS) },
    { cell: "lstm", methods: methodsFor("lstm", LRP_METHODS) },
    dataset,
  )
);

/** Every claim, by section. */
export const CLAIMS: readonly Claim[] = [
  ...CLAIMS_2_3,
  ...CLAIMS_3_2,
  ...CLAIMS_3_3,
  ...CLAIMS_3_4,
  ...CLAIMS_STANDARD_LSTM,
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
      `- *${o.where}* — “${o.claim}”. **${VERDICT_WORD[o.verdict]}**${
        o.sentence.slice(VERDICT_WORD[o.verdict].length)
      }` + (o.unconsidered ? ` *On these models the numbers say: ${o.unconsidered}*` : "") +
      (o.partial ? ` *${partialLead(o.partial)} ${o.partial.sentence}*` : "")
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
