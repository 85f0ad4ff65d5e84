import {
  assert,
  assertEquals,
  assertInstanceOf,
  assertLessOrEqual,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import { buildCell, type CellSpec, createModel, disposeModel } from "../lib/cells/mod.ts";
import {
  alphaBetaComposite,
  assignRules,
  domainComposite,
  dtdComposite,
  explain,
  RuleApplicationError,
  wSquare,
  zPlus,
} from "../lib/relevance/mod.ts";
import {
  argmaxRows,
  lively,
  logitsOf,
  maxAbs,
  maxAbsDiff,
  randomImages,
  setupBackend,
} from "./relevance_fixtures.ts";

await setupBackend();

Deno.test("lrp-a1b0 with αβ at the pixels equals DTD with z⁺ at the pixels on non-negative inputs", () => {
  const dtdZPlusPixels = domainComposite("dtd-zplus-pixels", {
    pixels: zPlus(),
    nonneg: zPlus(),
    real: wSquare(),
  });
  for (
    const [id, T] of [["deep", 4], ["shallow", 7], ["convdeep", 12], ["conv+deep", 12]] as const
  ) {
    // An all-ReLU cell without biases, on pixels in [0, 1].
    const spec: CellSpec = { ...buildCell(id, T), pixelBounds: [0, 1] };
    const x = randomImages(3, spec.width, `equiv/${id}`, 0, 1);
    const model = lively(spec, 4, x, "code");
    try {
      const targets = argmaxRows(logitsOf(model, x));
      const lrp = explain(model, x, { method: "lrp-a1b0", targets, alphaBetaAtPixels: true });
      const dtd = explain(model, x, { method: "dtd", targets, composite: dtdZPlusPixels });
      const plain = explain(model, x, { method: "dtd", targets });
      const scale = maxAbs(dtd.relevance);
      assert(scale > 0, `${id}: relevance is not all zero`);
      assertLessOrEqual(maxAbsDiff(lrp.relevance, dtd.relevance), 1e-5 * scale, id);
      // z^β with bounds [0, 1] is a different rule: the comparison can fail.
      assert(maxAbsDiff(plain.relevance, dtd.relevance) > 1e-3 * scale, `${id}: z^β ≠ z⁺`);
    } finally {
      disposeModel(model);
    }
  }
});

Deno.test("composites choose rules from the layer's input domain", () => {
  const name = (id: string, T: number, node: string, composite = dtdComposite()) => {
    const model = createModel(buildCell(id, T), { seed: 1 });
    try {
      return assignRules(model, composite, { requireConservation: true }).get(node)?.rule.name;
    } finally {
      disposeModel(model);
    }
  };
  assertEquals(name("deep", 4, "in1"), "zbeta");
  assertEquals(name("deep", 4, "hidden"), "zplus");
  assertEquals(name("deep", 4, "out2"), "zplus");
  assertEquals(name("shallow", 4, "hidden"), "mixed(pixels:zbeta,nonneg:zplus)");
  assertEquals(name("conv+deep", 12, "conv1"), "mixed(pixels:zbeta,nonneg:zplus)");
  assertEquals(name("conv+deep", 12, "conv2"), "zplus");
  const lrp = alphaBetaComposite(1.5, 0.5);
  assertEquals(name("deep", 4, "in1", lrp), "zbeta");
  assertEquals(name("deep", 4, "hidden", lrp), "alphabeta(a=1.5,b=0.5)");
  assertEquals(
    name("shallow", 4, "hidden", lrp),
    "mixed(pixels:zbeta,nonneg:alphabeta(a=1.5,b=0.5))",
  );
  // R-LSTM gates receive no relevance, so they get no rule.
  assertEquals(name("rlstm", 12, "i_gate"), undefined);
  assertEquals(name("rlstm", 12, "g"), "zplus");
});

Deno.test("a rule that does not fit a layer raises an error naming the cell, the layer and the rule", () => {
  const model = createModel(buildCell("deep", 4), { seed: 1 });
  const x = randomImages(1, 28, "errors");
  try {
    // z⁺ on pixels in [−1, 1] is not conservative.
    const e = assertThrows(
      () =>
        explain(model, x, {
          method: "dtd",
          targets: [0],
          composite: domainComposite("zplus-everywhere", { pixels: zPlus(), nonneg: zPlus() }),
        }),
      RuleApplicationError,
    ) as RuleApplicationError;
    assertStringIncludes(e.message, 'deep (T=4) layer "in1"');
    assertStringIncludes(e.message, '"zplus"');
    // αβ at pixels in [−1, 1] likewise, unless relevance loss is allowed.
    assertThrows(
      () => explain(model, x, { method: "lrp-a2b1", targets: [0], alphaBetaAtPixels: true }),
      RuleApplicationError,
      "alphabeta(a=2,b=1)",
    );
    const loose = explain(model, x, {
      method: "lrp-a2b1",
      targets: [0],
      alphaBetaAtPixels: true,
      requireConservation: false,
    });
    assertEquals(loose.relevance.length, 28 * 28);
  } finally {
    disposeModel(model);
  }
  // A layer reading a real-valued (linear) output: z⁺ / αβ cannot handle it, w² can.
  const spec: CellSpec = {
    ...buildCell("deep", 1),
    states: [],
    step: [
      { op: "dense", name: "lin", input: "x", units: 5, activation: "linear", bias: "negsoftplus" },
      { op: "dense", name: "h", input: "lin", units: 4, activation: "relu", bias: "negsoftplus" },
    ],
    output: [{
      op: "dense",
      name: "out",
      input: "h",
      units: 10,
      activation: "linear",
      bias: "negsoftplus",
    }],
    logits: "out",
  };
  const real = createModel(spec, { seed: 2 });
  try {
    const e = assertThrows(
      () => explain(real, x, { method: "lrp-a1.5b0.5", targets: [0] }),
      RuleApplicationError,
    );
    assertInstanceOf(e, RuleApplicationError);
    assertStringIncludes(e.message, 'layer "h"');
    assertStringIncludes(e.message, "real");
    const dtd = explain(real, x, { method: "dtd", targets: [0] });
    assertEquals(dtd.relevance.length, 28 * 28);
  } finally {
    disposeModel(real);
  }
});

Deno.test("αβ with α − β ≠ 1 is refused where conservation is required, naming the layer", () => {
  const model = createModel(buildCell("rlstm", 12), { seed: 1 });
  try {
    assertThrows(
      () => assignRules(model, alphaBetaComposite(3, 1), { requireConservation: true }),
      RuleApplicationError,
      'rlstm (T=12) layer "g"',
    );
    const rules = assignRules(model, alphaBetaComposite(3, 1), { requireConservation: false });
    assertEquals(rules.get("g")?.rule.name, "alphabeta(a=3,b=1)");
  } finally {
    disposeModel(model);
  }
});

Deno.test("the original Conv⁺ rule is refused where conservation is required", () => {
  const model = createModel(buildCell("conv+deep", 12), { seed: 1 });
  try {
    assertThrows(
      () =>
        explain(model, randomImages(1, 84, "cp"), {
          method: "lrp-a1.5b0.5",
          targets: [0],
          convPlusFirstLayer: "original",
          requireConservation: true,
        }),
      RuleApplicationError,
      'conv+deep (T=12) layer "conv1"',
    );
  } finally {
    disposeModel(model);
  }
});
