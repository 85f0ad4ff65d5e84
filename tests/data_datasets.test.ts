import { assert, assertEquals } from "@std/assert";
import {
  classCounts,
  datasetInfo,
  ensureDataset,
  ImageSetSource,
  loadDataset,
  loadTask,
  majBlocks,
  makeBatch,
} from "../lib/data/mod.ts";
import { mirrorDir, withEnv } from "./data_fixtures.ts";

// Real MNIST and Fashion-MNIST from the local mirror (RNNX_DATA_MIRROR, else
// ../shared/datasets from the repository root), cached in a fresh data folder.
const dataDir = Deno.makeTempDirSync({ prefix: "rnnx-data-real-" });
globalThis.addEventListener("unload", () => Deno.removeSync(dataDir, { recursive: true }));
const env = { RNNX_DATA_MIRROR: mirrorDir(), RNNX_DATA_DIR: dataDir };
const noDownload = { urls: null } as const;

const FIRST_LABELS = { "mnist": [5, 7], "fashion-mnist": [9, 9] } as const;

for (const id of ["mnist", "fashion-mnist"] as const) {
  Deno.test(`${id} loads 60,000 + 10,000 images with the published per-class counts`, async () => {
    await withEnv(env, async () => {
      const { train, test } = await loadDataset(id, noDownload);
      const info = datasetInfo(id);
      assertEquals([train.n, test.n], [60000, 10000]);
      assertEquals([train.images.length, test.images.length], [60000 * 784, 10000 * 784]);
      assertEquals(Array.from(classCounts(train.labels)), [...info.classCounts.train]);
      assertEquals(Array.from(classCounts(test.labels)), [...info.classCounts.test]);
      assertEquals([train.labels[0], test.labels[0]], [...FIRST_LABELS[id]]);
      const batch = makeBatch(new ImageSetSource(test), [0, 1, 2]);
      assertEquals(Math.min(...batch.x), -1);
      assertEquals(Math.max(...batch.x), 1);
    });
  });

  Deno.test(`after loading, ${id} files are served from the verified cache`, async () => {
    await withEnv(env, async () => {
      const ds = await ensureDataset(id, noDownload);
      assertEquals(ds.files.map((f) => f.source), ["cache", "cache", "cache", "cache"]);
      assertEquals(ds.dir, `${dataDir}/datasets/${id}`);
    });
  });
}

Deno.test("the mnist task has the 48,000 / 12,000 / 10,000 Experiment-1 split", async () => {
  await withEnv(env, async () => {
    const task = await loadTask("mnist", noDownload);
    assert(task.kind === "single");
    assertEquals([task.train.n, task.val.n, task.test.n], [48000, 12000, 10000]);
    assertEquals(task.width, 28);
    const seen = new Uint8Array(60000);
    for (const i of [...task.train.indices, ...task.val.indices]) seen[i]++;
    assert(seen.every((v) => v === 1));
    assertEquals(task.classNames[3], "3");
  });
});

Deno.test("the fashion-mnist-maj task stacks 70,000 MAJ samples into 7 folds of 60,000 / 10,000", async () => {
  await withEnv(env, async () => {
    const task = await loadTask("fashion-mnist-maj", noDownload);
    assert(task.kind === "cv");
    assertEquals([task.all.n, task.width, task.k], [70000, 84, 7]);
    assertEquals([task.parts.train.n, task.parts.test.n, task.parts.val.n], [48000, 10000, 12000]);
    assertEquals(Array.from(classCounts(task.all.labels)), new Array(10).fill(7000));
    assertEquals(task.classNames[1], "Trouser");
    const covered = new Uint8Array(70000);
    for (let f = 0; f < 7; f++) {
      const fold = task.fold(f);
      assertEquals([fold.train.n, fold.test.n], [60000, 10000]);
      for (const i of fold.test.indices) covered[i]++;
      assertEquals(Array.from(classCounts(fold.test.labels)), new Array(10).fill(1000));
    }
    assert(covered.every((v) => v === 1));
    const train = task.parts.train;
    for (let i = 0; i < train.n; i += 97) {
      const blocks = majBlocks(train.maj, i);
      const marks = train.marks(i);
      for (let k = 0; k < 3; k++) {
        assertEquals(train.base.labels[blocks[k]] === train.label(i), marks[k] === 1);
      }
    }
    const batch = makeBatch(task.fold(2).test, [0, 9999]);
    assertEquals(batch.x.length, 2 * 28 * 84);
    assertEquals(batch.marks!.length, 6);
  });
});
