import { assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import {
  EvalShapeError,
  indicesOfLabel,
  pixelDistribution,
  relevanceDistribution,
} from "../lib/eval/mod.ts";

Deno.test("the relevance distribution averages per-step shares over the selected samples", () => {
  const batch = new Float32Array(3 * 28 * 28);
  batch[0] = 1; // sample 0: step 1
  batch[28 * 28 + 27] = 2; // sample 1: step 7
  batch[2 * 28 * 28 + 13] = 1; // sample 2: step 4 (columns 12..15)
  const d = relevanceDistribution(batch, 28, 7, { samples: [0, 1] });
  assertEquals(d.n, 2);
  assertAlmostEquals(d.mean[0], 0.5, 1e-12);
  assertAlmostEquals(d.mean[6], 0.5, 1e-12);
  assertEquals(d.mean[3], 0);
  const all = relevanceDistribution(batch, 28, 7);
  assertAlmostEquals(all.mean[3], 1 / 3, 1e-12);
});

Deno.test("samples without positive relevance count as zeros and are reported in nZero", () => {
  const batch = new Float32Array(2 * 28 * 28);
  batch[0] = 1;
  batch[28 * 28] = -1;
  const d = relevanceDistribution(batch, 28, 7);
  assertEquals(d.nZero, 1);
  assertAlmostEquals(d.mean[0], 0.5, 1e-12);
});

Deno.test("the pixel distribution is the step share of (x+1)/2", () => {
  const images = new Float32Array(28 * 28).fill(-1); // background contributes 0
  for (let r = 0; r < 28; r++) {
    images[r * 28 + 0] = 1; // step 1 of 4: intensity 1
    images[r * 28 + 20] = 0; // step 3 of 4: intensity 0.5
  }
  const d = pixelDistribution(images, 28, 4);
  assertAlmostEquals(d.mean[0], 2 / 3, 1e-12);
  assertAlmostEquals(d.mean[2], 1 / 3, 1e-12);
  assertEquals(d.mean[1], 0);
});

Deno.test("class selection picks the indices of one label and bad indices are rejected", () => {
  assertEquals(indicesOfLabel([1, 0, 1, 3], 1), [0, 2]);
  assertThrows(
    () => relevanceDistribution(new Float32Array(28 * 28), 28, 7, { samples: [1] }),
    EvalShapeError,
    "outside 0..0",
  );
});
