import { assertEquals, assertStringIncludes, assertThrows } from "@std/assert";
import {
  cellBudget,
  defaultProfileName,
  FULL,
  getProfile,
  parseProfileName,
  PROFILE_ENV,
  PROFILE_NAMES,
  QUICK,
  SMOKE,
  UnknownProfileError,
} from "../lib/train/mod.ts";

Deno.test("the full profile is the thesis protocol", () => {
  assertEquals(getProfile("full"), FULL);
  assertEquals(FULL.epochs, 100);
  assertEquals(FULL.folds, 7);
  assertEquals(FULL.trainSamples, null);
  assertEquals(FULL.testSamples, null);
  assertEquals(FULL.learningRateScale, 1);
  assertEquals(FULL.cells, {});
});

Deno.test("the smoke and quick profiles are small, named objects", () => {
  assertEquals(PROFILE_NAMES, ["smoke", "quick", "converged", "full"]);
  assertEquals(getProfile("smoke"), SMOKE);
  assertEquals(getProfile("quick"), QUICK);
  assertEquals([SMOKE.trainSamples, SMOKE.testSamples, SMOKE.epochs, SMOKE.folds], [
    500,
    200,
    1,
    2,
  ]);
  assertEquals(QUICK.folds, 2);
});

Deno.test("quick gives the expensive conv cells smaller training subsets", () => {
  assertEquals(cellBudget(QUICK, "deep"), { trainSamples: 20000, epochs: 3 });
  assertEquals(cellBudget(QUICK, "convdeep"), { trainSamples: 6000, epochs: 3 });
  assertEquals(cellBudget(QUICK, "conv+rlstm-sd").trainSamples, 1000);
  assertEquals(cellBudget(FULL, "conv+rlstm-sd"), { trainSamples: null, epochs: 100 });
});

Deno.test("an unknown profile fails with the list of valid profiles", () => {
  const e = assertThrows(() => getProfile("fast"), UnknownProfileError);
  assertStringIncludes(e.message, '"fast"');
  assertStringIncludes(e.message, "smoke, quick, converged, full");
  assertThrows(() => parseProfileName("toString"), UnknownProfileError);
  assertThrows(() => getProfile("__proto__"), UnknownProfileError);
});

Deno.test("the default profile comes from RNNX_PROFILE, else quick", () => {
  const old = Deno.env.get(PROFILE_ENV);
  try {
    Deno.env.delete(PROFILE_ENV);
    assertEquals(defaultProfileName(), "quick");
    Deno.env.set(PROFILE_ENV, "smoke");
    assertEquals(defaultProfileName(), "smoke");
    Deno.env.set(PROFILE_ENV, "huge");
    assertThrows(() => defaultProfileName(), UnknownProfileError, "valid profiles");
  } finally {
    if (old === undefined) Deno.env.delete(PROFILE_ENV);
    else Deno.env.set(PROFILE_ENV, old);
  }
});
