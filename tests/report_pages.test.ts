import { assert, assertEquals, assertStringIncludes, assertThrows } from "@std/assert";
import { toMarkdown } from "../lib/eval/mod.ts";
import {
  type ClaimOutcome,
  CLAIMS_MIME,
  claimsBundle,
  claimsReport,
} from "../lib/experiments/mod.ts";
import {
  accuracyRows,
  displayName,
  type FigureEntry,
  frontPage,
  headings,
  markdownCells,
  markdownTableToHtml,
  type NotebookEntry,
  notebookOutcomes,
  notebookPage,
  profileInWords,
  type ReportContext,
  tableOfContents,
  verdictCounts,
} from "../lib/report/mod.ts";
import { CONVERGED, FULL, QUICK, SMOKE } from "../lib/train/mod.ts";

const PROVENANCE = {
  commit: "abc1234",
  tree: "clean",
  date: "2026-12-02",
  backend: "wasm",
  machine: "linux x86_64, 2 logical cores, Deno 2.9.6",
};

function outcome(id: string, verdict: ClaimOutcome["verdict"]): ClaimOutcome {
  const word = { "holds": "Holds", "does not hold": "Does not hold", "undecided": "Undecided" };
  return {
    id,
    section: "3.3",
    where: "Fig 3.12",
    claim: `claim ${id}`,
    verdict,
    sentence: `${word[verdict]}: reason of ${id}.`,
    evidence: {},
  };
}

function entry(n: number, outcomes: ClaimOutcome[]): NotebookEntry {
  return {
    notebook: `0${n}-part.ipynb`,
    page: `0${n}-part.html`,
    title: `Part ${n}`,
    seconds: 10 * n,
    outcomes,
  };
}

Deno.test("a Markdown table from toMarkdown becomes the same HTML table", () => {
  const md = toMarkdown([
    { model: "Deep | SD", acc: 98.16, flag: "" },
    { model: "Shallow", acc: 97.5, flag: "MNIST 97.50% < 98%" },
  ], { digits: 2 });
  const html = markdownTableToHtml(md);
  assertStringIncludes(html, "<th>model</th><th>acc</th><th>flag</th>");
  assertStringIncludes(html, "<td>Deep | SD</td>");
  assertStringIncludes(html, '<td class="num">97.50</td>');
  assertStringIncludes(html, "<td>MNIST 97.50% &lt; 98%</td>");
  assertEquals(html.match(/<tr>/g)?.length, 3);
  assertEquals(markdownCells("| a \\| b | c |"), ["a | b", "c"]);
  assertThrows(() => markdownTableToHtml("no table"), Error, "no Markdown table");
});

Deno.test("notebook outcomes are read from the claims displays and counted", () => {
  const report = claimsReport("3.3", {});
  const nb = {
    cells: [
      { cell_type: "markdown" },
      { cell_type: "code", outputs: [{ data: { "text/plain": "x" } }] },
      { cell_type: "code", outputs: [{ data: claimsBundle(report) }] },
    ],
  };
  const found = notebookOutcomes(nb);
  assertEquals(found.map((o) => o.id), report.outcomes.map((o) => o.id));
  assertEquals(verdictCounts(found), {
    "holds": 0,
    "does not hold": 0,
    "undecided": report.outcomes.length,
  });
  assert(CLAIMS_MIME in claimsBundle(report));
});

