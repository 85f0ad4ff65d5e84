/**
 * Showing a claims report in a notebook (as Markdown) or on the console.
 *
 * @module
 */
import { showTable } from "../plot/mod.ts";
import type { ClaimsReport } from "./claims.ts";
import { settleDisplays } from "./settle.ts";

/** Shows the report's Markdown: one bullet per claim with its verdict and numbers. */
export async function showClaims(report: ClaimsReport): Promise<void> {
  await showTable(report.markdown);
  await settleDisplays();
}
