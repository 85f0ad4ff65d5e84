/// <reference lib="dom" />
/**
 * The whole report as one PDF, printed by headless Chromium (through
 * playwright-core): the front page first, then every notebook page, the
 * tables and the figures, each starting on a new page, with page numbers in
 * the footer. Chromium embeds the fonts it uses (DejaVu Sans) and keeps the
 * text extractable. Links between the report's pages become links within the
 * PDF; links to other local files (figures, data) keep their text but lose
 * their target, since Chromium would write the printing machine's paths and a
 * PDF handed on has no folder beside it.
 *
 * @module
 */
import { chromium } from "playwright-core";
import { pathToFileURL } from "node:url";
import { writeFileAtomic } from "../data/mod.ts";
import { page } from "./pages.ts";

/** Where Chromium is looked for: `CHROMIUM_PATH`, else Debian's `/usr/bin/chromium`. */
export function chromiumPath(): string {
  return Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";
}

/** Flags for a headless, sandbox-free, offline Chromium. */
export const CHROMIUM_FLAGS: readonly string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** One printable document of page bodies, each on its own pages. */
export function printDocument(title: string, bodies: readonly string[]): string {
  return page(
    title,
    "",
    bodies.map((b, i) => `<div class="${i === 0 ? "first" : "page"}">${b}</div>`).join("\n"),
  );
}

const FOOTER = `<div style="font-family: 'DejaVu Sans', sans-serif; font-size: 8px; width: 100%; ` +
  `text-align: center; color: #555;"><span class="pageNumber"></span> / ` +
  `<span class="totalPages"></span></div>`;

/**
 * In the page to print: a link to a local file whose fragment names an element of
 * this document points at that element; any other link to a local file loses its
 * target.
 */
function linksWithinDocument(): void {
  for (const a of document.querySelectorAll<HTMLAnchorElement>("a[href]")) {
    const url = new URL(a.href);
    if (url.protocol !== "file:") continue;
    const id = decodeURIComponent(url.hash.slice(1));
    if (id !== "" && document.getElementById(id) !== null) a.setAttribute("href", `#${id}`);
    else a.removeAttribute("href");
  }
}

/**
 * Prints `htmlFile` (a file whose relative links resolve from its folder) to
 * `pdfFile` (A4, backgrounds, page numbers), written atomically.
 */
export async function printPdf(htmlFile: string, pdfFile: string): Promise<void> {
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: [...CHROMIUM_FLAGS],
  });
  try {
    const tab = await browser.newPage();
    await tab.goto(pathToFileURL(htmlFile).href, { waitUntil: "load" });
    await tab.evaluate(linksWithinDocument);
    const pdf = await tab.pdf({
      format: "A4",
      printBackground: true,
      displayHeaderFooter: true,
      headerTemplate: "<span></span>",
      footerTemplate: FOOTER,
      margin: { top: "14mm", bottom: "16mm", left: "12mm", right: "12mm" },
    });
    await writeFileAtomic(pdfFile, new Uint8Array(pdf));
  } finally {
    await browser.close();
  }
}
