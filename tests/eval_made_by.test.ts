import { assertEquals } from "@std/assert";
import {
  evalFrame,
  type EvalRow,
  madeByPath,
  qualityFrame,
  type QualityRow,
  readEvalRows,
  readMadeBy,
  readQualityRows,
  type RowsMadeBy,
  writeEvalFold,
  writeMadeBy,
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

Deno.test("evaluation rows are stored with a record of how they were made beside them", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const written = evalFrame(evalRows());
    const path = await writeEvalFold(dir, written, MADE);
    assertEquals(madeByPath(path), path.replace(/\.parquet$/, ".made.json"));
    assertEquals(await readMadeBy(path), MADE);
    assertEquals((await readEvalRows(path)).toRecords(), written.toRecords());
    // the same rows written again give the same bytes: only a record can change
    const bytes = await Deno.readFile(path);
    await writeEvalFold(dir, written, { ...MADE, code: "sha256:4567" });
    assertEquals(await Deno.readFile(path), bytes);
    assertEquals((await readMadeBy(path))?.code, "sha256:4567");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("quality rows are stored with a record of how they were made beside them", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/quality.parquet`;
    const written = qualityFrame(qualityRows());
    await writeQualityRows(path, written, { ...MADE, commit: null, dirty: null });
    assertEquals(await readMadeBy(path), { ...MADE, commit: null, dirty: null });
    assertEquals(readQualityRows(path).toRecords(), written.toRecords());
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("rows without a record, with a broken one or one of other bytes have none", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = await writeEvalFold(dir, evalFrame(evalRows()));
    assertEquals(await readMadeBy(path), null);
    await writeMadeBy(path, MADE);
    assertEquals(await readMadeBy(path), MADE);
    // the rows replaced after the record was written (a process stopped between the two writes)
    await writeEvalFold(dir, evalFrame(evalRows().map((r) => ({ ...r, cosine: 0.5 }))));
    assertEquals(await readMadeBy(path), null);
    for (const text of ["{not json", "[1]", '{"code": "sha256:0"}']) {
      await Deno.writeTextFile(madeByPath(path), text);
      assertEquals(await readMadeBy(path), null, text);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
