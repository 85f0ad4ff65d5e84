import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertRejects,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import pl from "nodejs-polars";
import { aggregateEval, evalFrame, type EvalRow } from "../lib/eval/mod.ts";
import {
  accuracyChartSpec,
  accuracyThreshold,
  chartFigure,
  cosineChartSpec,
  distributionChartSpec,
  FIG_3_10_EXAMPLES,
  FigureSpecError,
  percentageCosineChartSpec,
  VEGA_LITE_SCHEMA,
  type VegaLiteSpec,
} from "../lib/plot/mod.ts";

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function syntheticAggregate() {
  const rows: EvalRow[] = [];
  for (const dataset of ["mnist-maj", "fashion-mnist-maj"]) {
    for (const [ci, cell] of ["shallow", "deep"].entries()) {
      for (const [mi, method] of ["sa", "dtd"].entries()) {
        for (let fold = 0; fold < 3; fold++) {
          const cosine = 0.5 + 0.1 * ci + 0.05 * mi + 0.01 * fold;
          rows.push({
            dataset,
            cell,
            T: 12,
            fold,
            profile: "ci",
            seed: 1,
            sample: 0,
            label: 1,
            prediction: 1,
            method,
            v1: 0.5,
            v2: 0.5,
            v3: 0,
            cosine,
            percentage: cosine,
            percentage_capped: cosine,
            excluded: false,
          });
        }
      }
    }
  }
  return aggregateEval(evalFrame(rows));
}

Deno.test("a chart renders to SVG with its axis titles and to a PNG", async () => {
  const fig = await chartFigure(cosineChartSpec(syntheticAggregate(), { baseline: "shallow" }));
  assert(fig.svg.startsWith("<svg"));
  assertStringIncludes(fig.svg, "Mean cosine similarity");
  assertStringIncludes(fig.svg, "Explanation method");
  assertStringIncludes(fig.svg, "FashionMNIST-MAJ");
  assertEquals(Array.from(fig.png.slice(0, 8)), PNG_MAGIC);
  assert(fig.width > 300 && fig.height > 200);
});

Deno.test("the cosine chart is a v5 spec with one point per cell and method and a dotted baseline", () => {
  const spec = cosineChartSpec(syntheticAggregate(), { baseline: "shallow" }) as unknown as {
    $schema: string;
    data: { values: Record<string, unknown>[] };
    spec: {
      layer: { encoding: { strokeDash?: { scale: { domain: string[]; range: number[][] } } } }[];
    };
    config: { font: string };
  };
  assertEquals(spec.$schema, VEGA_LITE_SCHEMA);
  assertEquals(spec.config.font, "DejaVu Sans");
  assertEquals(spec.data.values.length, 2 * 2 * 2);
  assert(spec.data.values.every((v) => v.kind === "model"));
  const first = spec.data.values.find((v) =>
    v.cell === "Deep" && v.method === "DTD" && v.dataset === "MNIST-MAJ"
  )!;
  assertAlmostEquals(first.mean as number, 0.66, 1e-12);
  assert((first.ci_lo as number) < 0.66 && (first.ci_hi as number) > 0.66);
  const dash = spec.spec.layer.find((l) => l.encoding.strokeDash)!.encoding.strokeDash!.scale;
  assertEquals(dash.domain, ["Shallow", "Deep"]);
  assertEquals(dash.range, [[2, 3], [1, 0]]);
  assertThrows(
    () => cosineChartSpec(syntheticAggregate(), { baseline: "rlstm" }),
    FigureSpecError,
    "baseline rlstm has no rows",
  );
});

Deno.test("the cosine chart dodges every cell's interval and draws the chance levels", async () => {
  const chance = [
    { dataset: "mnist-maj", label: "uniform relevance", value: 0.8165 },
    { dataset: "mnist-maj", label: "random relevance", value: 0.4714 },
  ];
  const spec = cosineChartSpec(syntheticAggregate(), { baseline: "shallow", chance });
  const values = (spec as unknown as { data: { values: Record<string, unknown>[] } }).data.values;
  const models = values.filter((v) => v.kind === "model");
  for (const dataset of ["MNIST-MAJ", "FashionMNIST-MAJ"]) {
    for (const method of ["SA", "DTD"]) {
      const xs = models.filter((v) => v.dataset === dataset && v.method === method)
        .map((v) => v.x as number);
      assertEquals(xs.length, 2);
      assertEquals(new Set(xs).size, 2, `${dataset} ${method}: two cells at the same x`);
    }
  }
  const lines = values.filter((v) => v.kind === "chance");
  assertEquals(lines.map((v) => [v.dataset, v.level]), [["MNIST-MAJ", 0.8165], [
    "MNIST-MAJ",
    0.4714,
  ]]);
  const fig = await chartFigure(spec);
  assertStringIncludes(fig.svg, "uniform relevance");
  assertStringIncludes(fig.svg, "random relevance");
});

