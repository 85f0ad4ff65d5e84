import { assert, assertEquals, assertThrows } from "@std/assert";
import { join } from "node:path";
import pl from "nodejs-polars";
import {
  PREDICTION_COLUMNS,
  readPredictions,
  readPredictionsFrame,
  writePredictions,
} from "../lib/train/mod.ts";
import { holdsZstdPages } from "./parquet_fixtures.ts";

const stored = {
  sample: Int32Array.of(7, 3, 11),
  label: Int32Array.of(1, 2, 3),
  prediction: Int32Array.of(1, 0, 3),
  accuracy: 2 / 3,
  loss: 0.25,
};

/** Runs `fn` with the path of a file in a fresh temporary folder, then removes the folder. */
async function withTempFile(
  name: string,
  fn: (path: string) => void | Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(join(dir, name));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("predictions round-trip through Parquet without logits", async () => {
  await withTempFile("predictions.parquet", async (path) => {
    const evaluated = { ...stored, logits: new Float32Array(30).fill(1.5) };
    await writePredictions(path, evaluated);
    assertEquals(pl.readParquet(path).columns, [...PREDICTION_COLUMNS]);
    assert(await holdsZstdPages(path), "pages are zstd-compressed");
    assertEquals(readPredictions(path, 0.25), stored);
    assertEquals(readPredictionsFrame(path).getColumn("correct").toArray(), [true, false, true]);
  });
});

Deno.test("predictions files written with logit columns still read", async () => {
  await withTempFile("predictions.parquet", (path) => {
    pl.DataFrame([
      pl.Series("sample", stored.sample),
      pl.Series("label", stored.label),
      pl.Series("prediction", stored.prediction),
      pl.Series("correct", [true, false, true]),
      ...Array.from({ length: 10 }, (_, c) => pl.Series(`logit_${c}`, new Float32Array(3))),
    ]).writeParquet(path);
    assertEquals(readPredictions(path, 0.25), stored);
    assertEquals(readPredictionsFrame(path).columns, [...PREDICTION_COLUMNS]);
  });
});

Deno.test("a predictions file without its columns is an error naming the file", async () => {
  await withTempFile("broken.parquet", (path) => {
    pl.DataFrame([pl.Series("sample", stored.sample)]).writeParquet(path);
    assertThrows(
      () => readPredictions(path),
      Error,
      `${path}: missing column(s) label, prediction`,
    );
  });
});
