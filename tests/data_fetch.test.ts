import {
  assert,
  assertEquals,
  assertGreater,
  assertRejects,
  assertStringIncludes,
} from "@std/assert";
import { gunzipSync, gzipSync } from "node:zlib";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  ChecksumError,
  datasetCacheDir,
  datasetFile,
  DatasetUnavailableError,
  ensureDataset,
  ensureFile,
  type FetchProgress,
  resolveDataDir,
  sha256Hex,
  UnknownDatasetError,
} from "../lib/data/mod.ts";
import {
  idxLabelsPayload,
  listDir,
  mirrorDir,
  withEnv,
  withTempDir,
  writeGz,
} from "./data_fixtures.ts";

const LABELS = "t10k-labels-idx1-ubyte.gz";
const offline = { debianDir: null, urls: null } as const;

Deno.test("a file missing from the cache is copied from the mirror, then served from the cache", async () => {
  await withTempDir(async (dataDir) => {
    const first = await ensureFile("mnist", "testLabels", {
      dataDir,
      mirrorDir: mirrorDir(),
      ...offline,
    });
    assertEquals(first.source, "mirror");
    assertEquals(first.count, 10000);
    assertEquals(first.sha256, datasetFile("mnist", "testLabels").payloadSha256);
    assertEquals(first.path, join(dataDir, "datasets", "mnist", LABELS));
    assertEquals(await listDir(join(dataDir, "datasets", "mnist")), [LABELS]);
    const again = await ensureFile("mnist", "testLabels", { dataDir, mirrorDir: null, ...offline });
    assertEquals(again.source, "cache");
    assertEquals(again.payload.length, 10008);
  });
});

Deno.test("a checksum mismatch throws ChecksumError naming file and hashes and leaves no file in the cache", async () => {
  await withTempDir(async (dir) => {
    const mirror = join(dir, "mirror");
    const dataDir = join(dir, "data");
    const wrong = idxLabelsPayload(new Uint8Array(10000).fill(3));
    await writeGz(join(mirror, "mnist"), LABELS, wrong);
    const e = await assertRejects(
      () => ensureFile("mnist", "testLabels", { dataDir, mirrorDir: mirror, ...offline }),
      ChecksumError,
    );
    const expected = datasetFile("mnist", "testLabels").payloadSha256;
    const actual = await sha256Hex(wrong);
    assertStringIncludes(e.message, LABELS);
    assertStringIncludes(e.message, expected);
    assertStringIncludes(e.message, actual);
    assertEquals((e as ChecksumError).expected, expected);
    assertEquals((e as ChecksumError).actual, actual);
    assertEquals(await listDir(datasetCacheDir("mnist", dataDir)), []);
  });
});

Deno.test("a bad cached file is reported, removed and replaced from the mirror", async () => {
  await withTempDir(async (dataDir) => {
    const cache = datasetCacheDir("mnist", dataDir);
    await writeGz(cache, LABELS, idxLabelsPayload([1, 2, 3]));
    const events: FetchProgress[] = [];
    const got = await ensureFile("mnist", "testLabels", {
      dataDir,
      mirrorDir: mirrorDir(),
      ...offline,
      onProgress: (e) => events.push(e),
    });
    assertEquals(got.source, "mirror");
    assertEquals(got.attempts[0].source, "cache");
    assertEquals(got.attempts[0].problem, "invalid");
    assertStringIncludes(got.attempts[0].reason, "SHA-256 mismatch");
    assert(events.some((e) => e.phase === "rejected" && e.source === "cache"));
    const payload = gunzipSync(await Deno.readFile(join(cache, LABELS)));
    assertEquals(await sha256Hex(payload), datasetFile("mnist", "testLabels").payloadSha256);
    assertEquals(await listDir(cache), [LABELS]);
  });
});

Deno.test("a corrupt mirror file is skipped in favour of the next source", async () => {
  await withTempDir(async (dir) => {
    const badMirror = join(dir, "bad");
    await Deno.mkdir(join(badMirror, "mnist"), { recursive: true });
    await Deno.writeFile(join(badMirror, "mnist", LABELS), new Uint8Array([31, 139, 8, 0, 1]));
    const got = await ensureFile("mnist", "testLabels", {
      dataDir: join(dir, "data"),
      mirrorDir: badMirror,
      debianDir: join(mirrorDir(), "mnist"),
      urls: null,
    });
    assertEquals(got.source, "debian");
    assertStringIncludes(got.attempts[1].reason, "corrupt gzip stream");
  });
});

