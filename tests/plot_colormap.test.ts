import { assert, assertAlmostEquals, assertEquals } from "@std/assert";
import {
  fadeColor,
  grayColor,
  heatmapColor,
  heatmapColorStops,
  normalizeRelevance,
} from "../lib/plot/mod.ts";

Deno.test("zero relevance is light grey 0.9", () => {
  assertEquals(heatmapColor(0), [230, 230, 230]);
});

Deno.test("full positive relevance is dark red and full negative is dark blue", () => {
  const [r, g, b] = heatmapColor(1);
  assertEquals([r, g, b], [102, 0, 0]);
  assert(r > 100 && g === 0 && b === 0);
  assertEquals(heatmapColor(-1), [0, 0, 102]);
});

Deno.test("the colour map has its knee at 0.3 and is symmetric in R and B", () => {
  assertEquals(heatmapColor(0.3), [230, 102, 102]); // R still 0.9, G = B = 0.4
  assertEquals(heatmapColor(-0.3), [102, 102, 230]);
  // halfway to the knee: G = B = 0.9 - 0.25
  assertEquals(heatmapColor(0.15), [230, Math.round(0.65 * 255), Math.round(0.65 * 255)]);
  // midpoint of the upper segment: R = 0.9 - 0.25, G = B = 0.4 - 0.2
  assertEquals(heatmapColor(0.65), [
    Math.round(0.65 * 255),
    Math.round(0.2 * 255),
    Math.round(0.2 * 255),
  ]);
  assertEquals(heatmapColor(5), heatmapColor(1));
  assertEquals(heatmapColorStops().map((s) => s.value), [1, 0.3, 0, -0.3, -1]);
});

Deno.test("inputs are drawn in gist_gray from -1 black to 1 white", () => {
  assertEquals(grayColor(-1), [0, 0, 0]);
  assertEquals(grayColor(1), [255, 255, 255]);
  assertEquals(grayColor(0), [128, 128, 128]);
});

Deno.test("normalisation divides by max|R| + 1e-10 and positive-only zeroes negatives after it", () => {
  const r = new Float32Array([2, -4, 1, 0]);
  const n = normalizeRelevance(r);
  assertAlmostEquals(n[0], 0.5, 1e-6);
  assertAlmostEquals(n[1], -1, 1e-6);
  const p = normalizeRelevance(r, true);
  assertEquals(Array.from(p.slice(1)), [0, 0.25, 0]);
  assertAlmostEquals(p[0], 0.5, 1e-6);
  assertEquals(Array.from(normalizeRelevance(new Float32Array(3))), [0, 0, 0]);
});

Deno.test("fading blends a colour over white with the given opacity", () => {
  assertEquals(fadeColor([0, 0, 102], 0.2), [204, 204, Math.round(0.2 * 102 + 0.8 * 255)]);
  assertEquals(fadeColor([230, 230, 230], 1), [230, 230, 230]);
});
