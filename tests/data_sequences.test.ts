import { assertEquals, assertStringIncludes, assertThrows } from "@std/assert";
import {
  fromSteps,
  Prng,
  SequenceShapeError,
  stepColumns,
  stepInputs,
  toSteps,
} from "../lib/data/mod.ts";

function randomImages(batch: number, width: number, seed: number): Float32Array {
  const prng = new Prng(seed);
  return Float32Array.from({ length: batch * 28 * width }, () => prng.normal());
}

const COMBOS: [number, number, number][] = [[28, 1, 28], [28, 4, 7], [28, 7, 4], [84, 12, 7]];

for (const [width, steps, c] of COMBOS) {
  Deno.test(`splitting a 28x${width} image into ${steps} steps takes ${c} columns row-major per step`, () => {
    const batch = 3;
    const x = randomImages(batch, width, width * 100 + steps);
    const s = toSteps(x, batch, width, steps);
    assertEquals(stepColumns(width, steps), c);
    assertEquals(stepInputs(width, steps), 28 * c);
    assertEquals(s.length, batch * steps * 28 * c);
    for (let b = 0; b < batch; b++) {
      for (let t = 0; t < steps; t++) {
        for (let row = 0; row < 28; row++) {
          for (let col = 0; col < c; col++) {
            const got = s[((b * steps + t) * 28 + row) * c + col];
            const want = x[(b * 28 + row) * width + t * c + col];
            if (got !== want) {
              throw new Error(`b=${b} t=${t} row=${row} col=${col}: ${got} != ${want}`);
            }
          }
        }
      }
    }
  });

  Deno.test(`reassembling ${steps} steps of a 28x${width} image is the exact inverse`, () => {
    const x = randomImages(5, width, steps);
    const back = fromSteps(toSteps(x, 5, width, steps), 5, width, steps);
    assertEquals(back, x);
    const r = randomImages(2, width, 99 + steps);
    assertEquals(toSteps(fromSteps(r, 2, width, steps), 2, width, steps), r);
  });
}

Deno.test("one step over the full width keeps the image unchanged", () => {
  const x = randomImages(2, 28, 5);
  assertEquals(toSteps(x, 2, 28, 1), x);
});

Deno.test("a width not divisible by the step count fails with the valid step counts", () => {
  const e = assertThrows(() => toSteps(new Float32Array(784), 1, 28, 5), SequenceShapeError);
  assertStringIncludes(e.message, "width 28 is not divisible by 5 steps");
  assertStringIncludes(e.message, "valid step counts: 1, 2, 4, 7, 14, 28");
  assertThrows(() => fromSteps(new Float32Array(28 * 84), 1, 84, 5), SequenceShapeError);
});

Deno.test("other divisors of the width are allowed", () => {
  const x = randomImages(1, 84, 3);
  assertEquals(fromSteps(toSteps(x, 1, 84, 28), 1, 84, 28), x);
});

Deno.test("arrays of the wrong length are rejected with the expected layout", () => {
  const e = assertThrows(() => toSteps(new Float32Array(100), 1, 28, 4), SequenceShapeError);
  assertStringIncludes(e.message, "input has 100 values, expected 784 ([1, 28, 28])");
  const out = new Float32Array(10);
  assertThrows(() => toSteps(new Float32Array(784), 1, 28, 4, out), SequenceShapeError, "output");
});

Deno.test("an output buffer is filled in place", () => {
  const x = randomImages(2, 28, 11);
  const out = new Float32Array(x.length);
  const s = toSteps(x, 2, 28, 7, out);
  assertEquals(s === out, true);
  const back = new Float32Array(x.length);
  assertEquals(fromSteps(out, 2, 28, 7, back), x);
});
