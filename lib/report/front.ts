/**
 * The report's front page, which answers the advisor's question on one
 * screen: every claim of the thesis with its verdict and its reason in one
 * line, grouped by experiment, with the counts and a link to the section that
 * decides it. Below: one accuracy table over every model (thesis, this run,
 * gap, the minimum, epochs), the profile in plain words, the provenance and
 * the contents.
 *
 * @module
 */
import {
  type AccuracyRecord,
  claimAnchor,
  type ClaimOutcome,
  NO_THESIS_NUMBER,
  type Verdict,
  verdictBadge,
  VERDICTS,
} from "../experiments/mod.ts";
import { escapeHtml } from "../train/mod.ts";
import {
  type FigureEntry,
  header,
  type NotebookEntry,
  page,
  PAGES,
  type ReportContext,
} from "./pages.ts";
import { verdictCounts } from "./verdicts.ts";

const DATASET_LABELS: Record<string, string> = {
  "mnist": "MNIST",
  "fashion-mnist": "FashionMNIST",
  "mnist-maj": "MNIST-MAJ",
  "fashion-mnist-maj": "FashionMNIST-MAJ",
};

/**
 * The accuracy records of every accuracy table in the manifest, one per
 * (dataset, cell, T), in table order (LeNet-5, 3.4, 3.5, 3.6).
 */
export function accuracyRows(figures: readonly FigureEntry[]): AccuracyRecord[] {
  const order = ["table-lenet", "table-3.4", "table-3.5", "table-3.6"];
  const seen = new Set<string>();
  const rows: AccuracyRecord[] = [];
  const tables = figures.filter((f) => Array.isArray(f.accuracy))
    .sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
  for (const f of tables) {
    for (const r of f.accuracy as AccuracyRecord[]) {
      const key = `${r.dataset}/${r.cell}/${r.T}`;
      if (seen.has(key)) continue;
      seen.add(key);
      rows.push(r);
    }
  }
  return rows;
}

/** The combined accuracy table as records (for the page, CSV and Markdown). */
export function accuracyRecords(rows: readonly AccuracyRecord[]): Record<string, unknown>[] {
  return rows.map((r) => ({
    "Model": r.model,
    "Dataset": DATASET_LABELS[r.dataset] ?? r.dataset,
    "Thesis table": r.table === "2.3" ? "§2.3" : r.table,
    "thesis (%)": r.thesis ?? NO_THESIS_NUMBER,
    "this run (%)": r.run,
    "gap (pp)": r.thesis === null ? NO_THESIS_NUMBER : r.gap,
    "minimum (%)": r.minimum,
    "meets minimum": r.run === null ? "not trained" : r.run >= r.minimum ? "yes" : "no",
    "epochs (thesis 100)": r.epochs,
    "stopped by": r.run === null ? null : r.stop ?? "all epochs",
    "folds": r.folds,
  }));
}

function fixed(v: unknown, digits: number): string {
  return typeof v === "number" ? v.toFixed(digits) : v === null || v === undefined ? "" : String(v);
}

function accuracyHtml(rows: readonly AccuracyRecord[]): string {
  const records = accuracyRecords(rows);
  if (records.length === 0) return "<p>No accuracy table has been saved yet.</p>";
  const columns = Object.keys(records[0]);
  const numeric = new Set(["thesis (%)", "this run (%)", "gap (pp)", "minimum (%)"]);
  const body = records.map((r) =>
    `<tr${r["meets minimum"] === "no" ? ' class="below"' : ""}>${
      columns.map((c) => {
        const v = r[c];
        const text = numeric.has(c) ? fixed(v, 2) : fixed(v, 0);
        const cls = typeof v === "number" ? ' class="num"' : "";
        const mark = c === "meets minimum" && v === "no"
          ? ` class="verdict verdict-does-not-hold"`
          : cls;
        return `<td${mark}>${escapeHtml(text)}</td>`;
      }).join("")
    }</tr>`
  ).join("\n");
  return `<div class="scroll"><table class="accuracy"><thead><tr>${
    columns.map((c) => `<th>${escapeHtml(c)}</th>`).join("")
  }</tr></thead><tbody>${body}</tbody></table></div>`;
}

function countsHtml(counts: Record<Verdict, number>, total: number): string {
  return `<p class="counts">${
    VERDICTS.map((v) =>
      verdictBadge(v).replace(
        />([^<]+)<\/span>$/,
        `>$1: <span class="count">${counts[v]}</span></span>`,
      )
    ).join(" ")
  } of <strong class="total">${total}</strong> claims</p>`;
}

function reason(o: ClaimOutcome): string {
  return o.sentence.replace(/^[^:]+:\s*/, "");
}

