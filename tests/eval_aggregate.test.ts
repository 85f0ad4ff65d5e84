import { assert, assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import {
  accuracyByFold,
  accuracySummary,
  aggregateEval,
  evalFrame,
  EvalGroupError,
  type EvalRow,
  foldMeans,
  pairedComparison,
  UnknownIdError,
} from "../lib/eval/mod.ts";

function row(over: Partial<EvalRow>): EvalRow {
  const cosine = over.cosine ?? 0.5;
  return {
    dataset: "mnist-maj",
    cell: "deep",
    T: 12,
    fold: 0,
    profile: "ci",
    seed: 1,
    sample: 0,
    label: 1,
    prediction: 1,
    method: "dtd",
    v1: 0.5,
    v2: 0.5,
    v3: 0,
    cosine,
    percentage: Number.isNaN(cosine) ? NaN : cosine / 2,
    percentage_capped: Number.isNaN(cosine) ? NaN : cosine / 4,
    excluded: Number.isNaN(cosine),
    ...over,
  };
}

function foldRows(cell: string, method: string, fold: number, cosines: number[]): EvalRow[] {
  return cosines.map((cosine, sample) => row({ cell, method, fold, sample, cosine }));
}

// deep/dtd fold means: 0.8 (one excluded sample), 0.6, 0.9; pooled sample mean 0.8.
const deepDtd = [
  ...foldRows("deep", "dtd", 0, [0.9, 0.7, NaN]),
  ...foldRows("deep", "dtd", 1, [0.6, 0.6]),
  ...foldRows("deep", "dtd", 2, [1.0, 0.8, 0.9, 0.9]),
];
// rlstm/dtd fold means: 0.9, 0.8, 1.0.
const rlstmDtd = [
  ...foldRows("rlstm", "dtd", 0, [0.9]),
  ...foldRows("rlstm", "dtd", 1, [0.7, 0.9]),
  ...foldRows("rlstm", "dtd", 2, [1.0]),
];
// rlstm/sa: a single fold.
const rlstmSa = foldRows("rlstm", "sa", 0, [0.5, 0.7]);

Deno.test("fold means skip excluded samples but count them", () => {
  const fm = foldMeans(evalFrame(deepDtd)).toRecords();
  assertEquals(fm.length, 3);
  assertAlmostEquals(fm[0].cosine as number, 0.8, 1e-12);
  assertEquals([fm[0].n_samples, fm[0].n_excluded], [3, 1]);
  assertAlmostEquals(fm[0].percentage as number, 0.4, 1e-12);
  assertAlmostEquals(fm[2].cosine as number, 0.9, 1e-12);
});

Deno.test("aggregates take the mean of fold means with a t interval over folds", () => {
  const agg = aggregateEval(evalFrame([...deepDtd, ...rlstmDtd, ...rlstmSa]));
  const deep = agg.toRecords().find((r) => r.cell === "deep" && r.metric === "cosine")!;
  assertAlmostEquals(deep.mean as number, (0.8 + 0.6 + 0.9) / 3, 1e-12); // not the pooled 0.8
  assertAlmostEquals(deep.sd as number, 0.1527525, 1e-7);
  const half = 4.302653 * 0.1527525 / Math.sqrt(3);
  assertAlmostEquals(deep.ci_lo as number, 0.7666667 - half, 1e-6);
  assertAlmostEquals(deep.ci_hi as number, 0.7666667 + half, 1e-6);
  assertEquals([deep.n_folds, deep.n_samples, deep.n_excluded], [3, 9, 1]);
  assertEquals([deep.T, deep.profile, deep.method, deep.dataset], [12, "ci", "dtd", "mnist-maj"]);
  // one row per group and metric, in display order (deep before rlstm, sa before dtd)
  assertEquals(agg.height, 3 * 3);
  assertEquals(agg.getColumn("cell").toArray().slice(0, 3), ["deep", "deep", "deep"]);
  assertEquals(agg.getColumn("method").toArray()[3], "sa");
});

Deno.test("a single-fold group has a mean and null sd and interval", () => {
  const agg = aggregateEval(evalFrame(rlstmSa), { metrics: ["cosine"] }).toRecords();
  assertEquals(agg.length, 1);
  assertAlmostEquals(agg[0].mean as number, 0.6, 1e-12);
  assertEquals([agg[0].sd, agg[0].ci_lo, agg[0].ci_hi, agg[0].n_folds], [null, null, null, 1]);
});

Deno.test("a fold whose samples are all excluded does not count as a fold", () => {
  const rows = [...foldRows("deep", "gb", 0, [0.4, 0.6]), ...foldRows("deep", "gb", 1, [NaN])];
  const r = aggregateEval(evalFrame(rows), { metrics: ["cosine"] }).toRecords()[0];
  assertEquals([r.n_folds, r.n_excluded, r.n_samples], [1, 1, 3]);
  assertAlmostEquals(r.mean as number, 0.5, 1e-12);
});

Deno.test("the optional bootstrap interval is seeded and lies within the fold means", () => {
  const df = evalFrame(deepDtd);
  const a = aggregateEval(df, { metrics: ["cosine"], bootstrap: { seed: 9, resamples: 500 } });
  const b = aggregateEval(df, { metrics: ["cosine"], bootstrap: { seed: 9, resamples: 500 } });
  const ra = a.toRecords()[0];
  assertEquals(ra, b.toRecords()[0]);
  assert((ra.boot_lo as number) >= 0.6 - 1e-12 && (ra.boot_hi as number) <= 0.9 + 1e-12);
  assert((ra.boot_lo as number) < (ra.boot_hi as number));
});

Deno.test("aggregation refuses groups that mix sequence lengths or repeat samples", () => {
  const mixedT = [...foldRows("deep", "dtd", 0, [0.5]), row({ T: 7, sample: 1 })];
  assertThrows(() => aggregateEval(evalFrame(mixedT)), EvalGroupError, "mix T");
  const twice = [...deepDtd, ...foldRows("deep", "dtd", 0, [0.5])];
  assertThrows(() => aggregateEval(evalFrame(twice)), EvalGroupError, "more than once");
  const twoMethods = evalFrame([...deepDtd, ...foldRows("deep", "sa", 0, [0.5])]);
  assertThrows(() => aggregateEval(twoMethods, { by: ["dataset", "cell"] }), EvalGroupError);
  assertThrows(
    () => aggregateEval(evalFrame(deepDtd), { metrics: ["accuracy" as "cosine"] }),
    UnknownIdError,
    "valid metrics: cosine, percentage, percentage_capped",
  );
});

Deno.test("the paired comparison takes fold-matched differences to the baseline", () => {
  const cmp = pairedComparison(evalFrame([...deepDtd, ...rlstmDtd, ...rlstmSa]), {
    baseline: "deep",
  }).toRecords();
  assertEquals(cmp.length, 1); // rlstm/sa has no baseline folds
  const r = cmp[0];
  assertEquals([r.cell, r.baseline, r.method, r.metric, r.n_pairs], [
    "rlstm",
    "deep",
    "dtd",
    "cosine",
    3,
  ]);
  // differences 0.1, 0.2, 0.1
  assertAlmostEquals(r.mean_diff as number, 0.1333333, 1e-7);
  assertAlmostEquals(r.sd_diff as number, 0.0577350, 1e-7);
  const half = 4.302653 * 0.057735 / Math.sqrt(3);
  assertAlmostEquals(r.ci_lo as number, 0.1333333 - half, 1e-6);
  assertAlmostEquals(r.ci_hi as number, 0.1333333 + half, 1e-6);
  assertAlmostEquals(r.t_stat as number, 4, 1e-9);
  // t with 2 df: F(t) = 1/2 + t / (2 sqrt(2 + t^2))
  const upper = 0.5 - 4 / (2 * Math.sqrt(18));
  assertAlmostEquals(r.p_greater as number, upper, 1e-10);
  assertAlmostEquals(r.p_two_sided as number, 2 * upper, 1e-10);
  assertAlmostEquals(r.mean_cell as number, 0.9, 1e-12);
});

Deno.test("the paired comparison names the cells present when the baseline is missing", () => {
  assertThrows(
    () => pairedComparison(evalFrame(rlstmDtd), { baseline: "shallow" }),
    EvalGroupError,
    "cells present: rlstm",
  );
  assertThrows(
    () => pairedComparison(evalFrame(rlstmDtd), { baseline: "peephole-lstm" }),
    UnknownIdError,
  );
});

Deno.test("accuracy counts each sample once per fold, whatever the number of methods", () => {
  const rows = [
    ...[0, 1, 2, 3].flatMap((s) =>
      ["sa", "dtd"].map((method) => row({ method, sample: s, prediction: s === 3 ? 0 : 1 }))
    ),
    ...[0, 1].map((s) => row({ fold: 1, sample: s, prediction: 1 })),
  ];
  const folds = accuracyByFold(evalFrame(rows)).toRecords();
  assertEquals(folds.map((f) => [f.fold, f.n_samples, f.n_correct]), [[0, 4, 3], [1, 2, 2]]);
  assertEquals(folds[0].accuracy, 0.75);
  const s = accuracySummary(evalFrame(rows)).toRecords()[0];
  assertAlmostEquals(s.mean as number, 0.875, 1e-12);
  assertAlmostEquals(s.accuracy as number, 5 / 6, 1e-12);
  assertAlmostEquals(s.sd as number, Math.sqrt(0.03125), 1e-12);
  assertAlmostEquals(
    s.ci_hi as number,
    0.875 + 12.7062047 * Math.sqrt(0.03125) / Math.sqrt(2),
    1e-5,
  );
  assertEquals(s.n_folds, 2);
});

Deno.test("accuracy refuses a sample with two different predictions in one group", () => {
  const rows = [row({ method: "sa", prediction: 1 }), row({ method: "dtd", prediction: 2 })];
  assertThrows(() => accuracyByFold(evalFrame(rows)), EvalGroupError, "conflicting");
});
