/**
 * Showing a claims report: in a notebook as one display whose HTML styles
 * every verdict by its outcome (with an anchor `claim-<id>` per claim), whose
 * Markdown and text read the same, and which carries the outcomes as JSON
 * ({@link CLAIMS_MIME}) so that a report can gather every verdict from the
 * executed notebooks; on the console as Markdown.
 *
 * @module
 */
import { jupyterDisplay, type MimeBundle } from "../plot/mod.ts";
import { escapeHtml } from "../train/mod.ts";
import { type ClaimOutcome, partialLead, type Verdict, VERDICT_WORD } from "./claim.ts";
import type { ClaimsReport } from "./claims.ts";
import { settleDisplays } from "./settle.ts";

/** MIME type of the outcomes in a claims display. */
export const CLAIMS_MIME = "application/vnd.rnnx.claims+json";

/** Badge colours (text, background) per verdict. */
export const VERDICT_COLORS: Readonly<Record<Verdict, readonly [string, string]>> = {
  "holds": ["#0b5e2a", "#d5f2df"],
  "does not hold": ["#8a1c1c", "#fadcdc"],
  "undecided": ["#5c4a00", "#fbefc4"],
};

/** The HTML element id of a claim's verdict. */
export function claimAnchor(id: string): string {
  return `claim-${id}`;
}

/** The CSS class of a verdict, e.g. `verdict-does-not-hold`. */
export function verdictClass(verdict: Verdict): string {
  return `verdict-${verdict.replaceAll(" ", "-")}`;
}

/** A verdict badge with inline colours (readable without the report's style sheet). */
export function verdictBadge(verdict: Verdict): string {
  const [fg, bg] = VERDICT_COLORS[verdict];
  return `<span class="verdict ${verdictClass(verdict)}" style="color:${fg};background:${bg};` +
    `padding:0 0.4em;border-radius:3px;font-weight:bold">${VERDICT_WORD[verdict]}</span>`;
}

function outcomeHtml(o: ClaimOutcome): string {
  const detail = o.sentence.slice(VERDICT_WORD[o.verdict].length + 1).trim();
  const aside = o.unconsidered
    ? `<div class="unconsidered" style="color:#555;font-size:0.9em">On these models the ` +
      `numbers say: ${escapeHtml(o.unconsidered)}</div>`
    : "";
  const partial = o.partial
    ? `<div class="partial" style="color:#555;font-size:0.9em">${
      escapeHtml(`${partialLead(o.partial)} ${o.partial.sentence}`)
    }</div>`
    : "";
  return `<li id="${claimAnchor(o.id)}" class="claim ${verdictClass(o.verdict)}" ` +
    `style="margin:0.4em 0">${verdictBadge(o.verdict)} <em>${escapeHtml(o.where)}</em> — ` +
    `“${escapeHtml(o.claim)}”. ${escapeHtml(detail)}${aside}${partial}</li>`;
}

/**
 * The MIME bundle of a claims report: styled HTML, Markdown, text and the
 * outcomes as JSON.
 *
 * @example
 * ```ts
 * import { claimsBundle, CLAIMS_MIME } from "./show_claims.ts";
 * import { claimsReport } from "./claims.ts";
 * const b = claimsBundle(claimsReport("3.3", {}));
 * if (!(CLAIMS_MIME in b) || !String(b["text/html"]).includes("verdict-undecided")) throw new Error();
 * ```
 */
export function claimsBundle(report: ClaimsReport): MimeBundle {
  const html = `<div class="rnnx-claims"><p><strong>Does the thesis's claim hold in this ` +
    `run?</strong></p><ul style="list-style:none;padding-left:0">${
      report.outcomes.map(outcomeHtml).join("")
    }</ul></div>`;
  return {
    "text/html": html,
    "text/markdown": report.markdown,
    "text/plain": report.markdown,
    [CLAIMS_MIME]: { outcomes: report.outcomes },
  };
}

/** Shows the report: one styled line per claim with its verdict and numbers. */
export async function showClaims(report: ClaimsReport): Promise<void> {
  const display = jupyterDisplay();
  if (!display) {
    console.log(report.markdown);
    return;
  }
  await display(claimsBundle(report), { raw: true });
  await settleDisplays();
}
