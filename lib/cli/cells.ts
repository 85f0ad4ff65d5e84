/**
 * `deno task cells [--json]`: the trainable-parameter count of every cell at
 * every sequence length the thesis uses, next to the count under the
 * thesis's convention (prod(W.shape) + b.shape[0], so an R-LSTM gate bias of
 * shape [1, R] counts as one) and the number the thesis publishes.
 *
 * @module
 */
import { allCellVariants, analyseCell, buildCell, countParameters } from "../cells/mod.ts";

/** One row of the parameter table. */
export interface ParameterRow {
  /** Cell id. */
  cell: string;
  /** Sequence length. */
  T: number;
  /** True number of trainable scalars. */
  params: number;
  /** The count under the thesis's convention. */
  params_thesis: number;
}

/**
 * The counts published in the thesis (Tables 3.3, 3.5, 3.6), keyed `cell/T`,
 * shown for comparison only; they are never used to compute anything.
 */
export const PUBLISHED_COUNTS: Readonly<Record<string, number>> = {
  "shallow/1": 269322,
  "shallow/4": 184330,
  "shallow/7": 162826,
  "shallow/12": 184330,
  "deep/1": 271338,
  "deep/4": 153578,
  "deep/7": 132074,
  "deep/12": 153578,
  "deepv2/12": 161386,
  "convdeep/12": 151802,
  "deep-sd/12": 153578,
  "rlstm/12": 145701,
  "rlstm-sd/12": 145701,
  "convrlstm-sd/12": 152125,
  "conv+deep/12": 175418,
  "conv+rlstm-sd/12": 175741,
};

/** Where the computed counts and the thesis differ, and why. */
export const PARAMETER_NOTES: readonly string[] = [
  "T = 1: the thesis reports 269,322 (Shallow) and 271,338 (Deep); the cells as described " +
  "have 334,858 and 304,106. Each published number equals the full count minus the rows of " +
  "the concatenation weight that read the recurrent state (256·256 and 256·128), which never " +
  "contribute at T = 1 because the state starts at zero. The models here keep those rows.",
  "R-LSTM: the thesis text speaks of 75 cells, but its count 145,701 needs 72 cells, which " +
  "is what the cells here use (ConvR-LSTM-SD and Conv⁺R-LSTM-SD use 96).",
  "R-LSTM family: the published counts treat each [1, R] gate bias as one parameter " +
  "(params_thesis); the true trainable counts are 145,914, 152,410 and 176,026.",
];

/** The parameter counts of every (cell, T) pair the thesis uses. */
export function parameterRows(): ParameterRow[] {
  return allCellVariants().map(({ id, T }) => {
    const c = countParameters(analyseCell(buildCell(id, T)));
    return { cell: id, T, params: c.params, params_thesis: c.paramsThesis };
  });
}

function formatNumber(n: number): string {
  return n.toLocaleString("en-US");
}

/** The rows as a Markdown table with the published counts and the notes below it. */
export function parameterTable(rows: readonly ParameterRow[]): string {
  const lines = [
    "| cell | T | params | params (thesis convention) | published | matches |",
    "| --- | ---: | ---: | ---: | ---: | --- |",
  ];
  for (const r of rows) {
    const published = PUBLISHED_COUNTS[`${r.cell}/${r.T}`];
    const match = published === undefined ? "-" : published === r.params_thesis ? "yes" : "no*";
    lines.push(
      `| ${r.cell} | ${r.T} | ${formatNumber(r.params)} | ${formatNumber(r.params_thesis)} | ${
        published === undefined ? "-" : formatNumber(published)
      } | ${match} |`,
    );
  }
  lines.push("", ...PARAMETER_NOTES.map((n, i) => `${i === 0 ? "*" : "-"} ${n}`));
  return lines.join("\n");
}

if (import.meta.main) {
  const args = Deno.args;
  if (args.includes("--help") || args.includes("-h")) {
    console.log("usage: deno task cells [--json]");
    Deno.exit(0);
  }
  const unknown = args.filter((a) => a !== "--json");
  if (unknown.length > 0) {
    console.error(`unknown argument(s) ${unknown.join(" ")}; usage: deno task cells [--json]`);
    Deno.exit(2);
  }
  const rows = parameterRows();
  console.log(args.includes("--json") ? JSON.stringify(rows, null, 2) : parameterTable(rows));
}
