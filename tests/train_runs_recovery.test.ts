import {
  assert,
  assertEquals,
  assertNotEquals,
  assertRejects,
  assertStringIncludes,
} from "@std/assert";
import { dirname, join } from "node:path";
import { backendInfo, initBackend } from "../lib/backend/mod.ts";
import { decodeSafetensors } from "../lib/cells/mod.ts";
import { loadTask, writeFileAtomic } from "../lib/data/mod.ts";
import {
  CHECKPOINT_FILE,
  checkpointDir,
  CheckpointError,
  type ProgressDisplay,
  readCheckpoint,
  readManifest,
  RUN_FILES,
  type RunManifest,
  sha256Hex,
  SMOKE,
  storedBlas,
  trainRun,
  type TrainRunOptions,
  writeCheckpoint,
} from "../lib/train/mod.ts";
import { ensureDataMirror, tempRunsRoot } from "./train_fixtures.ts";

await initBackend({ quiet: true });
ensureDataMirror();
const majTask = await loadTask("mnist-maj", { folds: 2 });

const base: TrainRunOptions = {
  dataset: "mnist-maj",
  cell: "deep",
  profile: "smoke",
  fold: 1,
  task: majTask,
  progress: "none",
};

/** A display that keeps the messages. */
function recorder(): ProgressDisplay & { lines: string[] } {
  const lines: string[] = [];
  return { lines, update: () => {}, message: (line) => void lines.push(line), close: () => {} };
}

async function siblings(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dirname(dir))) names.push(e.name);
  return names.sort();
}

