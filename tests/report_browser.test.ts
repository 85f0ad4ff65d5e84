/// <reference lib="dom" />
/**
 * Opens the report in headless Chromium, served on localhost, as a reader
 * would: every page loads without console errors or failed requests, every
 * image has a non-zero natural size, no page is wider than a 1280 px window,
 * the front page's counts equal the verdicts the notebooks display, every
 * table is an HTML table, every gallery image is shown at its natural size,
 * and the PDF has its pages, embedded fonts, extractable text and every
 * verdict. Screenshots of the front page and of one notebook page are kept
 * in `tests/artifacts/`. The report folder is `RNNX_REPORT_DIR` or the
 * committed `report/`; its notebooks are the executed ones beside it.
 */
import { assert, assertEquals, assertGreater, assertGreaterOrEqual } from "@std/assert";
import { chromium, type Page } from "playwright-core";
import { fileURLToPath } from "node:url";
import { existsSync } from "node:fs";
import { type ClaimOutcome, CLAIMS, CLAIMS_MIME } from "../lib/experiments/mod.ts";
import { CHROMIUM_FLAGS, notebookOutcomes, PAGES, verdictCounts } from "../lib/report/mod.ts";

const root = fileURLToPath(new URL("../", import.meta.url)).replace(/\/$/, "");
const reportDir = (Deno.env.get("RNNX_REPORT_DIR") ?? `${root}/report`).replace(/\/$/, "");
const parent = reportDir.replace(/\/[^/]+$/, "");
const notebooksDir = `${parent}/notebooks`;
const chromiumPath = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";
const ready = existsSync(`${reportDir}/index.html`) && existsSync(chromiumPath);
if (!ready) {
  console.warn(
    `report browser test skipped: needs ${reportDir}/index.html and Chromium at ${chromiumPath}`,
  );
}

const CONTENT_TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  png: "image/png",
  svg: "image/svg+xml",
  json: "application/json",
  md: "text/markdown; charset=utf-8",
  csv: "text/csv; charset=utf-8",
  pdf: "application/pdf",
  css: "text/css; charset=utf-8",
};

/** Serves the report folder's parent (so `../figures` links resolve) on a free localhost port. */
function serve(folder: string): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const path = decodeURIComponent(new URL(req.url).pathname);
    if (path.includes("..")) return new Response("bad path", { status: 400 });
    try {
      const body = await Deno.readFile(`${folder}${path}`);
      const ext = path.split(".").pop() ?? "";
      return new Response(body, {
        headers: { "content-type": CONTENT_TYPES[ext] ?? "application/octet-stream" },
      });
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
}

/** Every claim outcome the executed notebooks display, by notebook order. */
async function notebookVerdicts(): Promise<ClaimOutcome[]> {
  const names = [...Deno.readDirSync(notebooksDir)].map((e) => e.name)
    .filter((n) => n.endsWith(".ipynb")).sort();
  const out: ClaimOutcome[] = [];
  for (const name of names) {
    out.push(...notebookOutcomes(JSON.parse(await Deno.readTextFile(`${notebooksDir}/${name}`))));
  }
  return out;
}

