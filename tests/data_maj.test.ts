import { assert, assertEquals, assertNotEquals, assertThrows } from "@std/assert";
import { buildMaj, MAJ_SEEDS, majBlocks, type MajIndex, majMarks, Prng } from "../lib/data/mod.ts";

function randomLabels(n: number, seed: number): Uint8Array {
  const prng = new Prng(seed);
  return Uint8Array.from({ length: n }, () => prng.int(10));
}

const labels = randomLabels(2000, 5);
const maj = buildMaj(labels, MAJ_SEEDS.train);

function checkInvariants(m: MajIndex, base: Uint8Array): void {
  for (let i = 0; i < m.n; i++) {
    const y = m.labels[i];
    if (y !== base[i]) throw new Error(`label of ${i} is ${y}, base label ${base[i]}`);
    const marks = majMarks(m, i);
    const blocks = majBlocks(m, i);
    if (marks[0] + marks[1] + marks[2] !== 2) throw new Error(`sample ${i}: marks ${marks}`);
    for (let k = 0; k < 3; k++) {
      const cls = base[blocks[k]];
      if (marks[k] === 1 && cls !== y) throw new Error(`sample ${i}: marked block ${k} is ${cls}`);
      if (marks[k] === 0 && cls === y) throw new Error(`sample ${i}: unmarked block ${k} is ${y}`);
    }
    if (!blocks.includes(i)) throw new Error(`sample ${i} does not show itself`);
  }
}

Deno.test("every MAJ sample has exactly two marks, both on blocks of its class", () => {
  checkInvariants(maj, labels);
});

Deno.test("the MAJ triple holds the sample, a same-class and an other-class partner", () => {
  for (let i = 0; i < maj.n; i++) {
    assertEquals(maj.triples[3 * i], i);
    assertEquals(labels[maj.triples[3 * i + 1]], labels[i]);
    assertNotEquals(labels[maj.triples[3 * i + 2]], labels[i]);
  }
});

Deno.test("block k shows triple[p[k]] and the mark is p[k] <= 1", () => {
  for (let i = 0; i < 50; i++) {
    const p = Array.from(maj.perms.subarray(3 * i, 3 * i + 3));
    assertEquals([...p].sort(), [0, 1, 2]);
    assertEquals(majBlocks(maj, i), p.map((pk) => maj.triples[3 * i + pk]));
    assertEquals(majMarks(maj, i), p.map((pk) => (pk <= 1 ? 1 : 0)));
  }
});

Deno.test("all six permutations occur and the other-class block moves between positions", () => {
  const perms = new Set<string>();
  const unmarked = [0, 0, 0];
  for (let i = 0; i < maj.n; i++) {
    perms.add(maj.perms.subarray(3 * i, 3 * i + 3).join(","));
    unmarked[majMarks(maj, i).indexOf(0)]++;
  }
  assertEquals(perms.size, 6);
  for (const u of unmarked) assert(u > maj.n / 5, `unmarked block counts ${unmarked}`);
});

Deno.test("MAJ construction is reproducible for a seed and differs for another seed", () => {
  const again = buildMaj(labels, MAJ_SEEDS.train);
  assertEquals(again.triples, maj.triples);
  assertEquals(again.perms, maj.perms);
  const other = buildMaj(labels, MAJ_SEEDS.val);
  assertNotEquals(other.triples, maj.triples);
  assertNotEquals(other.perms, maj.perms);
  checkInvariants(other, labels);
});

Deno.test("the original MAJ seeds are train 0, val 1, test 3", () => {
  assertEquals(MAJ_SEEDS, { train: 0, val: 1, test: 3 });
});

Deno.test("MAJ needs at least two classes and rejects indices out of range", () => {
  assertThrows(() => buildMaj(new Uint8Array(5).fill(2), 0), RangeError, "at least 2 classes");
  assertThrows(() => majMarks(maj, maj.n), RangeError, "out of range");
  assertThrows(() => majBlocks(maj, -1), RangeError, "out of range");
});
