import { assertEquals, assertStrictEquals, assertThrows } from "@std/assert";
import { drawRequests, MaskProbe, Masks } from "../lib/cells/mod.ts";

const perStep = { name: "hidden_drop", mode: "step" as const };
const stationary = { name: "input_drop", mode: "stationary" as const };

Deno.test("MaskProbe: every entry of every distinct request has its own number, from 1", () => {
  const probe = new MaskProbe();
  const a = probe.step(perStep, 2, 3, "0");
  const b = probe.stacked(perStep, 2, 3, 4);
  const c = probe.step(stationary, 2, 5, "out");
  assertStrictEquals(probe.step(perStep, 2, 3, "0"), a, "a request made again is the same array");
  assertEquals([...a], [1, 2, 3, 4, 5, 6]);
  assertEquals(b[0], 7);
  assertEquals(c.at(-1), 6 + 24 + 10);
  assertEquals(probe.entries, 40);
  assertEquals(probe.requests.map((r) => [r.how, r.offset, r.length]), [
    ["step", 0, 6],
    ["stacked", 6, 24],
    ["step", 30, 10],
  ]);
});

Deno.test("drawRequests: each request drawn from real masks, as the masks give it", () => {
  const probe = new MaskProbe();
  probe.step(perStep, 3, 4, "2");
  probe.stacked(perStep, 3, 4, 5);
  probe.step(stationary, 3, 2, "1");
  probe.step(perStep, 3, 4, "out");
  const masks = new Masks(17, 0.7, 5);
  const drawn = drawRequests(probe.requests, masks);
  const fresh = new Masks(17, 0.7, 5);
  assertEquals(drawn.map((d) => [...d]), [
    [...fresh.step(perStep, 3, 4, "2")],
    [...fresh.stacked(perStep, 3, 4, 5)],
    [...fresh.step(stationary, 3, 2, "1")],
    [...fresh.step(perStep, 3, 4, "out")],
  ]);
});

Deno.test("MaskProbe: more entries than float32 numbers exactly are refused before any is made", () => {
  const probe = new MaskProbe();
  assertThrows(() => probe.stacked(perStep, 4096, 4096, 2), RangeError, "cannot be numbered");
  assertEquals(probe.entries, 0);
});