Deno.test("a method a cell was not explained with breaks its line instead of bridging it", async () => {
  const rows = [
    ["deep", "sa", 0.5],
    ["deep", "dtd", 0.7],
    ["lstm", "sa", 0.55],
    ["lstm", "lrp-epsilon", 0.75],
  ] as const;
  const agg = pl.DataFrame({
    dataset: rows.map(() => "mnist-maj"),
    cell: rows.map((r) => r[0]),
    method: rows.map((r) => r[1]),
    metric: rows.map(() => "cosine"),
    mean: rows.map((r) => r[2]),
    ci_lo: rows.map((r) => r[2] - 0.05),
    ci_hi: rows.map((r) => r[2] + 0.05),
  });
  const spec = cosineChartSpec(agg, { baseline: "deep" }) as unknown as {
    data: { values: Record<string, unknown>[] };
    spec: { layer: { mark: { type: string }; transform: { filter: string }[] }[] };
  };
  const gaps = spec.data.values.filter((v) => v.mean === null).map((v) => `${v.cell} ${v.method}`);
  assertEquals(gaps.sort(), ["Deep LRP-ε", "LSTM DTD"]);
  const line = spec.spec.layer.find((l) => l.mark.type === "line")!;
  assert(!line.transform[0].filter.includes("isValid"), "the line keeps the gaps");
  const points = spec.spec.layer.find((l) => l.mark.type === "point")!;
  assertStringIncludes(points.transform[0].filter, "isValid(datum.mean)");
  const fig = await chartFigure(spec as unknown as VegaLiteSpec);
  assertStringIncludes(fig.svg, "LRP-ε");
});

Deno.test("the distribution chart has one point per series and step", async () => {
  const spec = distributionChartSpec([
    { dataset: "mnist", series: "pixels", shares: [0.2, 0.5, 0.3] },
    { dataset: "mnist", series: "Shallow · DTD", shares: [0, 0.1, 0.9] },
  ]);
  const values = (spec as unknown as { data: { values: { step: number; share: number }[] } }).data
    .values;
  assertEquals(values.map((v) => v.step), [1, 2, 3, 1, 2, 3]);
  assertEquals(values[5].share, 0.9);
  const fig = await chartFigure(spec);
  assertStringIncludes(fig.svg, "Time step t");
  assertStringIncludes(fig.svg, "Mean share of positive relevance");
  assertStringIncludes(fig.svg, "uniform or random relevance: 1/3");
  assertEquals(fig.svg.match(/uniform or random relevance/g)?.length, 1, "one label per panel");
});

Deno.test("the percentage-vs-cosine chart uses the thesis reference values", () => {
  const spec = percentageCosineChartSpec(FIG_3_10_EXAMPLES) as unknown as {
    data: { values: { example: string; measure: string; value: number }[] };
  };
  const cos = spec.data.values.filter((v) => v.measure === "Cosine similarity").map((v) => v.value);
  const expected = [0.780869, 0.917663, 1, 0.174078, 0, 0.078087];
  cos.forEach((c, i) => assertAlmostEquals(c, expected[i], 1e-6));
  const pct = spec.data.values.filter((v) => v.measure !== "Cosine similarity").map((v) => v.value);
  pct.forEach((p, i) => assertAlmostEquals(p, [1, 0.8, 1, 0.2, 0, 0.1][i], 1e-12));
});

Deno.test("the percentage-vs-cosine chart draws the reference levels it is given", async () => {
  const levels = [{ label: "uniform relevance: cosine 0.816", value: 0.8165 }];
  const spec = percentageCosineChartSpec(FIG_3_10_EXAMPLES, { levels }) as unknown as {
    layer: { mark: { type: string }; data?: { values: unknown[] } }[];
  };
  const rules = spec.layer.filter((l) => l.mark.type === "rule");
  assertEquals(rules.map((r) => r.data?.values), [levels]);
  const fig = await chartFigure(spec as unknown as Parameters<typeof chartFigure>[0]);
  assertStringIncludes(fig.svg, "uniform relevance: cosine 0.816");
});

Deno.test("the accuracy chart carries the threshold of each dataset", async () => {
  assertEquals([
    accuracyThreshold("mnist-maj"),
    accuracyThreshold("fashion-mnist"),
    accuracyThreshold("x"),
  ], [0.98, 0.85, null]);
  const summary = pl.DataFrame({
    dataset: ["mnist-maj", "fashion-mnist-maj"],
    cell: ["deep", "deep"],
    mean: [0.984, 0.913],
    ci_lo: [0.982, 0.91],
    ci_hi: [0.986, 0.916],
  });
  const spec = accuracyChartSpec(summary);
  const values = (spec as unknown as { data: { values: { threshold: number }[] } }).data.values;
  assertEquals(values.map((v) => v.threshold), [0.98, 0.85]);
  const custom = accuracyChartSpec(summary, { thresholds: { "mnist-maj": 0.99 } }) as unknown as {
    data: { values: { threshold: number | null }[] };
  };
  assertEquals(custom.data.values.map((v) => v.threshold), [0.99, null]);
  const fig = await chartFigure(spec);
  assertStringIncludes(fig.svg, "Accuracy (mean over folds)");
  assertEquals(Array.from(fig.png.slice(0, 8)), PNG_MAGIC);
});

Deno.test("chartFigure refuses specs of another Vega-Lite version", async () => {
  await assertRejects(
    () =>
      chartFigure({
        $schema: "https://vega.github.io/schema/vega-lite/v6.json",
        mark: "point",
      } as never),
    FigureSpecError,
    "Vega-Lite v5",
  );
});