function verdictRows(n: NotebookEntry): string {
  const counts = verdictCounts(n.outcomes);
  const summary = VERDICTS.filter((v) => counts[v] > 0).map((v) => `${counts[v]} ${v}`).join(", ");
  const head = `<tr class="group"><th colspan="5"><a href="${n.page}">${
    escapeHtml(n.title)
  }</a> — ${n.outcomes.length} claim${n.outcomes.length === 1 ? "" : "s"}: ${
    escapeHtml(summary)
  }</th></tr>`;
  const rows = n.outcomes.map((o) =>
    `<tr class="claim-row" data-verdict="${o.verdict}"><td>${verdictBadge(o.verdict)}</td>` +
    `<td>${escapeHtml(o.where)}</td>` +
    `<td title="${escapeHtml(o.claim)}">${escapeHtml(o.claim)}</td>` +
    `<td title="${escapeHtml(reason(o))}">${escapeHtml(reason(o))}</td>` +
    `<td><a href="${n.page}#${
      claimAnchor(o.id)
    }" title="the section that decides it">→</a></td></tr>`
  );
  return [head, ...rows].join("\n");
}

/** Everything the front page shows. */
export interface FrontPageInput {
  /** Page context (profile, provenance, notebooks). */
  ctx: ReportContext;
  /** The profile in plain words. */
  profileWords: string;
  /** Every figure and table of the manifest. */
  figures: FigureEntry[];
  /** The figures folder relative to the report folder. */
  figuresHref: string;
}

/** The front page's content. */
export function frontBody(input: FrontPageInput): string {
  const { ctx, figures, figuresHref } = input;
  const outcomes = ctx.notebooks.flatMap((n) => n.outcomes);
  const counts = verdictCounts(outcomes);
  const withClaims = ctx.notebooks.filter((n) => n.outcomes.length > 0);
  const accuracy = accuracyRows(figures);
  const p = ctx.provenance;
  const notebookRows = ctx.notebooks.map((n) =>
    `<tr><td><a href="${n.page}">${escapeHtml(n.title)}</a></td><td>${
      escapeHtml(n.notebook)
    }</td><td class="num">${n.seconds.toFixed(0)} s</td></tr>`
  ).join("\n");
  const body = `
<h1>Designing Recurrent Neural Networks for Explainability — reproduction report</h1>
<section id="verdicts">
<h2>Does each claim of the thesis hold in this run?</h2>
${countsHtml(counts, outcomes.length)}${
    outcomes.length === 0
      ? `<p class="no-verdicts">The executed notebooks carry no verdicts yet (they were executed
before verdicts were recorded with them); <code>deno task report</code> executes them again.</p>`
      : ""
  }
<table class="verdicts"><colgroup><col class="v"><col class="w"><col class="c"><col><col class="l"></colgroup>
<thead><tr><th>Verdict</th><th>Where</th><th>Claim</th><th>Reason</th><th></th></tr></thead>
<tbody>
${withClaims.map(verdictRows).join("\n")}
</tbody></table>
<p>“Undecided” means that the numbers cannot decide the claim in this run: a model it rests on is
below the thesis's minimum accuracy (Table 3.2) or lacks some of its folds, too few folds, or numbers
missing. Hover a line
for its full text; the arrow opens the section that decides it.</p>
</section>
<section id="accuracy">
<h2>Accuracy of every model</h2>
<p>Test accuracy (%) of every trained model beside the thesis's; gap = this run − thesis in
percentage points; a model is considered only when it meets the Table 3.2 minimum (98 % MNIST,
85 % FashionMNIST). MAJ accuracies are means over the folds.${
    accuracy.length
      ? ` Download: <a href="${figuresHref}/table-accuracy.csv">CSV</a> ·
<a href="${figuresHref}/table-accuracy.md">Markdown</a>.`
      : ""
  }</p>
${accuracyHtml(accuracy)}
</section>
<section id="profile">
<h2>How far the numbers can be trusted</h2>
<p>${escapeHtml(input.profileWords)}</p>
</section>
<section id="provenance">
<h2>Provenance</h2>
<table><tbody>
<tr><th>Commit</th><td>${escapeHtml(p.commit)}</td></tr>
<tr><th>Working tree</th><td>${escapeHtml(p.tree)}</td></tr>
<tr><th>Date</th><td>${escapeHtml(p.date)}</td></tr>
<tr><th>Backend</th><td>${escapeHtml(p.backend)}</td></tr>
<tr><th>Machine</th><td>${escapeHtml(p.machine)}</td></tr>
<tr><th>Profile</th><td>${escapeHtml(ctx.profile)}</td></tr>
</tbody></table>
</section>
<section id="contents">
<h2>Contents</h2>
<table><thead><tr><th>Notebook</th><th>File</th><th class="num">Run time</th></tr></thead>
<tbody>${notebookRows}</tbody></table>
<p><a href="${PAGES.tables}">All tables</a> (HTML, with CSV and Markdown) ·
<a href="${PAGES.gallery}">All figures</a> (with the thesis's captions) ·
<a href="${PAGES.pdf}">The whole report as PDF</a></p>
</section>`;
  return body;
}

/** The front page. */
export function frontPage(input: FrontPageInput): string {
  return page(
    "rnn-explain report",
    header(input.ctx, "rnn-explain reproduction report"),
    frontBody(input),
    "front",
  );
}