Deno.test("the front page shows every verdict with counts, links and the accuracy table", () => {
  const notebooks = [
    entry(0, []),
    entry(1, [outcome("a", "holds"), outcome("b", "undecided")]),
    entry(2, [outcome("c", "does not hold"), outcome("d", "undecided")]),
  ];
  const ctx: ReportContext = { profile: "quick", provenance: PROVENANCE, notebooks };
  const record = (table: string, cell: string, run: number | null) => ({
    table,
    dataset: "mnist-maj",
    cell,
    T: 12,
    model: cell,
    thesis: 98.16,
    run,
    gap: run === null ? null : Math.round((run - 98.16) * 100) / 100,
    minimum: 98,
    epochs: 3,
    folds: 2,
  });
  const figures: FigureEntry[] = [
    { name: "table-3.6", files: [], kind: "table", accuracy: [record("3.6", "deep", 90)] },
    {
      name: "table-3.5",
      files: [],
      kind: "table",
      accuracy: [record("3.5", "deep", 90), record("3.5", "shallow", 99)],
    },
  ];
  assertEquals(accuracyRows(figures).map((r) => `${r.table}/${r.cell}`), [
    "3.5/deep",
    "3.5/shallow",
  ]);
  const html = frontPage({ ctx, profileWords: profileInWords(QUICK), figures, figuresHref: "f" });
  assertEquals(html.match(/class="claim-row"/g)?.length, 4);
  assertStringIncludes(html, 'href="01-part.html#claim-a"');
  assertStringIncludes(html, 'href="02-part.html#claim-d"');
  assertStringIncludes(html, '<span class="count">1</span>'); // holds
  assertStringIncludes(html, '<span class="count">2</span>'); // undecided
  assertStringIncludes(html, '<strong class="total">4</strong>');
  assertStringIncludes(html, "reason of c.");
  assertStringIncludes(html, "-8.16");
  assertStringIncludes(html, "abc1234");
  assertStringIncludes(html, "linux x86_64");
  assert(!html.includes("Part 0</a> —"), "a notebook without claims got a verdict group");
});

Deno.test("a notebook page has a table of contents and previous/next links", () => {
  const fragment = '<h1 id="t">Title<a class="anchor-link" href="#t">&#182;</a></h1>' +
    '<h2 id="Fig-3.12">Fig 3.12: cosine &amp; more<a class="anchor-link" href="#Fig-3.12">&#182;</a></h2>' +
    '<h2 id="Claims">Do the claims hold?<a class="anchor-link" href="#Claims">&#182;</a></h2>';
  assertEquals(headings(fragment), [
    { id: "Fig-3.12", text: "Fig 3.12: cosine & more" },
    { id: "Claims", text: "Do the claims hold?" },
  ]);
  assertStringIncludes(tableOfContents(fragment), '<a href="#Claims">Do the claims hold?</a>');
  const notebooks = [entry(0, []), entry(1, []), entry(2, [])];
  const ctx: ReportContext = { profile: "quick", provenance: PROVENANCE, notebooks };
  const middle = notebookPage(notebooks[1], fragment, ctx);
  assertStringIncludes(middle, '<a rel="prev" href="00-part.html">');
  assertStringIncludes(middle, '<a rel="next" href="02-part.html">');
  const last = notebookPage(notebooks[2], fragment, ctx);
  assertStringIncludes(last, '<a rel="next" href="index.html">');
});

Deno.test("the profile in plain words says how far the numbers can be trusted", () => {
  assertStringIncludes(
    profileInWords(QUICK),
    "on 20,000 of the 60,000 training images (the convolutional cells fewer) for 3 epochs",
  );
  assertStringIncludes(profileInWords(QUICK), "undecided");
  assertStringIncludes(profileInWords(SMOKE), "too wide to compare");
  assertStringIncludes(profileInWords(FULL), "the thesis's protocol");
  // early stopping: folds 1–3 of 7 trained, comparable only where a model meets the minimum
  const converged = profileInWords(CONVERGED);
  assertStringIncludes(converged, "at most 100 epochs, stopped early");
  assertStringIncludes(converged, "folds 1–3 of 7");
  assertStringIncludes(converged, "where a model meets the Table 3.2 minimum");
  assert(!converged.includes("the thesis's protocol"), converged);
  assertEquals(displayName("fig-3.12"), "Fig 3.12");
  assertEquals(displayName("table-lenet"), "Table LeNet-5 (§2.3)");
});
