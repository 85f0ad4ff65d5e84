/**
 * Rendering the Markdown tables of `figures/` (written by `toMarkdown`) as
 * HTML tables: header row, one row per line, `\|` kept as a literal bar,
 * numbers right-aligned.
 *
 * @module
 */
import { escapeHtml } from "../train/mod.ts";

/** The cells of one Markdown table line, with `\|` unescaped. */
export function markdownCells(line: string): string[] {
  const inner = line.trim().replace(/^\|/, "").replace(/\|$/, "");
  const cells: string[] = [];
  let current = "";
  for (let i = 0; i < inner.length; i++) {
    if (inner[i] === "\\" && inner[i + 1] === "|") {
      current += "|";
      i++;
    } else if (inner[i] === "|") {
      cells.push(current.trim());
      current = "";
    } else current += inner[i];
  }
  cells.push(current.trim());
  return cells;
}

const NUMBER = /^[−-]?\d[\d,]*(\.\d+)?$/;

/**
 * The first Markdown table in `markdown` as an HTML `<table>`; throws when
 * there is none.
 *
 * @example
 * ```ts
 * import { markdownTableToHtml } from "./markdown_table.ts";
 * const html = markdownTableToHtml("| a | b |\n| --- | --- |\n| x | 1.5 |\n");
 * if (!html.includes('<td class="num">1.5</td>')) throw new Error(html);
 * ```
 */
export function markdownTableToHtml(markdown: string): string {
  const lines = markdown.split("\n").filter((l) => l.trim().startsWith("|"));
  if (lines.length < 2 || !/^\|?\s*:?-{3,}/.test(lines[1].trim())) {
    throw new Error("no Markdown table (a header line and a --- line) found");
  }
  const head = markdownCells(lines[0]).map((c) => `<th>${escapeHtml(c)}</th>`).join("");
  const body = lines.slice(2).map((line) =>
    `<tr>${
      markdownCells(line).map((c) =>
        NUMBER.test(c) ? `<td class="num">${escapeHtml(c)}</td>` : `<td>${escapeHtml(c)}</td>`
      ).join("")
    }</tr>`
  ).join("\n");
  return `<table>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}
