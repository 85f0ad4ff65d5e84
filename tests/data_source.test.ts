import {
  assert,
  assertEquals,
  assertRejects,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import {
  buildMaj,
  ConcatSource,
  type ImageSet,
  ImageSetSource,
  loadTask,
  majBlocks,
  MajSource,
  makeBatch,
  PIXEL_LUT,
  scalePixel,
  type SequenceSource,
  SubsetSource,
  UnknownDatasetError,
} from "../lib/data/mod.ts";

/** n images; every pixel of image i has the byte value `bytes(i)`. */
function constantSet(n: number, bytes: (i: number) => number, labels: number[]): ImageSet {
  const images = new Uint8Array(n * 784);
  for (let i = 0; i < n; i++) images.fill(bytes(i), i * 784, (i + 1) * 784);
  return { id: "mnist", split: "test", n, images, labels: Uint8Array.from(labels) };
}

const LABELS = [0, 1, 2, 0, 1, 2, 3, 3, 0, 1];
const set = constantSet(10, (i) => i * 25, LABELS);

Deno.test("pixels are scaled by 2*byte/255 - 1 into [-1, 1]", () => {
  assertEquals(scalePixel(0), -1);
  assertEquals(scalePixel(255), 1);
  for (let b = 0; b < 256; b++) assertEquals(PIXEL_LUT[b], Math.fround((2 * b) / 255 - 1));
});

Deno.test("an image set source writes scaled floats row-major at the given offset", () => {
  const src = new ImageSetSource(set);
  assertEquals([src.n, src.width, src.datasetId], [10, 28, "mnist"]);
  const out = new Float32Array(5 + 784).fill(99);
  src.fillImage(4, out, 5);
  assertEquals(out[4], 99);
  assert(out.subarray(5).every((v) => v === PIXEL_LUT[100]));
  assertEquals((src as SequenceSource).marks, undefined);
});

Deno.test("an image set source over indices selects and reorders samples", () => {
  const src = new ImageSetSource(set, [6, 2, 2]);
  assertEquals(Array.from(src.labels), [3, 2, 2]);
  assertEquals(src.label(0), 3);
  assertEquals(src.imageBytes(0)[0], 150);
  assertThrows(() => new ImageSetSource(set, [10]), RangeError, "out of range");
  assertThrows(() => src.label(3), RangeError, "out of range");
});

Deno.test("a MAJ source lays out the three blocks side by side with the base images", () => {
  const base = new ImageSetSource(set);
  const maj = new MajSource(base, buildMaj(base.labels, 0));
  assertEquals([maj.n, maj.width], [10, 84]);
  const out = new Float32Array(28 * 84);
  for (let i = 0; i < maj.n; i++) {
    maj.fillImage(i, out, 0);
    const blocks = majBlocks(maj.maj, i);
    for (let r = 0; r < 28; r++) {
      for (let col = 0; col < 84; col++) {
        const want = PIXEL_LUT[blocks[Math.floor(col / 28)] * 25];
        if (out[r * 84 + col] !== want) throw new Error(`sample ${i} row ${r} col ${col}`);
      }
    }
    assertEquals(maj.label(i), LABELS[i]);
    const marks = maj.marks(i);
    for (let k = 0; k < 3; k++) assertEquals(marks[k] === 1, LABELS[blocks[k]] === LABELS[i]);
  }
});

Deno.test("a MAJ source rejects an index built over other labels", () => {
  const base = new ImageSetSource(set);
  const other = buildMaj([...LABELS].reverse(), 0);
  assertThrows(() => new MajSource(base, other), RangeError, "differs from base label");
});

Deno.test("makeBatch builds floats, labels and MAJ marks for the requested samples", () => {
  const base = new ImageSetSource(set);
  const maj = new MajSource(base, buildMaj(base.labels, 1));
  const b = makeBatch(maj, [3, 7]);
  assertEquals([b.size, b.width, b.x.length], [2, 84, 2 * 28 * 84]);
  assertEquals(Array.from(b.labels), [LABELS[3], LABELS[7]]);
  assertEquals(Array.from(b.marks!), [...maj.marks(3), ...maj.marks(7)]);
  const single = new Float32Array(28 * 84);
  maj.fillImage(7, single, 0);
  assertEquals(b.x.subarray(28 * 84), single);
  const plain = makeBatch(base, [1]);
  assertEquals(plain.marks, undefined);
  assertThrows(() => makeBatch(base, [1], new Float32Array(10)), RangeError, "expected 784");
});

Deno.test("concatenated and subset sources forward labels, marks and images", () => {
  const base = new ImageSetSource(set);
  const a = new MajSource(base, buildMaj(base.labels, 0));
  const b = new MajSource(base, buildMaj(base.labels, 3));
  const all = new ConcatSource([a, b]);
  assertEquals(all.n, 20);
  assertEquals(all.labels.subarray(10), b.labels);
  assertEquals(all.marks!(13), b.marks(3));
  const sub = new SubsetSource(all, [13, 2]);
  assertEquals(Array.from(sub.labels), [LABELS[3], LABELS[2]]);
  assertEquals(sub.marks!(0), b.marks(3));
  const x1 = new Float32Array(28 * 84);
  const x2 = new Float32Array(28 * 84);
  sub.fillImage(0, x1, 0);
  b.fillImage(3, x2, 0);
  assertEquals(x1, x2);
  assertEquals(new ConcatSource([base]).marks, undefined);
  assertThrows(() => new ConcatSource([a, base]), RangeError, "cannot concatenate");
});

Deno.test("an unknown task id fails with the four valid ids", async () => {
  const e = await assertRejects(() => loadTask("mnist-7"), UnknownDatasetError);
  assertStringIncludes(e.message, 'unknown task "mnist-7"');
  assertStringIncludes(e.message, "mnist, fashion-mnist, mnist-maj, fashion-mnist-maj");
});
