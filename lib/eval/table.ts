/**
 * Rendering of result tables (Polars DataFrames or arrays of records) as
 * Markdown and HTML (numbers rounded for reading) and CSV (full precision).
 * Nulls render as empty cells, NaN as "NaN".
 *
 * @module
 */
import pl from "nodejs-polars";
import type { DataFrame } from "nodejs-polars";

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

function formatCell(value: unknown, digits: number): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") {
    if (Number.isNaN(value)) return "NaN";
    if (Number.isInteger(value) || !Number.isFinite(value)) return String(value);
    return value.toFixed(digits);
  }
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return `[${value.map((v) => formatCell(v, digits)).join(", ")}]`;
  return String(value);
}

function rowsOf(table: TableLike): { columns: string[]; rows: Record<string, unknown>[] } {
  const df = asDataFrame(table);
  return { columns: df.columns, rows: df.toRecords() as Record<string, unknown>[] };
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
  const digits = options.digits ?? 4;
  const { columns, rows } = rowsOf(table);
  const esc = (s: string) => s.replaceAll("|", "\\|").replaceAll("\n", " ");
  const lines = [
    `| ${columns.map(esc).join(" | ")} |`,
    `| ${columns.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${columns.map((c) => esc(formatCell(r[c], digits))).join(" | ")} |`),
  ];
  return lines.join("\n") + "\n";
}

/** CSV with a header row, full-precision numbers (written by Polars). */
export function toCsv(table: TableLike): string {
  const df = asDataFrame(table);
  if (df.width === 0) return "";
  return new TextDecoder().decode(df.writeCSV());
}

function escapeHtml(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}

/** An HTML `<table>` string (for notebooks and reports). */
export function toHtml(table: TableLike, options: TableFormatOptions = {}): string {
  const digits = options.digits ?? 4;
  const { columns, rows } = rowsOf(table);
  const head = columns.map((c) => `<th>${escapeHtml(c)}</th>`).join("");
  const body = rows.map((r) =>
    `<tr>${
      columns.map((c) => {
        const v = r[c];
        const align = typeof v === "number" ? ' style="text-align:right"' : "";
        return `<td${align}>${escapeHtml(formatCell(v, digits))}</td>`;
      }).join("")
    }</tr>`
  ).join("\n");
  return `<table>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}
