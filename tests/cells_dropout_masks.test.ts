/**
 * The dropout masks' inlined generator gives, entry for entry and bit for bit, what a
 * plain xoshiro128** over the forked stream's four words gives: a draw's top 31 bits
 * below ⌊keep·2³¹⌋ keep the entry at 1/keep (as float32), else it is +0.
 */
import { assert, assertEquals } from "@std/assert";
import { Masks } from "../lib/cells/dropout_masks.ts";
import { Prng } from "../lib/data/prng.ts";

/** xoshiro128** written out on unsigned words, one draw at a time. */
function naiveMask(seed: number, label: string, keep: number, n: number): Float32Array {
  const fork = new Prng(seed).fork(label);
  const s = [fork.nextUint32(), fork.nextUint32(), fork.nextUint32(), fork.nextUint32()];
  if (!s.some((w) => w !== 0)) s[0] = 1;
  const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;
  const threshold = Math.floor(keep * 2 ** 31);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const draw = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] = (s[2] ^ s[0]) >>> 0;
    s[3] = (s[3] ^ s[1]) >>> 0;
    s[1] = (s[1] ^ s[2]) >>> 0;
    s[0] = (s[0] ^ s[3]) >>> 0;
    s[2] = (s[2] ^ t) >>> 0;
    s[3] = rotl(s[3], 11);
    out[i] = Math.floor(draw / 2) < threshold ? 1 / keep : 0;
  }
  return out;
}

/** The float32 bit patterns of `a`, so +0 and −0 (and any NaN) are told apart. */
function bitsOf(a: Float32Array): number[] {
  return Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
}

Deno.test("dropout masks equal a plain xoshiro128** draw, bit for bit", () => {
  for (const keep of [0.5, 0.8, 0.3, 0.75]) {
    for (const seed of [0, 7, 2 ** 31 + 5]) {
      const masks = new Masks(seed, keep, 12);
      const node = { name: "in1/dropout", mode: "step" as const };
      for (const [rows, size, key] of [[50, 256, "0"], [3, 7, "11"], [1, 1, "out"]] as const) {
        const got = masks.step(node, rows, size, key);
        const want = naiveMask(seed, `${node.name}@${key}`, keep, rows * size);
        assertEquals(bitsOf(got), bitsOf(want), `keep ${keep}, seed ${seed}, step ${key}`);
      }
      const kept = masks.step(node, 100, 100, "5").filter((v) => v !== 0).length / 10_000;
      assert(Math.abs(kept - keep) < 0.03, `keep ${keep}: ${kept} of the entries kept`);
    }
  }
});

Deno.test("stationary masks are drawn once per node and stacked masks are the steps' masks", () => {
  const masks = new Masks(3, 0.5, 3);
  const stationary = { name: "concat/dropout", mode: "stationary" as const };
  const first = masks.step(stationary, 4, 9, "0");
  assertEquals(bitsOf(masks.step(stationary, 4, 9, "8")), bitsOf(first));
  assertEquals(bitsOf(first), bitsOf(naiveMask(3, stationary.name, 0.5, 36)));
  const node = { name: "h/dropout", mode: "step" as const };
  const stacked = masks.stacked(node, 4, 9, 3);
  for (let t = 0; t < 3; t++) {
    assertEquals(
      bitsOf(stacked.subarray(t * 36, (t + 1) * 36)),
      bitsOf(naiveMask(3, `h/dropout@${t}`, 0.5, 36)),
    );
  }
});

Deno.test("the masks of all steps, drawn four streams at a time, are each step's own stream", () => {
  for (const steps of [1, 3, 4, 7, 12]) {
    const masks = new Masks(11, 0.8, steps);
    const node = { name: "cat_drop", mode: "step" as const };
    const other = { name: "hidden_drop", mode: "step" as const };
    // asked out of order, two nodes and two sizes interleaved, one size large enough to grow
    // the lanes' memory
    for (const t of [steps - 1, 0, Math.floor(steps / 2)]) {
      for (const [n, rows, size] of [[node, 5, 13], [other, 50, 128], [node, 600, 512]] as const) {
        assertEquals(
          bitsOf(masks.step(n, rows, size, `${t}`)),
          bitsOf(naiveMask(11, `${n.name}@${t}`, 0.8, rows * size)),
          `${steps} steps: ${n.name}@${t}, ${rows}×${size}`,
        );
      }
    }
    for (const key of ["out", `${steps}`, "-1", "1.5", "01"]) {
      assertEquals(
        bitsOf(masks.step(node, 2, 3, key)),
        bitsOf(naiveMask(11, `cat_drop@${key}`, 0.8, 6)),
        `key ${key}`,
      );
    }
  }
});

Deno.test("stacked masks of fewer, as many and more steps than the sequence are each step's stream", () => {
  const rows = 5, size = 11, n = rows * size;
  const node = { name: "cat_drop", mode: "step" as const };
  const stationary = { name: "in_drop", mode: "stationary" as const };
  for (const steps of [1, 4, 6, 9]) {
    const masks = new Masks(5, 0.7, 6);
    // a step asked first, so the stack meets the masks already drawn
    const middle = bitsOf(masks.step(node, rows, size, "2"));
    const stacked = masks.stacked(node, rows, size, steps);
    assertEquals(stacked.length, steps * n);
    for (let t = 0; t < steps; t++) {
      assertEquals(
        bitsOf(stacked.subarray(t * n, (t + 1) * n)),
        bitsOf(naiveMask(5, `cat_drop@${t}`, 0.7, n)),
        `${steps} stacked steps: step ${t}`,
      );
    }
    assertEquals(bitsOf(masks.step(node, rows, size, "2")), middle);
    const still = masks.stacked(stationary, rows, size, steps);
    const once = bitsOf(naiveMask(5, "in_drop", 0.7, n));
    for (let t = 0; t < steps; t++) assertEquals(bitsOf(still.subarray(t * n, (t + 1) * n)), once);
  }
});
