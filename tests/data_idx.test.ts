import {
  assertEquals,
  assertInstanceOf,
  assertRejects,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import { join } from "node:path";
import {
  checkPaired,
  DataFileError,
  gunzipPayload,
  parseIdxImages,
  parseIdxLabels,
  readIdxImages,
  readIdxLabels,
} from "../lib/data/mod.ts";
import { idxImagesPayload, idxLabelsPayload, withTempDir, writeGz } from "./data_fixtures.ts";

Deno.test("readIdxImages parses a gzip-compressed image file into header and pixels", async () => {
  await withTempDir(async (dir) => {
    const path = await writeGz(dir, "imgs.gz", idxImagesPayload(3));
    const images = await readIdxImages(path);
    assertEquals([images.count, images.rows, images.cols], [3, 28, 28]);
    assertEquals(images.pixels.length, 3 * 784);
    assertEquals(images.pixels[0], 0);
    assertEquals(images.pixels[784 + 5], (7 + 5) % 256);
    assertEquals(images.pixels[2 * 784 + 300], (14 + 300) % 256);
  });
});

Deno.test("readIdxLabels parses a gzip-compressed label file", async () => {
  await withTempDir(async (dir) => {
    const path = await writeGz(dir, "labels.gz", idxLabelsPayload([3, 1, 4, 1, 5, 9]));
    const labels = await readIdxLabels(path);
    assertEquals(labels.count, 6);
    assertEquals(Array.from(labels.labels), [3, 1, 4, 1, 5, 9]);
  });
});

Deno.test("a truncated image payload is rejected with the file name and the missing size", async () => {
  await withTempDir(async (dir) => {
    const path = await writeGz(dir, "short-images.gz", idxImagesPayload(3, 28, 28, 2));
    const e = await assertRejects(() => readIdxImages(path), DataFileError);
    assertStringIncludes(e.message, path);
    assertStringIncludes(e.message, "truncated");
    assertStringIncludes(e.message, `${16 + 3 * 784} bytes`);
  });
});

Deno.test("a truncated label payload is rejected", () => {
  const payload = idxLabelsPayload([1, 2, 3, 4]).subarray(0, 10);
  const e = assertThrows(() => parseIdxLabels(payload, "short-labels"), DataFileError);
  assertStringIncludes(e.message, "short-labels: truncated");
});

Deno.test("a payload shorter than its header is rejected as truncated", () => {
  const header = idxImagesPayload(1).subarray(0, 10);
  const e = assertThrows(() => parseIdxImages(header, "tiny"), DataFileError);
  assertStringIncludes(e.message, "tiny: truncated: image header needs 16 bytes, file has 10");
  const e2 = assertThrows(() => parseIdxLabels(new Uint8Array(3), "tinier"), DataFileError);
  assertStringIncludes(e2.message, "tinier: truncated: label header needs 8 bytes, file has 3");
});

Deno.test("a wrong magic number is rejected naming the file, found and expected magic", async () => {
  await withTempDir(async (dir) => {
    const path = await writeGz(dir, "labels-as-images.gz", idxLabelsPayload([1, 2]));
    const e = await assertRejects(() => readIdxImages(path), DataFileError);
    assertStringIncludes(e.message, path);
    assertStringIncludes(e.message, "wrong magic number 2049, expected 2051");
    const imgPath = await writeGz(dir, "images-as-labels.gz", idxImagesPayload(1));
    const e2 = await assertRejects(() => readIdxLabels(imgPath), DataFileError);
    assertStringIncludes(e2.message, "wrong magic number 2051, expected 2049");
  });
});

Deno.test("wrong image dimensions are rejected naming found and expected sizes", async () => {
  await withTempDir(async (dir) => {
    const path = await writeGz(dir, "wide.gz", idxImagesPayload(2, 28, 27));
    const e = await assertRejects(() => readIdxImages(path), DataFileError);
    assertStringIncludes(e.message, path);
    assertStringIncludes(e.message, "wrong image dimensions 28x27, expected 28x28");
  });
});

Deno.test("a corrupt gzip stream is rejected naming the file", async () => {
  await withTempDir(async (dir) => {
    const good = await writeGz(dir, "good.gz", idxImagesPayload(2));
    const bytes = await Deno.readFile(good);
    const cut = join(dir, "cut.gz");
    await Deno.writeFile(cut, bytes.subarray(0, bytes.length >> 1));
    const e = await assertRejects(() => readIdxImages(cut), DataFileError);
    assertStringIncludes(e.message, cut);
    assertStringIncludes(e.message, "corrupt gzip stream");
    const garbage = join(dir, "garbage.gz");
    await Deno.writeFile(garbage, new TextEncoder().encode("this is not gzip data at all"));
    const e2 = await assertRejects(() => readIdxLabels(garbage), DataFileError);
    assertStringIncludes(e2.message, "garbage.gz: corrupt gzip stream");
  });
});

Deno.test("gunzipPayload wraps zlib failures in DataFileError", () => {
  const e = assertThrows(() => gunzipPayload(new Uint8Array([1, 2, 3]), "x.gz"), DataFileError);
  assertInstanceOf(e, DataFileError);
  assertEquals((e as DataFileError).file, "x.gz");
});

Deno.test("mismatched image and label counts are rejected naming both files", () => {
  const images = parseIdxImages(idxImagesPayload(3), "imgs");
  const labels = parseIdxLabels(idxLabelsPayload([1, 2]), "labs");
  const e = assertThrows(() => checkPaired(images, labels, "imgs", "labs"), DataFileError);
  assertStringIncludes(e.message, "imgs + labs");
  assertStringIncludes(e.message, "mismatched counts: 3 images but 2 labels");
  checkPaired(images, parseIdxLabels(idxLabelsPayload([1, 2, 3]), "labs"), "imgs", "labs");
});

Deno.test("labels outside 0..9 are rejected", () => {
  const e = assertThrows(() => parseIdxLabels(idxLabelsPayload([1, 12]), "labs"), DataFileError);
  assertStringIncludes(e.message, "label 12 at index 1 is out of range, expected 0..9");
});

Deno.test("trailing bytes after the declared payload are rejected", () => {
  const payload = new Uint8Array(8 + 3);
  payload.set(idxLabelsPayload([1, 2]));
  const e = assertThrows(() => parseIdxLabels(payload, "long"), DataFileError);
  assertStringIncludes(e.message, "1 trailing bytes");
});
