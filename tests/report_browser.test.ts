/// <reference lib="dom" />
/**
 * Opens the HTML report in headless Chromium, served on localhost: every page
 * loads without console errors or failed requests, every image has a
 * non-zero natural size, and every notebook page shows its figures.
 * The report folder is `RNNX_REPORT_DIR` or the committed `report/`.
 */
import { assert, assertEquals, assertGreater } from "@std/assert";
import { chromium } from "playwright-core";
import { fileURLToPath } from "node:url";
import { existsSync } from "node:fs";

const root = fileURLToPath(new URL("../", import.meta.url)).replace(/\/$/, "");
const reportDir = Deno.env.get("RNNX_REPORT_DIR") ?? `${root}/report`;
const chromiumPath = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";
const ready = existsSync(`${reportDir}/index.html`) && existsSync(chromiumPath);
if (!ready) {
  console.warn(
    `report browser test skipped: needs ${reportDir}/index.html and Chromium at ${chromiumPath}`,
  );
}

const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const CONTENT_TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  png: "image/png",
  svg: "image/svg+xml",
  json: "application/json",
  md: "text/markdown; charset=utf-8",
  csv: "text/csv; charset=utf-8",
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

Deno.test({
  name: "every report page loads cleanly in Chromium with all images and charts",
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const parent = reportDir.replace(/\/[^/]+\/?$/, "");
    const base = reportDir.slice(parent.length + 1);
    const server = serve(parent);
    const origin = `http://127.0.0.1:${server.addr.port}`;
    const browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_FLAGS });
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

      await page.goto(`${origin}/${base}/index.html`, { waitUntil: "load" });
      await Deno.mkdir(`${root}/tests/artifacts`, { recursive: true });
      await page.screenshot({ path: `${root}/tests/artifacts/report-index.png`, fullPage: true });
      const links = await page.evaluate(() =>
        [...document.querySelectorAll("a")].map((a) => a.getAttribute("href") ?? "")
          .filter((h) => h.endsWith(".html"))
      );
      assertGreater(links.length, 0, "the index links no notebook page");
      const pages = ["index.html", ...new Set(links)];
      for (const href of pages) {
        await page.goto(`${origin}/${base}/${href}`, { waitUntil: "load" });
        const images = await page.evaluate(() =>
          [...document.images].map((i) => ({ src: i.src.slice(0, 80), w: i.naturalWidth }))
        );
        for (const img of images) {
          assert(img.w > 0, `${href}: image ${img.src} has zero natural width`);
        }
        const figures = await page.evaluate(() =>
          document.images.length + document.querySelectorAll("svg").length
        );
        assertGreater(figures, 0, `${href} shows no figure or chart`);
      }
      assertEquals(problems, []);
    } finally {
      await browser.close();
      await server.shutdown();
    }
  },
});
