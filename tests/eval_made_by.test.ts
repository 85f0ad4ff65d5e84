import { assertEquals } from "@std/assert";
import pl from "nodejs-polars";
import {
  evalFrame,
  type EvalRow,
  MADE_BY_COLUMN,
  madeByOf,
  qualityFrame,
  type QualityRow,
  readEvalRows,
  readMadeBy,
  readQualityRows,
  type RowsMadeBy,
  writeEvalFold,
  writeQualityRows,
} from "../lib/eval/mod.ts";

const MADE: RowsMadeBy = {
  code: "sha256:0123",
  commit: "3c7a165d31f0831526c318dc5246e2c87f8ff684",
  dirty: false,
  backend: "wasm (tfjs-backend-wasm (SIMD))",
};

const KEY = { dataset: "mnist-maj", cell: "deep", T: 12, fold: 1, profile: "ci", seed: 0 };

function evalRows(): EvalRow[] {
  return [0, 1].map((sample) => ({
    ...KEY,
    sample,
    label: 3,
    prediction: 3,
    method: "dtd",
    v1: 0.5,
    v2: 0.5,
    v3: 0,
    cosine: 0.9,
    percentage: 1,
    percentage_capped: 0.8,
    excluded: false,
  }));
}

function qualityRows(): QualityRow[] {
  return [0, 1].map((sample) => ({
    ...KEY,
    method: "dtd",
    measure: "mass_accuracy",
    setting: "",
    order: "",
    step: -1,
    layer: "",
    sample,
    value: 1,
  }));
}

Deno.test("evaluation rows are stored with how they were made, and read back without it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const written = evalFrame(evalRows());
    const path = await writeEvalFold(dir, written, MADE);
    assertEquals(readMadeBy(path), MADE);
    const stored = pl.readParquet(path);
    assertEquals(stored.columns.at(-1), MADE_BY_COLUMN);
    const back = await readEvalRows(path);
    assertEquals(back.columns, written.columns);
    assertEquals(back.toRecords(), written.toRecords());
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("quality rows are stored with how they were made, and read back without it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/quality.parquet`;
    const written = qualityFrame(qualityRows());
    await writeQualityRows(path, written, { ...MADE, commit: null, dirty: null });
    assertEquals(readMadeBy(path), { ...MADE, commit: null, dirty: null });
    assertEquals(readQualityRows(path).toRecords(), written.toRecords());
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("rows stored without a record, with two records or an unreadable one have none", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = await writeEvalFold(dir, evalFrame(evalRows()));
    assertEquals(readMadeBy(path), null);
    const frame = pl.DataFrame({ v: [1, 2] });
    const column = (values: string[]) => frame.withColumn(pl.Series(MADE_BY_COLUMN, values));
    assertEquals(
      madeByOf(column([JSON.stringify(MADE), JSON.stringify({ ...MADE, code: "x" })])),
      null,
    );
    assertEquals(madeByOf(column(["{not json", "{not json"])), null);
    assertEquals(madeByOf(column(["[1]", "[1]"])), null);
    assertEquals(madeByOf(column(['{"code": 7}', '{"code": 7}'])), {
      code: null,
      commit: null,
      dirty: null,
      backend: "unknown",
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
