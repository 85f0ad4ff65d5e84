/**
 * No absolute path of the machine that built them appears in the committed
 * notebooks, figures, manifest or report, the PDF's link targets included
 * (`RNNX_REPORT_DIR` checks another built report and the notebooks and figures
 * beside it).
 */
import { assertEquals } from "@std/assert";
import { fileURLToPath } from "node:url";
import { existsSync } from "node:fs";
import { absolutePaths } from "../lib/report/mod.ts";

const root = fileURLToPath(new URL("../", import.meta.url)).replace(/\/$/, "");
const reportDir = (Deno.env.get("RNNX_REPORT_DIR") ?? `${root}/report`).replace(/\/$/, "");
const parent = reportDir.replace(/\/[^/]+$/, "");
const TEXT = /\.(ipynb|html|json|csv|md|svg)$/;

function files(folder: string): string[] {
  if (!existsSync(folder)) return [];
  return [...Deno.readDirSync(folder)].filter((e) => e.isFile && TEXT.test(e.name))
    .map((e) => `${folder}/${e.name}`);
}

Deno.test("absolutePaths finds a machine's paths and ignores URLs and base64", () => {
  const text = 'reused from /work/main/data/runs, see "/home/ann/x.png" or (/tmp/w) ' +
    "http://www.w3.org/2000/svg iVBORw0/tmp/KGgo= C:\\Users\\ann\\runs";
  assertEquals(absolutePaths(text, ["/srv/checkout"]), [
    "/work/main/data/runs",
    "/home/ann/x.png",
    "/tmp/w",
    "C:\\Users\\ann\\runs",
  ]);
  assertEquals(absolutePaths("built in /srv/checkout/figures", ["/srv/checkout"]), [
    "/srv/checkout/figures",
  ]);
  assertEquals(absolutePaths("figures: …/figures, runs: data/runs"), []);
});

Deno.test("no absolute path in the notebooks, figures, manifest or report", async () => {
  const checked = [
    ...files(`${parent}/notebooks`),
    ...files(`${parent}/figures`),
    ...files(reportDir),
  ];
  const found: string[] = [];
  for (const file of checked) {
    for (const p of absolutePaths(await Deno.readTextFile(file), [root, parent])) {
      found.push(`${file.slice(parent.length + 1)}: ${p}`);
    }
  }
  assertEquals(found, []);
});

Deno.test("the PDF links within itself or to the web, never to the files of the machine that printed it", async () => {
  const pdf = `${reportDir}/report.pdf`;
  if (!existsSync(pdf)) return;
  // link annotations are uncompressed dictionaries: /URI (target)
  const text = new TextDecoder("latin1").decode(await Deno.readFile(pdf));
  const targets = [...text.matchAll(/\/URI\s*\(([^)]*)\)/g)].map((m) => m[1]);
  const local = targets.filter((t) =>
    !/^https?:/.test(t) || absolutePaths(t, [root, parent]).length
  );
  assertEquals(local, []);
});
