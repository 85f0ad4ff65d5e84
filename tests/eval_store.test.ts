import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import pl from "nodejs-polars";
import {
  evalFilePath,
  evalFrame,
  EvalGroupError,
  type EvalRow,
  EvalSchemaError,
  readEvalRows,
  UnknownIdError,
  writeEvalFold,
} from "../lib/eval/mod.ts";
import { holdsZstdPages } from "./parquet_fixtures.ts";

function rows(fold: number, methods: string[], cosine = 0.7): EvalRow[] {
  return methods.flatMap((method) =>
    [0, 1].map((sample) => ({
      dataset: "fashion-mnist-maj",
      cell: "rlstm-sd",
      T: 12,
      fold,
      profile: "ci",
      seed: 42,
      sample,
      label: 3,
      prediction: sample === 0 ? 3 : 5,
      method,
      v1: 0.6,
      v2: 0.4,
      v3: 0,
      cosine: sample === 1 ? NaN : cosine,
      percentage: sample === 1 ? NaN : 1,
      percentage_capped: sample === 1 ? NaN : 1,
      excluded: sample === 1,
    }))
  );
}

async function listAll(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.isDirectory) {
      out.push(...(await listAll(`${dir}/${e.name}`)).map((p) => `${e.name}/${p}`));
    } else out.push(e.name);
  }
  return out.sort();
}

Deno.test("a fold is written to one Parquet file named by run, fold and method set", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = await writeEvalFold(dir, evalFrame(rows(3, ["dtd", "sa"])));
    assertEquals(path, `${dir}/fashion-mnist-maj/rlstm-sd/T12/ci/seed42/fold3.sa_dtd.parquet`);
    assertEquals(await listAll(dir), [
      "fashion-mnist-maj/rlstm-sd/T12/ci/seed42/fold3.sa_dtd.parquet",
    ]);
    assert(await holdsZstdPages(path), "pages are zstd-compressed");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("rows read back from Parquet equal the rows written, NaN and flags included", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const written = evalFrame(rows(0, ["dtd"]));
    await writeEvalFold(dir, written);
    const back = await readEvalRows(dir);
    assertEquals(back.schema, written.schema);
    assertEquals(back.toRecords(), written.toRecords());
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("many fold files are read into one DataFrame and a rewrite replaces its file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await writeEvalFold(dir, evalFrame(rows(0, ["dtd"])));
    await writeEvalFold(dir, evalFrame(rows(1, ["dtd"])));
    await writeEvalFold(dir, evalFrame(rows(1, ["gb"])));
    await writeEvalFold(dir, evalFrame(rows(1, ["dtd"], 0.2))); // re-evaluation of fold 1
    const all = await readEvalRows(dir);
    assertEquals(all.height, 6);
    const fold1Dtd = all.filter(pl.col("fold").eq(1).and(pl.col("method").eq(pl.lit("dtd"))));
    assertEquals(fold1Dtd.getColumn("cosine").toArray()[0], 0.2);
    assert((await listAll(dir)).every((p) => !p.includes(".tmp")), "no temporary file left");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a fold file must hold one run and fold", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assertRejects(
      () => writeEvalFold(dir, evalFrame([...rows(0, ["dtd"]), ...rows(1, ["dtd"])])),
      EvalGroupError,
      "one fold",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("files that do not follow the schema are rejected with their path", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const bad = `${dir}/bad.parquet`;
    pl.DataFrame({ dataset: ["mnist"], cell: ["deep"] }).writeParquet(bad);
    await assertRejects(() => readEvalRows(dir), EvalSchemaError, "bad.parquet");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("rows with an unknown cell list the valid cells", () => {
  const [r] = rows(0, ["dtd"]);
  assertThrows(
    () => evalFrame([{ ...r, cell: "peephole-lstm" }]),
    UnknownIdError,
    "valid cells: shallow",
  );
  assertThrows(
    () => evalFilePath("/x", { ...r, dataset: "../up", methods: ["dtd"] }),
    EvalSchemaError,
    "file name",
  );
});