Deno.test("with no source the error lists every place that was tried", async () => {
  await withTempDir(async (dir) => {
    const e = await assertRejects(
      () =>
        ensureFile("fashion-mnist", "testLabels", {
          dataDir: dir,
          mirrorDir: join(dir, "nowhere"),
          ...offline,
        }),
      DatasetUnavailableError,
    );
    assertStringIncludes(e.message, "fashion-mnist/t10k-labels-idx1-ubyte.gz");
    assertStringIncludes(e.message, "cache (");
    assertStringIncludes(e.message, join(dir, "nowhere", "fashion-mnist", LABELS));
  });
});

Deno.test("downloads go through the URLs in order, report progress and are verified", async () => {
  const real = await Deno.readFile(join(mirrorDir(), "mnist", LABELS));
  const wrong = new Uint8Array(gzipSync(idxLabelsPayload(new Uint8Array(10000))));
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const path = new URL(req.url).pathname;
    if (path === `/good/${LABELS}`) return new Response(real);
    if (path === `/wrong/${LABELS}`) return new Response(wrong);
    return new Response("not here", { status: 404 });
  });
  const base = `http://127.0.0.1:${server.addr.port}`;
  try {
    await withTempDir(async (dataDir) => {
      const events: FetchProgress[] = [];
      const got = await ensureFile("mnist", "testLabels", {
        dataDir,
        mirrorDir: null,
        debianDir: null,
        urls: [`${base}/missing/`, `${base}/good`],
        onProgress: (e) => events.push(e),
      });
      assertEquals(got.source, "download");
      assertEquals(got.location, `${base}/good/${LABELS}`);
      assertStringIncludes(got.attempts[1].reason, "HTTP 404");
      const transfers = events.filter((e) => e.phase === "transfer");
      assertGreater(transfers.length, 0);
      assertEquals(transfers.at(-1)!.loaded, real.length);
      assertEquals(await listDir(datasetCacheDir("mnist", dataDir)), [LABELS]);
    });
    await withTempDir(async (dataDir) => {
      await assertRejects(
        () =>
          ensureFile("mnist", "testLabels", {
            dataDir,
            mirrorDir: null,
            debianDir: null,
            urls: [`${base}/wrong/`],
          }),
        ChecksumError,
        `${base}/wrong/${LABELS}: payload SHA-256 mismatch`,
      );
      assertEquals(await listDir(datasetCacheDir("mnist", dataDir)), []);
    });
  } finally {
    await server.shutdown();
  }
});

Deno.test("ensureDataset reports the source of all four files", async () => {
  await withTempDir(async (dataDir) => {
    const ds = await ensureDataset("mnist", { dataDir, mirrorDir: mirrorDir(), ...offline });
    assertEquals(ds.dir, datasetCacheDir("mnist", dataDir));
    assertEquals(ds.files.map((f) => f.file.name).sort(), await listDir(ds.dir));
    assertEquals(ds.files.map((f) => f.source), ["mirror", "mirror", "mirror", "mirror"]);
    assertEquals(ds.files.map((f) => f.count), [60000, 60000, 10000, 10000]);
  });
});

Deno.test("an unknown dataset id fails with the list of valid ids", async () => {
  const e = await assertRejects(() => ensureDataset("cifar10"), UnknownDatasetError);
  assertStringIncludes(e.message, '"cifar10"');
  assertStringIncludes(e.message, "mnist, fashion-mnist");
});

Deno.test("the data folder comes from the option, else RNNX_DATA_DIR, else <repo>/data", async () => {
  const repoData = fileURLToPath(new URL("../data", import.meta.url));
  await withEnv({ RNNX_DATA_DIR: undefined }, () => assertEquals(resolveDataDir(), repoData));
  await withEnv({ RNNX_DATA_DIR: "/tmp/elsewhere" }, () => {
    assertEquals(resolveDataDir(), "/tmp/elsewhere");
    assertEquals(resolveDataDir("/opt/x"), "/opt/x");
    assertEquals(datasetCacheDir("mnist"), "/tmp/elsewhere/datasets/mnist");
  });
});

Deno.test("the mirror is taken from RNNX_DATA_MIRROR when no option is given", async () => {
  await withTempDir(async (dataDir) => {
    await withEnv({ RNNX_DATA_MIRROR: mirrorDir(), RNNX_DATA_DIR: dataDir }, async () => {
      const got = await ensureFile("fashion-mnist", "testLabels", offline);
      assertEquals(got.source, "mirror");
      assertEquals(got.path, join(dataDir, "datasets", "fashion-mnist", LABELS));
    });
  });
});