async function withRoot(body: (root: string) => Promise<void>): Promise<void> {
  const root = await tempRunsRoot();
  try {
    await body(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("a forced retrain replaces the stored run, and its new weights are the ones stored", async () => {
  await withRoot(async (root) => {
    const [first] = await trainRun({ ...base, root });
    // make the stored run differ from what training gives: other weights, a consistent manifest
    const weights = join(first.dir, RUN_FILES.weights);
    const bytes = await Deno.readFile(weights);
    bytes[bytes.length - 2] ^= 0x40;
    await Deno.writeFile(weights, bytes);
    const planted = {
      ...first.manifest,
      timings: { ...first.manifest.timings, startedAt: "2020-01-01T00:00:00.000Z" },
      files: {
        ...first.manifest.files,
        weights: { ...first.manifest.files.weights, sha256: await sha256Hex(bytes) },
      },
    };
    await writeFileAtomic(join(first.dir, RUN_FILES.manifest), JSON.stringify(planted));
    assertEquals((await readManifest(first.dir)).files.weights.sha256, await sha256Hex(bytes));

    const display = recorder();
    const [forced] = await trainRun({ ...base, root, force: true, progress: display });
    assertEquals(forced.skipped, false);
    assertStringIncludes(display.lines.join("\n"), "training again (forced)");
    const stored = await readManifest(first.dir);
    assertEquals(stored, forced.manifest);
    assertNotEquals(stored.timings.startedAt, planted.timings.startedAt);
    assertEquals(stored.files.weights.sha256, first.manifest.files.weights.sha256);
    assertEquals(
      await sha256Hex(await Deno.readFile(weights)),
      first.manifest.files.weights.sha256,
    );
    assertEquals(await siblings(first.dir), ["fold-1of2"]);
  });
});

Deno.test("a run stored with other settings is trained again once, and the new run is kept", async () => {
  await withRoot(async (root) => {
    const [old] = await trainRun({ ...base, root });
    const profile = { ...SMOKE, learningRateScale: 20 };
    const display = recorder();
    const [changed] = await trainRun({ ...base, root, profile, progress: display });
    assertEquals(changed.skipped, false);
    assertStringIncludes(
      display.lines.join("\n"),
      "stored run has other settings (profile settings",
    );
    assertEquals((await readManifest(old.dir)).training.learningRate, 0.004);
    assertNotEquals(changed.manifest.files.weights.sha256, old.manifest.files.weights.sha256);
    const [again] = await trainRun({ ...base, root, profile });
    assert(again.skipped, "the new run is reused");
    assertEquals(again.manifest, changed.manifest);
  });
});

Deno.test("a run left between the two renames of a commit is moved into place", async () => {
  await withRoot(async (root) => {
    const [r] = await trainRun({ ...base, root });
    // the new run renamed aside by a process that died (no such pid) before the second rename
    await Deno.rename(r.dir, `${r.dir}.partial-999999999-3`);
    await Deno.mkdir(`${r.dir}.replaced-999999999-2`);
    const display = recorder();
    const [again] = await trainRun({ ...base, root, progress: display });
    assert(again.skipped);
    assertStringIncludes(display.lines.join("\n"), "complete run moved into place as fold-1of2");
    assertEquals(await siblings(r.dir), ["fold-1of2"]);
  });
});

Deno.test("a stored run that is corrupted is reported with the reason before it is trained again", async () => {
  await withRoot(async (root) => {
    const [r] = await trainRun({ ...base, root });
    await Deno.writeTextFile(join(r.dir, RUN_FILES.manifest), "{ not json");
    const display = recorder();
    const [again] = await trainRun({ ...base, root, progress: display });
    assertEquals(again.skipped, false);
    const said = display.lines.join("\n");
    assertStringIncludes(said, "stored run is unusable");
    assertStringIncludes(said, "manifest.json is not valid JSON");
  });
});

/** A run of 2 epochs stopped in its second epoch: its checkpoint holds epoch 1. */
const twoEpochs = { ...base, profile: { ...SMOKE, epochs: 2, checkpointEvery: 1 } };

async function interrupted(root: string): Promise<string> {
  const abort = new AbortController();
  await assertRejects(() =>
    trainRun({
      ...twoEpochs,
      root,
      signal: abort.signal,
      onProgress: (p) => {
        if (p.epoch === 2 && p.batch === 2) abort.abort(new Error("stopped"));
      },
    })
  );
  return join(
    checkpointDir(join(root, "mnist-maj/deep-T12/smoke-seed0/fold-1of2")),
    CHECKPOINT_FILE,
  );
}

Deno.test("a checkpoint with a flipped byte or cut short is reported with its path; --force starts from scratch", async () => {
  await withRoot(async (root) => {
    const file = await interrupted(root);
    const good = await Deno.readFile(file);
    const flipped = good.slice();
    flipped[flipped.length - 100] ^= 0x01;
    await Deno.writeFile(file, flipped);
    const e = await assertRejects(() => trainRun({ ...twoEpochs, root }), CheckpointError);
    assertStringIncludes(e.message, file);
    assertStringIncludes(e.message, "corrupted");
    assertStringIncludes(e.message, "--force");

    await Deno.writeFile(file, good.subarray(0, good.length - 1000));
    await assertRejects(() => trainRun({ ...twoEpochs, root }), CheckpointError, "cannot be read");

    const display = recorder();
    const [forced] = await trainRun({ ...twoEpochs, root, force: true, progress: display });
    assertEquals(forced.manifest.training.resumedFromEpoch, 0);
    assertStringIncludes(display.lines.join("\n"), `removed the checkpoint ${dirname(file)}`);
    await assertRejects(() => Deno.stat(dirname(file)), Deno.errors.NotFound);
    const straightRoot = await tempRunsRoot();
    try {
      const [straight] = await trainRun({ ...twoEpochs, root: straightRoot });
      assertEquals(forced.manifest.files.weights.sha256, straight.manifest.files.weights.sha256);
    } finally {
      await Deno.remove(straightRoot, { recursive: true });
    }
  });
});

Deno.test("a checkpoint missing a tensor, of a wrong length or holding NaN names the file and the tensor", async () => {
  await withRoot(async (root) => {
    const file = await interrupted(root);
    const dir = dirname(file);
    const { fingerprint } = decodeSafetensors(await Deno.readFile(file)).metadata;
    const state = await readCheckpoint(dir, fingerprint);
    assert(state.status === "ok" && state.verified);
    const sizes = new Map([...state.checkpoint.params].map(([k, v]) => [k, v.length]));
    assertEquals((await readCheckpoint(dir, fingerprint, sizes)).status, "ok");
    assertEquals((await readCheckpoint(dir, "other settings", sizes)).status, "other-settings");
    const { checkpoint } = state;
    // a checkpoint records whether BLAS was used; one of the other kind is not resumed
    await writeCheckpoint(dir, checkpoint, fingerprint, true);
    assertEquals((await readCheckpoint(dir, fingerprint, sizes, true)).status, "ok");
    assertEquals((await readCheckpoint(dir, fingerprint, sizes, false)).status, "other-settings");
    const variants: [string, typeof checkpoint.params][] = [
      ['tensor "param/out2.weight" is missing', new Map(checkpoint.params)],
      ['tensor "param/out2.weight" has 160 values, the model\'s 320', new Map(checkpoint.params)],
      ['tensor "param/out2.weight" holds NaN at index 7', new Map(checkpoint.params)],
    ];
    variants[0][1].delete("out2.weight");
    variants[1][1].set("out2.weight", checkpoint.params.get("out2.weight")!.slice(0, 160));
    const nan = checkpoint.params.get("out2.weight")!.slice();
    nan[7] = NaN;
    variants[2][1].set("out2.weight", nan);
    assertEquals(sizes.get("out2.weight"), 320);
    for (const [problem, params] of variants) {
      await writeCheckpoint(dir, { ...checkpoint, params }, fingerprint);
      const e = await assertRejects(() => readCheckpoint(dir, fingerprint, sizes), CheckpointError);
      assertStringIncludes(e.message, file);
      assertStringIncludes(e.message, problem);
    }
    // the NaN checkpoint stops a resume, and --force gets past it
    await assertRejects(() => trainRun({ ...twoEpochs, root }), CheckpointError, "NaN");
    const [forced] = await trainRun({ ...twoEpochs, root, force: true });
    assertEquals(forced.manifest.training.resumedFromEpoch, 0);
  });
});

Deno.test("using the native BLAS or not is part of a run's identity, read from older manifests' backend", async () => {
  await withRoot(async (root) => {
    const [r] = await trainRun({ ...base, root });
    const now = backendInfo().blas ?? null;
    assertEquals(r.manifest.environment.blas, now);
    assertEquals(storedBlas(r.manifest), now);
    const other = now === null ? "OpenBLAS 0.3.21 (libopenblas.so.0, 1 thread)" : null;
    const rewrite = (m: RunManifest) =>
      writeFileAtomic(join(r.dir, RUN_FILES.manifest), JSON.stringify(m));
    // a manifest written before the field existed names the library in its backend detail
    const { blas: _blas, ...older } = r.manifest.environment;
    await rewrite({ ...r.manifest, environment: older });
    assert((await trainRun({ ...base, root }))[0].skipped, "same BLAS use: reused");
    const plain = older.backendDetail.split(" + ")[0];
    const detail = other === null ? plain : `${plain} + ${other}`;
    await rewrite({ ...r.manifest, environment: { ...older, backendDetail: detail } });
    const display = recorder();
    const [again] = await trainRun({ ...base, root, progress: display });
    assertEquals(again.skipped, false);
    assertStringIncludes(
      display.lines.join("\n"),
      other === null ? "trained without BLAS, this process runs with" : `trained with ${other}`,
    );
    await rewrite({
      ...again.manifest,
      environment: { ...again.manifest.environment, blas: other },
    });
    assertEquals((await trainRun({ ...base, root }))[0].skipped, false);
    assertEquals((await readManifest(r.dir)).environment.blas, now);
  });
});
