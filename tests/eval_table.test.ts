import { assertEquals, assertStringIncludes } from "@std/assert";
import pl from "nodejs-polars";
import { toCsv, toHtml, toMarkdown } from "../lib/eval/mod.ts";

const df = pl.DataFrame([
  pl.Series("cell", ["deep", "r|lstm"], pl.Utf8),
  pl.Series("n_folds", [7, 1], pl.Int64),
  pl.Series("mean", [0.812345678, 0.5], pl.Float64),
  pl.Series("sd", [0.0123, null], pl.Float64),
]);

Deno.test("Markdown tables round floats, keep integers and leave nulls empty", () => {
  assertEquals(
    toMarkdown(df, { digits: 3 }),
    "| cell | n_folds | mean | sd |\n| --- | --- | --- | --- |\n" +
      "| deep | 7 | 0.812 | 0.012 |\n| r\\|lstm | 1 | 0.500 |  |\n",
  );
});

Deno.test("CSV keeps full precision and a header", () => {
  const csv = toCsv(df);
  assertEquals(csv.split("\n")[0], "cell,n_folds,mean,sd");
  assertStringIncludes(csv, "deep,7,0.812345678,0.0123");
});

Deno.test("HTML tables escape text and accept arrays of records", () => {
  const html = toHtml([{ name: "<b>&", value: 1.5 }]);
  assertStringIncludes(html, "<th>name</th><th>value</th>");
  assertStringIncludes(html, "<td>&lt;b&gt;&amp;</td>");
  assertStringIncludes(html, '<td style="text-align:right">1.5000</td>');
});

Deno.test("a column holding any fractional number prints every number with the same digits", () => {
  const md = toMarkdown([{ acc: 90, n: 1 }, { acc: 89.814, n: 2 }], { digits: 2 });
  assertStringIncludes(md, "| 90.00 | 1 |");
  assertStringIncludes(md, "| 89.81 | 2 |");
});
