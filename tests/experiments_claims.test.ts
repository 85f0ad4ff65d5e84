import {
  assert,
  assertEquals,
  assertGreater,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import {
  type AccuracyPoint,
  type Claim,
  claimById,
  type ClaimNumbers,
  CLAIMS,
  claimsBundle,
  claimsMarkdown,
  claimsReport,
  type CosinePoint,
  type DistributionPoint,
  totalVariation,
  UnknownArtifactError,
} from "../lib/experiments/mod.ts";

const METHODS = ["sa", "gb", "dtd", "lrp-a1.5b0.5"];

/** Cosine points of one dataset: cell → its mean cosine for SA, GB, DTD, LRP. */
function cosines(
  dataset: string,
  byCell: Record<string, number[]>,
  ci = 0.02,
): CosinePoint[] {
  return Object.entries(byCell).flatMap(([cell, values]) =>
    values.map((mean, i) => ({
      dataset,
      cell,
      method: METHODS[i],
      mean,
      ci_lo: mean - ci,
      ci_hi: mean + ci,
      n_folds: 7,
    }))
  );
}

/** Every model a claim rests on, at an accuracy above the Table 3.2 minimum. */
function fine(claim: Claim, accuracy = 99.5): AccuracyPoint[] {
  return claim.models.map((m) => ({ ...m, accuracy }));
}

/** Every claim's models above the minimum. */
const ALL_FINE: AccuracyPoint[] = CLAIMS.flatMap((c) => fine(c));

function both(byCell: Record<string, number[]>, fashion = byCell): CosinePoint[] {
  return [...cosines("mnist-maj", byCell), ...cosines("fashion-mnist-maj", fashion)];
}

Deno.test("a better-than claim holds when the cell wins for every method and dataset", () => {
  const claim = claimById("exp3-rlstm-beats-deep");
  const win = claim.evaluate({
    accuracy: ALL_FINE,
    cosine: both({ rlstm: [0.7, 0.72, 0.8, 0.82], deep: [0.6, 0.61, 0.62, 0.63] }),
  });
  assertEquals(win.verdict, "holds");
  assertStringIncludes(win.sentence, "Holds: ");
  assertStringIncludes(win.sentence, "4 of 4 methods on MNIST-MAJ");
  assertStringIncludes(win.sentence, "DTD 0.800 vs 0.620");
  assertEquals(win.evidence["mnist-maj/dtd/rlstm"], 0.8);
  const lose = claim.evaluate({
    accuracy: ALL_FINE,
    cosine: both(
      { rlstm: [0.7, 0.72, 0.8, 0.82], deep: [0.6, 0.61, 0.62, 0.63] },
      { rlstm: [0.5, 0.72, 0.8, 0.82], deep: [0.6, 0.61, 0.62, 0.63] },
    ),
  });
  assertEquals(lose.verdict, "does not hold");
  assertStringIncludes(lose.sentence, "Does not hold: ");
  assertStringIncludes(lose.sentence, "3 of 4 methods on FashionMNIST-MAJ");
});

Deno.test("the depth claim of Fig 3.12 counts the methods where ConvDeep beats Shallow", () => {
  const rising = {
    shallow: [0.5, 0.5, 0.5, 0.5],
    deep: [0.6, 0.6, 0.6, 0.6],
    deepv2: [0.65, 0.6, 0.7, 0.7],
    convdeep: [0.8, 0.8, 0.8, 0.8],
  };
  const claim = claimById("exp2-depth");
  const ok = claim.evaluate({ accuracy: ALL_FINE, cosine: both(rising) });
  assertEquals(ok.verdict, "holds");
  assertStringIncludes(
    ok.sentence,
    "mean cosine rises from Shallow to ConvDeep for 4 of 4 methods on MNIST-MAJ",
  );
  assertStringIncludes(ok.sentence, "3 strictly increasing at every step");
  const flat = { ...rising, convdeep: [0.8, 0.8, 0.4, 0.8] };
  const no = claim.evaluate({ accuracy: ALL_FINE, cosine: both(rising, flat) });
  assertEquals(no.verdict, "does not hold");
  assertStringIncludes(no.sentence, "3 of 4 methods on FashionMNIST-MAJ");
});

Deno.test("the DTD/LRP gain claim compares their smallest gain with the largest SA/GB gain", () => {
  const claim = claimById("exp2-dtd-lrp-gain");
  const base = { shallow: [0.5, 0.5, 0.4, 0.4] };
  const bigRelevanceGain = {
    ...base,
    deep: [0.55, 0.55, 0.6, 0.6],
    deepv2: [0.55, 0.55, 0.6, 0.6],
    convdeep: [0.55, 0.55, 0.6, 0.6],
  };
  assertEquals(
    claim.evaluate({ accuracy: ALL_FINE, cosine: both(bigRelevanceGain) }).verdict,
    "holds",
  );
  const gbAhead = {
    ...base,
    deep: [0.55, 0.9, 0.6, 0.6],
    deepv2: [0.55, 0.9, 0.6, 0.6],
    convdeep: [0.55, 0.9, 0.6, 0.6],
  };
  const out = claim.evaluate({ accuracy: ALL_FINE, cosine: both(gbAhead) });
  assertEquals(out.verdict, "does not hold");
  assertStringIncludes(out.sentence, "not both ahead");
});

Deno.test("a minimum-accuracy claim lists the models below the Table 3.2 minimum", () => {
  const claim = claimById("lenet-minimum");
  const ok = claim.evaluate({
    accuracy: [
      { dataset: "mnist", cell: "lenet5", T: 1, accuracy: 99.0 },
      { dataset: "fashion-mnist", cell: "lenet5", T: 1, accuracy: 88.0 },
    ],
  });
  assertEquals(ok.verdict, "holds");
  assertStringIncludes(ok.sentence, "2 of 2 models reach the minimum");
  const low = claim.evaluate({
    accuracy: [
      { dataset: "mnist", cell: "lenet5", T: 1, accuracy: 97.5 },
      { dataset: "fashion-mnist", cell: "lenet5", T: 1, accuracy: 88.0 },
    ],
  });
  assertEquals(low.verdict, "does not hold");
  assertStringIncludes(low.sentence, "LeNet-5 on MNIST 97.50% < 98%");
});

function dist(dataset: string, cell: string, method: string, shares: number[]): DistributionPoint {
  return { dataset, cell, T: 7, method, shares, n: 10 };
}

const PIXELS = [0, 0.1, 0.3, 0.3, 0.2, 0.1, 0];
const LATE = [0, 0, 0, 0.02, 0.08, 0.3, 0.6];

function fig37(deep: number[], shallow: number[] = LATE): DistributionPoint[] {
  return ["mnist", "fashion-mnist"].flatMap((d) => [
    dist(d, "pixels", "pixels", PIXELS),
    ...["sa", "gb"].flatMap((m) => [dist(d, "shallow", m, PIXELS), dist(d, "deep", m, PIXELS)]),
    ...["dtd", "lrp-a1.5b0.5"].flatMap((
      m,
    ) => [dist(d, "shallow", m, shallow), dist(d, "deep", m, deep)]),
  ]);
}

Deno.test("the Fig 3.7 claims read the last three steps and the distance to the pixel curve", () => {
  const n: ClaimNumbers = {
    accuracy: ALL_FINE,
    distributions: fig37([0, 0.1, 0.25, 0.3, 0.2, 0.1, 0.05]),
  };
  const last = claimById("exp1-shallow-last-steps").evaluate(n);
  assertEquals(last.verdict, "holds");
  assertStringIncludes(last.sentence, "MNIST DTD 98.0%");
  const follows = claimById("exp1-deep-follows-pixels").evaluate(n);
  assertEquals(follows.verdict, "holds");
  assertEquals(follows.evidence["mnist/dtd/tv-shallow"], totalVariation(LATE, PIXELS));
  const sensitivity = claimById("exp1-methods-sensitivity").evaluate(n);
  assertEquals(sensitivity.verdict, "holds");
  const spread = [0.1, 0.1, 0.1, 0.2, 0.2, 0.2, 0.1];
  const n2: ClaimNumbers = { accuracy: ALL_FINE, distributions: fig37(LATE, spread) };
  assertEquals(claimById("exp1-shallow-last-steps").evaluate(n2).verdict, "does not hold");
  assertEquals(claimById("exp1-deep-follows-pixels").evaluate(n2).verdict, "does not hold");
});

Deno.test("totalVariation is half the L1 distance and rejects unequal lengths", () => {
  assertEquals(totalVariation([1, 0], [0, 1]), 1);
  assertEquals(totalVariation([0.5, 0.5], [0.5, 0.5]), 0);
  assertThrows(() => totalVariation([1], [0.5, 0.5]), RangeError);
});

Deno.test("a claim without its numbers is undecided and says what is missing", () => {
  const out = claimById("exp3-literal-hurts-convrlstm").evaluate({
    accuracy: ALL_FINE,
    cosine: cosines("mnist-maj", { "convrlstm-sd": [0.7, 0.7, 0.7, 0.7] }),
  });
  assertEquals(out.verdict, "undecided");
  assertStringIncludes(out.sentence, "Undecided: this run has no numbers for");
  assertStringIncludes(out.sentence, "Conv⁺R-LSTM-SD on MNIST-MAJ");
});

/** Cosine points of both MAJ datasets: the plain conv cells with narrow intervals, the Conv⁺ cells with wide ones. */
function literalWidths(): { narrow: CosinePoint[]; wide: CosinePoint[] } {
  const cells = { "convdeep": [0.6, 0.6, 0.6, 0.6], "convrlstm-sd": [0.7, 0.7, 0.7, 0.7] };
  const plus = { "conv+deep": [0.5, 0.5, 0.5, 0.5], "conv+rlstm-sd": [0.5, 0.5, 0.5, 0.5] };
  return {
    narrow: both(cells).map((p) => ({ ...p, ci_lo: p.mean - 0.01, ci_hi: p.mean + 0.01 })),
    wide: both(plus).map((p) => ({ ...p, ci_lo: p.mean - 0.05, ci_hi: p.mean + 0.05 })),
  };
}

Deno.test("literal connections' stability claim needs intervals and compares their widths", () => {
  const claim = claimById("exp3-literal-less-stable");
  const { narrow, wide } = literalWidths();
  assertEquals(
    claim.evaluate({ accuracy: ALL_FINE, cosine: [...narrow, ...wide] }).verdict,
    "holds",
  );
  const noCi = [...narrow, ...wide].map((p) => ({ ...p, ci_lo: null, ci_hi: null }));
  assertEquals(claim.evaluate({ accuracy: ALL_FINE, cosine: noCi }).verdict, "undecided");
});

Deno.test("Conv⁺Deep's influence is inconsistent when the mean changes have opposite signs", () => {
  const claim = claimById("exp3-literal-inconsistent-convdeep");
  const up = { "convdeep": [0.5, 0.5, 0.5, 0.5], "conv+deep": [0.6, 0.6, 0.6, 0.6] };
  const down = { "convdeep": [0.5, 0.5, 0.5, 0.5], "conv+deep": [0.4, 0.4, 0.4, 0.4] };
  assertEquals(claim.evaluate({ accuracy: ALL_FINE, cosine: both(up, down) }).verdict, "holds");
  assertEquals(
    claim.evaluate({ accuracy: ALL_FINE, cosine: both(up, up) }).verdict,
    "does not hold",
  );
});

Deno.test("claimsReport decides every claim of a section and renders one bullet each", () => {
  const report = claimsReport("3.4", {});
  assert(report.outcomes.length >= 8);
  assert(report.outcomes.every((o) => o.section === "3.4" && o.verdict === "undecided"));
  assertEquals(
    report.markdown.split("\n").filter((l) => l.startsWith("- ")).length,
    report.outcomes.length,
  );
  assertThrows(() => claimsReport("9.9", {}), UnknownArtifactError, "valid: 2.3, 3.2, 3.3, 3.4");
  assertThrows(() => claimById("nope"), UnknownArtifactError, "exp2-depth");
});

Deno.test("an explanation claim on a model below the minimum is undecided and names it", () => {
  const claim = claimById("exp3-rlstm-beats-deep");
  const cosine = both({ rlstm: [0.7, 0.72, 0.8, 0.82], deep: [0.6, 0.61, 0.62, 0.63] });
  const low = ALL_FINE.map((a) =>
    a.dataset === "mnist-maj" && a.cell === "deep" ? { ...a, accuracy: 81.9 } : a
  );
  const out = claim.evaluate({ accuracy: low, cosine });
  assertEquals(out.verdict, "undecided");
  assertEquals(out.sentence, "Undecided: Deep on MNIST-MAJ is below the minimum, 81.90 % < 98 %.");
  assertStringIncludes(out.unconsidered ?? "", "Holds: ");
  const two = low.map((a) =>
    a.dataset === "fashion-mnist-maj" && a.cell === "rlstm" ? { ...a, accuracy: 80 } : a
  );
  const both2 = claim.evaluate({ accuracy: two, cosine });
  assertStringIncludes(both2.sentence, "Undecided: below the minimum: ");
  assertStringIncludes(both2.sentence, "(2 of the 4 models it rests on)");
  assertStringIncludes(both2.sentence, "R-LSTM on FashionMNIST-MAJ 80.00 % < 85 %");
  // just below the minimum reads as below it, not as "98.0 % < 98 %"
  const near = ALL_FINE.map((a) =>
    a.dataset === "mnist-maj" && a.cell === "deep" ? { ...a, accuracy: 97.97 } : a
  );
  assertEquals(
    claim.evaluate({ accuracy: near, cosine }).sentence,
    "Undecided: Deep on MNIST-MAJ is below the minimum, 97.97 % < 98 %.",
  );
  const none = claim.evaluate({ cosine });
  assertEquals(none.verdict, "undecided");
  assertStringIncludes(none.sentence, "no numbers for the accuracy of R-LSTM on MNIST-MAJ");
});

Deno.test("every explanation claim passes the criterion; accuracy claims are judged as they are", () => {
  const explanation = CLAIMS.filter((c) => c.kind === "explanation");
  assertEquals(explanation.length, 16);
  for (const c of explanation) {
    assertGreater(c.models.length, 0, `${c.id} names no model`);
    const out = c.evaluate({ accuracy: fine(c, 50) });
    assertEquals(out.verdict, "undecided", c.id);
    assertStringIncludes(out.sentence, "below the minimum", c.id);
  }
  const lenet = claimById("lenet-minimum").evaluate({
    accuracy: fine(claimById("lenet-dtd-lrp-similar"), 50),
  });
  assertEquals(lenet.verdict, "does not hold");
});

Deno.test("a claim comparing intervals is undecided with fewer than three folds", () => {
  const claim = claimById("exp3-literal-less-stable");
  assert(claim.comparesIntervals);
  const { narrow, wide } = literalWidths();
  const two = [...narrow, ...wide].map((p) => ({ ...p, n_folds: 2 }));
  const out = claim.evaluate({ accuracy: ALL_FINE, cosine: two });
  assertEquals(out.verdict, "undecided");
  assertStringIncludes(out.sentence, "too few folds: 2 folds");
  const three = two.map((p) => ({ ...p, n_folds: 3 }));
  assertEquals(claim.evaluate({ accuracy: ALL_FINE, cosine: three }).verdict, "holds");
});

Deno.test("a claim resting on a model with folds missing is undecided and says what the stored folds show", () => {
  const claim = claimById("exp3-literal-less-stable");
  const { narrow, wide } = literalWidths();
  const cosine = [...narrow, ...wide];
  const complete = claim.evaluate({ accuracy: ALL_FINE, cosine });
  assertEquals(complete.verdict, "holds");
  const partlyTrained = [{ dataset: "mnist-maj", cell: "conv+deep", T: 12, missing: [1, 2] }];
  const out = claim.evaluate({ accuracy: ALL_FINE, cosine, partlyTrained });
  assertEquals(out.verdict, "undecided");
  assertEquals(
    out.sentence,
    "Undecided: folds 1, 2 of Conv⁺Deep on MNIST-MAJ have no stored run, and this build trains nothing.",
  );
  assertStringIncludes(out.unconsidered ?? "", "Holds", "what the stored folds say");
  const one = claim.evaluate({
    accuracy: ALL_FINE,
    cosine,
    partlyTrained: [{ ...partlyTrained[0], missing: [2] }],
  });
  assertStringIncludes(one.sentence, "fold 2 of Conv⁺Deep on MNIST-MAJ has no stored run");
});

/** One cosine point with a symmetric 95 % interval. */
function point(
  dataset: string,
  cell: string,
  method: string,
  mean: number,
  half = 0.02,
  n_folds = 3,
): CosinePoint {
  return { dataset, cell, method, mean, ci_lo: mean - half, ci_hi: mean + half, n_folds };
}

/** R-LSTM's DTD and LRP-α1.5β0.5 and the LSTM's LRP-ε on one dataset. */
function rlstmVsLstm(dataset: string, dtd: number, lrp: number, eps: number): CosinePoint[] {
  return [
    point(dataset, "rlstm", "dtd", dtd),
    point(dataset, "rlstm", "lrp-a1.5b0.5", lrp),
    point(dataset, "lstm", "lrp-epsilon", eps),
  ];
}

Deno.test("R-LSTM vs LSTM compares R-LSTM's best LRP-type method with LRP-ε by intervals", () => {
  const claim = claimById("exp3-rlstm-beats-lstm-fashion-mnist-maj");
  assert(claim.comparesIntervals);
  assertEquals(claim.models.map((m) => `${m.dataset}/${m.cell}/${m.T}`), [
    "fashion-mnist-maj/rlstm/12",
    "fashion-mnist-maj/lstm/12",
  ]);
  const accuracy = fine(claim, 90);
  // the best of DTD and LRP represents R-LSTM: LRP 0.85 [0.83, 0.87] above LRP-ε 0.70 [0.68, 0.72]
  const above = claim.evaluate({
    accuracy,
    cosine: rlstmVsLstm("fashion-mnist-maj", 0.6, 0.85, 0.7),
  });
  assertEquals(above.verdict, "holds");
  assertStringIncludes(above.sentence, "R-LSTM LRP-α1.5β0.5 0.850 [0.830, 0.870] vs LSTM LRP-ε");
  assertEquals(above.evidence["fashion-mnist-maj/rlstm/method"], "lrp-a1.5b0.5");
  const below = claim.evaluate({
    accuracy,
    cosine: rlstmVsLstm("fashion-mnist-maj", 0.6, 0.5, 0.7),
  });
  assertEquals(below.verdict, "does not hold");
  assertStringIncludes(below.sentence, "lies below LSTM's");
  const overlap = claim.evaluate({
    accuracy,
    cosine: rlstmVsLstm("fashion-mnist-maj", 0.6, 0.73, 0.7),
  });
  assertEquals(overlap.verdict, "undecided");
  assertStringIncludes(overlap.sentence, "Undecided: the intervals overlap");
  // the other dataset's claim does not read these numbers
  const mnist = claimById("exp3-rlstm-beats-lstm-mnist-maj").evaluate({
    accuracy: [...accuracy, ...fine(claimById("exp3-rlstm-beats-lstm-mnist-maj"), 99)],
    cosine: rlstmVsLstm("fashion-mnist-maj", 0.6, 0.85, 0.7),
  });
  assertEquals(mnist.verdict, "undecided");
  assertStringIncludes(mnist.sentence, "no numbers for the cosine of R-LSTM on MNIST-MAJ");
});

Deno.test("R-LSTM vs LSTM is undecided without a stored LSTM run, below the minimum or with few folds", () => {
  const claim = claimById("exp3-rlstm-beats-lstm-mnist-maj");
  const cosine = rlstmVsLstm("mnist-maj", 0.9, 0.85, 0.7);
  const rlstm = { dataset: "mnist-maj", cell: "rlstm", T: 12, accuracy: 98.6 };
  const lstm = { dataset: "mnist-maj", cell: "lstm", T: 12 };
  const untrained = claim.evaluate({ accuracy: [rlstm], cosine, untrained: [lstm] });
  assertEquals(untrained.verdict, "undecided");
  assertEquals(
    untrained.sentence,
    "Undecided: no stored run of LSTM on MNIST-MAJ, and this build trains nothing.",
  );
  const low = claim.evaluate({ accuracy: [rlstm, { ...lstm, accuracy: 97.5 }], cosine });
  assertEquals(low.sentence, "Undecided: LSTM on MNIST-MAJ is below the minimum, 97.50 % < 98 %.");
  assertStringIncludes(low.unconsidered ?? "", "Holds: ");
  const fine2 = [rlstm, { ...lstm, accuracy: 98.2 }];
  assertEquals(claim.evaluate({ accuracy: fine2, cosine }).verdict, "holds");
  const two = cosine.map((p) => ({ ...p, n_folds: 2 }));
  assertStringIncludes(
    claim.evaluate({ accuracy: fine2, cosine: two }).sentence,
    "too few folds: 2 folds",
  );
});

Deno.test("a claim missing one dataset's runs stays undecided and says what the other dataset shows", () => {
  const claim = claimById("exp3-literal-hurts-convrlstm");
  const untrained = [{ dataset: "mnist-maj", cell: "conv+rlstm-sd", T: 12 }];
  const accuracy = ALL_FINE.filter((a) =>
    !(a.dataset === "mnist-maj" && a.cell === "conv+rlstm-sd")
  );
  const fashion = cosines("fashion-mnist-maj", {
    "convrlstm-sd": [0.8, 0.85, 0.9, 0.92],
    "conv+rlstm-sd": [0.7, 0.8, 0.85, 0.93],
  });
  const mnist = cosines("mnist-maj", { "convrlstm-sd": [0.8, 0.85, 0.9, 0.92] });
  const out = claim.evaluate({ accuracy, cosine: [...mnist, ...fashion], untrained });
  assertEquals(out.verdict, "undecided");
  assertEquals(
    out.sentence,
    "Undecided: no stored run of Conv⁺R-LSTM-SD on MNIST-MAJ, and this build trains nothing.",
  );
  assertEquals(out.partial?.datasets, ["fashion-mnist-maj"]);
  assertStringIncludes(out.partial?.sentence ?? "", "Does not hold: ");
  assertStringIncludes(out.partial?.sentence ?? "", "3 of 4 methods on FashionMNIST-MAJ");
  assert(!(out.partial?.sentence ?? "").includes("on MNIST-MAJ"));
  const markdown = claimsMarkdown([out]);
  assertStringIncludes(
    markdown,
    "*On FashionMNIST-MAJ alone, where every model it rests on has a stored run and meets the minimum, the numbers say: Does not hold:",
  );
  const html = String(claimsBundle({ outcomes: [out], markdown })["text/html"]);
  assertStringIncludes(html, '<div class="partial"');
  assertStringIncludes(html, "On FashionMNIST-MAJ alone,");
  // a dataset whose models are below the minimum is not a part to decide on
  const low = accuracy.map((a) =>
    a.dataset === "fashion-mnist-maj" && a.cell === "convrlstm-sd" ? { ...a, accuracy: 80 } : a
  );
  assertEquals(claim.evaluate({ accuracy: low, cosine: fashion, untrained }).partial, undefined);
  // every dataset decidable: the claim is decided, with no partial outcome
  const whole = claim.evaluate({
    accuracy: ALL_FINE,
    cosine: both({
      "convrlstm-sd": [0.8, 0.85, 0.9, 0.92],
      "conv+rlstm-sd": [0.7, 0.8, 0.85, 0.9],
    }),
  });
  assertEquals(whole.verdict, "holds");
  assertEquals(whole.partial, undefined);
});

Deno.test("the interval claim of §3.4.5 counts its comparisons on the datasets decided", () => {
  const claim = claimById("exp3-literal-less-stable");
  const untrained = ["conv+deep", "conv+rlstm-sd"].map((cell) => ({
    dataset: "mnist-maj",
    cell,
    T: 12,
  }));
  const accuracy = ALL_FINE.filter((a) =>
    !(a.dataset === "mnist-maj" && a.cell.startsWith("conv+"))
  );
  const values = [0.8, 0.8, 0.8, 0.8];
  const cosine = [
    ...cosines("fashion-mnist-maj", { "conv+deep": values, "conv+rlstm-sd": values }, 0.05),
    ...cosines("fashion-mnist-maj", { convdeep: values, "convrlstm-sd": values }, 0.02),
  ];
  const out = claim.evaluate({ accuracy, cosine, untrained });
  assertEquals(out.verdict, "undecided");
  assertStringIncludes(out.partial?.sentence ?? "", "Holds: ");
  assertStringIncludes(out.partial?.sentence ?? "", "in 2 of 2 comparisons");
});

Deno.test("accuracy claims decide what missing runs cannot change and state the rest", () => {
  const untrained = ["conv+deep", "conv+rlstm-sd"].map((cell) => ({
    dataset: "mnist-maj",
    cell,
    T: 12,
  }));
  const stored = ALL_FINE.filter((a) => !(a.dataset === "mnist-maj" && a.cell.startsWith("conv+")));
  const minimum = claimById("exp3-minimum");
  const undecided = minimum.evaluate({ accuracy: stored, untrained });
  assertEquals(undecided.verdict, "undecided");
  assertStringIncludes(undecided.sentence, "no stored run of Conv⁺Deep on MNIST-MAJ");
  const low = stored.map((a) =>
    a.dataset === "mnist-maj" && a.cell === "rlstm" ? { ...a, accuracy: 97.88 } : a
  );
  const fails = minimum.evaluate({ accuracy: low, untrained });
  assertEquals(fails.verdict, "does not hold");
  assertStringIncludes(fails.sentence, "below it: R-LSTM on MNIST-MAJ 97.88% < 98%");
  assertStringIncludes(fails.sentence, "2 without a stored run, which cannot change this");

  const most = claimById("exp3-convrlstm-accuracy");
  const lead = stored.map((a) => a.cell === "convrlstm-sd" ? { ...a, accuracy: 99.9 } : a);
  const partial = most.evaluate({ accuracy: lead, untrained });
  assertEquals(partial.verdict, "undecided");
  assertEquals(partial.partial?.datasets, ["fashion-mnist-maj"]);
  assertEquals(partial.partial?.criterion, false);
  assertStringIncludes(
    partial.partial?.sentence ?? "",
    "Holds: ConvR-LSTM-SD is the most accurate on 1 of 1 dataset (FashionMNIST-MAJ: ConvR-LSTM-SD 99.90%",
  );
  assertStringIncludes(
    claimsMarkdown([partial]),
    "*On FashionMNIST-MAJ alone, where every model it rests on has a stored run, the numbers say: Holds:",
  );
  const behind = lead.map((a) =>
    a.dataset === "fashion-mnist-maj" && a.cell === "rlstm" ? { ...a, accuracy: 99.95 } : a
  );
  const beaten = most.evaluate({ accuracy: behind, untrained });
  assertEquals(beaten.verdict, "does not hold");
  assertStringIncludes(
    beaten.sentence,
    "most accurate on 0 of 1 dataset (FashionMNIST-MAJ: R-LSTM 99.95%",
  );
  assertStringIncludes(beaten.sentence, "; no stored run of Conv⁺Deep on MNIST-MAJ");
  const whole = most.evaluate({
    accuracy: ALL_FINE.map((a) => a.cell === "convrlstm-sd" ? { ...a, accuracy: 99.9 } : a),
  });
  assertEquals(whole.verdict, "holds");
  assertStringIncludes(whole.sentence, "on 2 of 2 datasets");
});
