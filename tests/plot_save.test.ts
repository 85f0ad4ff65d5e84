import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
  assertStringIncludes,
} from "@std/assert";
import { createCanvas, loadImage } from "@napi-rs/canvas";
import {
  chartFigure,
  distributionChartSpec,
  FigureSaveError,
  figuresDir,
  heatmapGrid,
  jupyterDisplay,
  mimeBundle,
  readManifest,
  save,
  saveTable,
  show,
  showTable,
  tableBundle,
  VEGA_LITE_MIME,
} from "../lib/plot/mod.ts";

const provenance = { profile: "ci", seed: 7, backend: "wasm", runs: ["runs/deep-T12-fold0"] };

function heatmap() {
  const relevance = new Float32Array(28 * 28);
  relevance[100] = 1;
  return heatmapGrid({ rows: [{ label: "Deep · DTD", cells: [{ relevance, width: 28 }] }] });
}

Deno.test("save writes SVG, PNG and a manifest entry with provenance", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const fig = heatmap();
    const { paths, entry } = await save(fig, "fig3-4-mnist", {
      dir,
      provenance: { ...provenance, dataset: "mnist" },
    });
    assertEquals(paths, [`${dir}/fig3-4-mnist.svg`, `${dir}/fig3-4-mnist.png`]);
    assertEquals(await Deno.readFile(`${dir}/fig3-4-mnist.png`), fig.png);
    assertEquals(await Deno.readTextFile(`${dir}/fig3-4-mnist.svg`), fig.svg);
    const manifest = await readManifest(dir);
    const e = manifest["fig3-4-mnist"];
    assertEquals(e, entry);
    assertEquals(e.files, ["fig3-4-mnist.svg", "fig3-4-mnist.png"]);
    assertEquals([e.kind, e.profile, e.seed, e.backend, e.dataset], [
      "heatmap",
      "ci",
      7,
      "wasm",
      "mnist",
    ]);
    assertEquals(e.runs, ["runs/deep-T12-fold0"]);
    assertMatch(e.commit, /^([0-9a-f]{40}|unknown)$/);
    assert(!Number.isNaN(Date.parse(e.date)));
    const leftovers = [...Deno.readDirSync(dir)].map((f) => f.name).filter((n) =>
      n.startsWith(".")
    );
    assertEquals(leftovers, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the manifest is merged: saving another figure keeps earlier entries", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await save(heatmap(), "a", { dir, provenance });
    const chart = await chartFigure(
      distributionChartSpec([{ dataset: "mnist", series: "pixels", shares: [0.5, 0.5] }]),
    );
    await save(chart, "b", { dir, provenance: { ...provenance, seed: 8 } });
    await save(heatmap(), "a", { dir, provenance: { ...provenance, profile: "full" } });
    const manifest = await readManifest(dir);
    assertEquals(Object.keys(manifest), ["a", "b"]);
    assertEquals(manifest.a.profile, "full");
    assertEquals(manifest.b.files, ["b.svg", "b.png", "b.vl.json"]);
    const spec = JSON.parse(await Deno.readTextFile(`${dir}/b.vl.json`));
    assertStringIncludes(spec.$schema, "vega-lite/v5");
    const png = await loadImage(await Deno.readFile(`${dir}/b.png`));
    assert(png.width > 100);
    createCanvas(1, 1); // the canvas module stays usable after loading
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("saveTable writes Markdown and CSV and records them", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await saveTable([{ cell: "deep", mean: 0.81234 }], "table-a1", { dir, provenance, digits: 2 });
    assertEquals(
      await Deno.readTextFile(`${dir}/table-a1.md`),
      "| cell | mean |\n| --- | --- |\n| deep | 0.81 |\n",
    );
    assertStringIncludes(await Deno.readTextFile(`${dir}/table-a1.csv`), "deep,0.81234");
    assertEquals((await readManifest(dir))["table-a1"].kind, "table");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the figures folder comes from the option, then RNNX_FIGURES_DIR, then the repository", () => {
  const before = Deno.env.get("RNNX_FIGURES_DIR");
  try {
    Deno.env.set("RNNX_FIGURES_DIR", "/tmp/somewhere");
    assertEquals(figuresDir(), "/tmp/somewhere");
    assertEquals(figuresDir("/x"), "/x");
    Deno.env.delete("RNNX_FIGURES_DIR");
    assert(figuresDir().endsWith("/figures"));
  } finally {
    if (before !== undefined) Deno.env.set("RNNX_FIGURES_DIR", before);
  }
});

Deno.test("bad names, missing provenance and broken manifests are refused", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assertRejects(
      () => save(heatmap(), "../up", { dir, provenance }),
      FigureSaveError,
      "must match",
    );
    await assertRejects(
      () => save(heatmap(), "x", { dir, provenance: { ...provenance, backend: "" } }),
      FigureSaveError,
      "backend",
    );
    await Deno.writeTextFile(`${dir}/MANIFEST.json`, "[1, 2");
    await assertRejects(
      () => save(heatmap(), "x", { dir, provenance }),
      FigureSaveError,
      "not a valid manifest",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("MIME bundles carry the v5 spec with SVG for charts and base64 PNG for heatmaps", async () => {
  const chart = await chartFigure(
    distributionChartSpec([{ dataset: "mnist", series: "pixels", shares: [1] }]),
  );
  const bundle = mimeBundle(chart);
  assertEquals(Object.keys(bundle).sort(), [VEGA_LITE_MIME, "image/svg+xml", "text/plain"].sort());
  assertEquals(VEGA_LITE_MIME, "application/vnd.vegalite.v5+json");
  assertEquals(
    (bundle[VEGA_LITE_MIME] as { $schema: string }).$schema,
    "https://vega.github.io/schema/vega-lite/v5.json",
  );
  assert((bundle["image/svg+xml"] as string).startsWith("<svg"));
  const heat = mimeBundle(heatmap());
  assertEquals(Object.keys(heat), ["image/png", "text/plain"]);
  assert((heat["image/png"] as string).startsWith("iVBORw0KGgo"));
  const table = tableBundle([{ a: 1 }]);
  assertStringIncludes(table["text/html"] as string, "<table>");
  assertEquals(table["text/plain"], "| a |\n| --- |\n| 1 |\n");
});

Deno.test("show sends the bundle raw to the display function", async () => {
  const sent: [Record<string, unknown>, unknown][] = [];
  const display = (b: Record<string, unknown>, o: unknown) => void sent.push([b, o]);
  await show(heatmap(), { display });
  await showTable([{ a: 1 }], { display });
  assertEquals(sent.length, 2);
  assertEquals(sent[0][1], { raw: true });
  assert("image/png" in sent[0][0]);
  assert("text/html" in sent[1][0]);
});

Deno.test("outside a Jupyter kernel show prints a one-line description", async () => {
  assertEquals(jupyterDisplay(), undefined);
  const lines: unknown[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => void lines.push(args.join(" "));
  try {
    await show(heatmap());
  } finally {
    console.log = log;
  }
  assertEquals(lines.length, 1);
  assertMatch(String(lines[0]), /^heatmap \d+×\d+ px \(rows: Deep · DTD\)$/);
});