async function run(cmd: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  assert(out.success, `${cmd} ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  return new TextDecoder().decode(out.stdout);
}

function hasCommand(cmd: string): boolean {
  try {
    new Deno.Command(cmd, { args: ["-v"], stdout: "null", stderr: "null" }).outputSync();
    return true;
  } catch {
    return false;
  }
}

async function noOverflow(page: Page, href: string): Promise<void> {
  const [scroll, inner] = await page.evaluate(() => [
    document.documentElement.scrollWidth,
    globalThis.innerWidth,
  ]);
  assert(scroll <= inner, `${href} is ${scroll} px wide in a ${inner} px window`);
}

Deno.test({
  name: "every report page loads cleanly in Chromium with all images, tables and verdicts",
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const base = reportDir.slice(parent.length + 1);
    const server = serve(parent);
    const origin = `http://127.0.0.1:${server.addr.port}`;
    const browser = await chromium.launch({
      executablePath: chromiumPath,
      args: [...CHROMIUM_FLAGS],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const problems: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error") problems.push(`console error on ${page.url()}: ${m.text()}`);
      });
      page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()}`));
      page.on("response", (r) => {
        if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
      });

      await page.goto(`${origin}/${base}/${PAGES.front}`, { waitUntil: "load" });
      await Deno.mkdir(`${root}/tests/artifacts`, { recursive: true });
      await page.screenshot({ path: `${root}/tests/artifacts/report-front.png` });

      // The front page's counts are the notebooks' verdicts.
      const verdicts = await notebookVerdicts();
      const counts = verdictCounts(verdicts);
      const shown = await page.evaluate(() => ({
        counts: [...document.querySelectorAll(".counts .verdict")].map((e) => [
          e.className.replace(/.*verdict-/, "").replaceAll("-", " "),
          Number(e.querySelector(".count")?.textContent),
        ]),
        total: Number(document.querySelector(".counts .total")?.textContent),
        rows: [...document.querySelectorAll("tr.claim-row")].map((r) =>
          r.getAttribute("data-verdict")
        ),
      }));
      assertEquals(Object.fromEntries(shown.counts), counts);
      assertEquals(shown.total, verdicts.length);
      assertEquals(shown.rows, verdicts.map((v) => v.verdict));
      if (verdicts.length > 0) {
        // every thesis claim is decided on the front page (notebook 04 adds claims of its own)
        const ids = new Set(verdicts.map((v) => v.id));
        const missing = CLAIMS.filter((c) => !ids.has(c.id)).map((c) => c.id);
        assertEquals(missing, [], "thesis claims without a verdict on the front page");
      }

      const links = await page.evaluate(() =>
        [...document.querySelectorAll("a")].map((a) => a.getAttribute("href") ?? "")
          .filter((h) => h.endsWith(".html"))
      );
      const claimLinks = await page.evaluate(() =>
        [...document.querySelectorAll("tr.claim-row a")].map((a) => a.getAttribute("href") ?? "")
      );
      assertEquals(claimLinks.length, verdicts.length);
      const anchors = new Set<string>();
      const notebookPages = [...new Set(links)].filter((h) => /^\d\d-/.test(h));
      assertGreater(notebookPages.length, 0, "the front page links no notebook page");
      const pages = [PAGES.front, PAGES.tables, PAGES.gallery, ...notebookPages];
      for (const href of pages) {
        await page.goto(`${origin}/${base}/${href}`, { waitUntil: "load" });
        const images = await page.evaluate(() =>
          [...document.images].map((i) => ({ src: i.src.slice(0, 80), w: i.naturalWidth }))
        );
        for (const img of images) {
          assert(img.w > 0, `${href}: image ${img.src} has zero natural width`);
        }
        await noOverflow(page, href);
        // Every download and figure link of the page leads to a file.
        const files = await page.evaluate(() =>
          [...document.querySelectorAll("a[href]")].map((a) => (a as HTMLAnchorElement).href)
            .filter((h) => h.startsWith(location.origin) && !/\.html(#.*)?$/.test(h))
        );
        for (const url of new Set(files)) {
          const response = await fetch(url);
          await response.body?.cancel();
          assertEquals(response.status, 200, `${href} links to missing ${url}`);
        }
        if (notebookPages.includes(href)) {
          const figures = await page.evaluate(() =>
            document.images.length + document.querySelectorAll("svg").length
          );
          assertGreater(figures, 0, `${href} shows no figure or chart`);
          const nav = await page.evaluate(() => ({
            toc: document.querySelectorAll("nav.toc a").length,
            prev: document.querySelectorAll("nav.pager a[rel=prev]").length,
            next: document.querySelectorAll("nav.pager a[rel=next]").length,
          }));
          assertGreater(nav.toc, 0, `${href} has no table of contents`);
          assert(nav.prev > 0 && nav.next > 0, `${href} lacks previous/next links`);
          const ids = await page.evaluate(() =>
            [...document.querySelectorAll("li.claim[id]")].map((li) => li.id)
          );
          for (const id of ids) anchors.add(`${href}#${id}`);
        }
      }

      // Every claim on the front page links to the verdict in its notebook.
      for (const link of claimLinks) assert(anchors.has(link), `${link} leads nowhere`);

      // One notebook page as a reader sees it.
      await page.goto(`${origin}/${base}/${notebookPages.at(-1)}`, { waitUntil: "load" });
      await page.screenshot({ path: `${root}/tests/artifacts/report-notebook.png` });

      // Every table of the manifest is an HTML table on the tables page.
      const manifest = JSON.parse(await Deno.readTextFile(`${parent}/figures/MANIFEST.json`));
      const tableNames = Object.entries(manifest)
        .filter(([, e]) => (e as { kind: string }).kind === "table").map(([n]) => n).sort();
      await page.goto(`${origin}/${base}/${PAGES.tables}`, { waitUntil: "load" });
      const tables = await page.evaluate(() =>
        [...document.querySelectorAll("section.table")].map((s) => ({
          id: s.id,
          rows: s.querySelectorAll("table tbody tr").length,
          downloads: [...s.querySelectorAll(".downloads a")].map((a) => a.getAttribute("href")),
        }))
      );
      assertEquals(tables.map((t) => t.id).sort(), tableNames);
      for (const t of tables) {
        assertGreater(t.rows, 0, `${t.id} has no rows`);
        assert(t.downloads.some((h) => h?.endsWith(".csv")), `${t.id} has no CSV download`);
        assert(t.downloads.some((h) => h?.endsWith(".md")), `${t.id} has no Markdown download`);
      }

      // Every gallery image at its natural size, with the thesis's caption where it has one.
      await page.goto(`${origin}/${base}/${PAGES.gallery}`, { waitUntil: "load" });
      const gallery = await page.evaluate(() =>
        [...document.querySelectorAll("figure.gallery")].map((f) => {
          const img = f.querySelector("img")!;
          return {
            id: f.id,
            width: img.width,
            natural: img.naturalWidth,
            thesis: f.querySelector(".thesis-caption") !== null,
          };
        })
      );
      assertGreater(gallery.length, 0, "the gallery is empty");
      for (const g of gallery) {
        assertGreater(g.natural, 0, `${g.id} did not load`);
        assert(Math.abs(g.width - g.natural) <= 1, `${g.id}: ${g.width} px shown of ${g.natural}`);
        assert(g.thesis || !/^fig-\d/.test(g.id), `${g.id} lacks the thesis's caption`);
      }
      assertEquals(problems, []);
    } finally {
      await browser.close();
      await server.shutdown();
    }
  },
});

