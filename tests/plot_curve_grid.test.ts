import { assertEquals, assertStringIncludes, assertThrows } from "@std/assert";
import { chartFigure, curveGridChartSpec, FigureSpecError } from "../lib/plot/mod.ts";

Deno.test("the curve grid draws references grey and dashed after the methods, and renders its titles", async () => {
  const points = ["random order", "DTD", "GB"].flatMap((series, i) =>
    [0, 1, 2].map((x) => ({ row: "MNIST-MAJ · MoRF", column: "Deep", series, x, y: 3 - x * i }))
  );
  const spec = curveGridChartSpec(points, {
    xTitle: "time steps removed",
    yTitle: "true-class logit",
    references: ["random order"],
  }) as unknown as {
    spec: {
      encoding: {
        color: { scale: { domain: string[]; range: string[] } };
        strokeDash: { scale: { range: number[][] } };
      };
    };
  };
  const color = spec.spec.encoding.color.scale;
  assertEquals(color.domain, ["DTD", "GB", "random order"]);
  assertEquals(color.range[2], "#444444");
  assertEquals(spec.spec.encoding.strokeDash.scale.range, [[1, 0], [1, 0], [5, 3]]);
  const fig = await chartFigure(spec as never);
  assertStringIncludes(fig.svg, "time steps removed");
  assertStringIncludes(fig.svg, "true-class logit");
  assertThrows(() => curveGridChartSpec([], { xTitle: "x", yTitle: "y" }), FigureSpecError);
});
