/**
 * Rendering of result tables (Polars DataFrames or arrays of records) as
 * Markdown and HTML (numbers rounded for reading) and CSV (full precision).
 * Nulls render as empty cells, NaN as "NaN".
 *
 * @module
 */
import pl from "nodejs-polars";
import type { DataFrame } from "nodejs-polars";
import { escapeHtml } from "../train/mod.ts";

/** A table: a DataFrame or an array of flat records. */
export type TableLike = DataFrame | readonly Record<string, unknown>[];

/** Options of the rendering helpers. */
export interface TableFormatOptions {
  /** Decimals for non-integer numbers in Markdown and HTML; default 4. */
  digits?: number;
}

/** Converts a {@link TableLike} to a DataFrame. */
export function asDataFrame(table: TableLike): DataFrame {
  if (Array.isArray(table)) {
    return table.length ? pl.readRecords(table as Record<string, unknown>[]) : pl.DataFrame({});
  }
  return table as DataFrame;
}

/**
 * Formats one cell. `digits` applies to every number of a column that holds
 * any fractional number (so 90 prints as 90.00 beside 89.81); columns of whole
 * numbers print as they are.
 */
function formatCell(value: unknown, digits: number | null): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") {
    if (Number.isNaN(value)) return "NaN";
    if (digits === null || !Number.isFinite(value)) return String(value);
    return value.toFixed(digits);
  }
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return `[${value.map((v) => formatCell(v, digits)).join(", ")}]`;
  return String(value);
}

function rowsOf(
  table: TableLike,
  digits: number,
): { columns: string[]; rows: Record<string, unknown>[]; digitsOf: (c: string) => number | null } {
  const df = asDataFrame(table);
  const rows = df.toRecords() as Record<string, unknown>[];
  const fractional = new Set(
    df.columns.filter((c) =>
      rows.some((r) => {
        const v = r[c];
        return typeof v === "number" && Number.isFinite(v) && !Number.isInteger(v);
      })
    ),
  );
  return { columns: df.columns, rows, digitsOf: (c) => (fractional.has(c) ? digits : null) };
}

/**
 * A GitHub-flavoured Markdown table.
 *
 * @example
 * ```ts
 * import { toMarkdown } from "./table.ts";
 * const md = toMarkdown([{ cell: "deep", mean: 0.81234 }], { digits: 2 });
 * if (!md.includes("| deep | 0.81 |")) throw new Error(md);
 * ```
 */
export function toMarkdown(table: TableLike, options: TableFormatOptions = {}): string {
  const { columns, rows, digitsOf } = rowsOf(table, options.digits ?? 4);
  const esc = (s: string) => s.replaceAll("|", "\\|").replaceAll("\n", " ");
  const lines = [
    `| ${columns.map(esc).join(" | ")} |`,
    `| ${columns.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${columns.map((c) => esc(formatCell(r[c], digitsOf(c)))).join(" | ")} |`),
  ];
  return lines.join("\n") + "\n";
}

/** CSV with a header row, full-precision numbers (written by Polars). */
export function toCsv(table: TableLike): string {
  const df = asDataFrame(table);
  if (df.width === 0) return "";
  return new TextDecoder().decode(df.writeCSV());
}

/** An HTML `<table>` string (for notebooks and reports). */
export function toHtml(table: TableLike, options: TableFormatOptions = {}): string {
  const { columns, rows, digitsOf } = rowsOf(table, options.digits ?? 4);
  const head = columns.map((c) => `<th>${escapeHtml(c)}</th>`).join("");
  const body = rows.map((r) =>
    `<tr>${
      columns.map((c) => {
        const v = r[c];
        const align = typeof v === "number" ? ' style="text-align:right"' : "";
        return `<td${align}>${escapeHtml(formatCell(v, digitsOf(c)))}</td>`;
      }).join("")
    }</tr>`
  ).join("\n");
  return `<table>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}