const pdfFile = `${reportDir}/${PAGES.pdf}`;
const popplerReady = ready && existsSync(pdfFile) && hasCommand("pdftotext");
if (ready && !popplerReady) {
  console.warn(`PDF check skipped: needs ${pdfFile} and pdftotext/pdfinfo (poppler-utils)`);
}

Deno.test({
  name: "the PDF has a page per part, embedded fonts, extractable text and every verdict",
  ignore: !popplerReady,
  fn: async () => {
    const info = await run("pdfinfo", [pdfFile]);
    const pages = Number(info.match(/^Pages:\s+(\d+)/m)?.[1]);
    const notebooks = [...Deno.readDirSync(notebooksDir)]
      .filter((e) => e.name.endsWith(".ipynb")).length;
    // Front page, one part per notebook, tables and figures each start a new page.
    assertGreaterOrEqual(pages, 1 + notebooks + 2);
    const fonts = (await run("pdffonts", [pdfFile])).split("\n").slice(2).filter(Boolean);
    assertGreater(fonts.length, 0, "the PDF names no font");
    for (const f of fonts) {
      const cols = f.trim().split(/\s+/);
      assertEquals(cols.at(-5), "yes", `font not embedded: ${f}`);
    }
    // Page footers ("3 / 40") interrupt text that runs across a page break.
    const text = (await run("pdftotext", ["-enc", "UTF-8", pdfFile, "-"]))
      .replace(/^\d+ \/ \d+$/gm, "");
    // Whitespace and hyphens dropped: pdftotext joins a word hyphenated at a line end.
    const squeeze = (s: string) => s.replace(/[\s-]+/g, "");
    const flat = squeeze(text);
    assert(flat.startsWith(squeeze("Designing Recurrent Neural Networks")), "front page first");
    for (const o of await notebookVerdicts()) {
      const [word, ...rest] = o.sentence.split(": ");
      assert(flat.includes(squeeze(`${word}${o.where}`)), `the PDF lacks the verdict of ${o.id}`);
      assert(flat.includes(squeeze(rest.join(": "))), `the PDF lacks the reason of ${o.id}`);
    }
    assert(flat.includes(squeeze("How far the numbers can be trusted")));
    // CLAIMS_MIME is data, never shown as text.
    assert(!text.includes(CLAIMS_MIME));
  },
});
