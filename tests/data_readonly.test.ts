import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { join } from "node:path";
import { ensureDataMirror } from "./train_fixtures.ts";

const hasMirror = ensureDataMirror();

/** Runs `deno task data mnist` on `dataDir` mounted read-only (a private mount namespace). */
async function dataTaskReadOnly(dataDir: string, mirror: string | null) {
  const deno = Deno.execPath();
  const env = mirror ? `RNNX_DATA_MIRROR=${mirror} ` : "";
  const script = `mount --bind ${dataDir} ${dataDir} && mount -o remount,bind,ro ${dataDir} && ` +
    `${env}exec ${deno} run --allow-all lib/cli/data.ts mnist --data-dir ${dataDir} --no-download`;
  const out = await new Deno.Command("unshare", {
    args: ["-m", "sh", "-c", script],
    cwd: new URL("..", import.meta.url),
    env: { NO_COLOR: "1", RNNX_DATA_MIRROR: "" },
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Whether this machine lets a test mount a folder read-only (root with mount rights). */
async function canMountReadOnly(): Promise<boolean> {
  const dir = await Deno.makeTempDir();
  try {
    const out = await new Deno.Command("unshare", {
      args: ["-m", "sh", "-c", `mount --bind ${dir} ${dir} && mount -o remount,bind,ro ${dir}`],
      stdout: "null",
      stderr: "null",
    }).output();
    return out.success;
  } catch {
    return false;
  } finally {
    await Deno.remove(dir);
  }
}

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

Deno.test({
  name:
    "a read-only data folder: a bad cached file is reported as such, and the mirror is used uncached",
  ignore: !hasMirror || !(await canMountReadOnly()),
  async fn() {
    const dataDir = await Deno.makeTempDir({ prefix: "rnnx-readonly-" });
    try {
      const cache = join(dataDir, "datasets", "mnist");
      await Deno.mkdir(cache, { recursive: true });
      // a well-formed gzip whose payload is not MNIST's
      const bad = join(cache, "train-images-idx3-ubyte.gz");
      await Deno.writeFile(bad, await gzip(new Uint8Array(64).fill(7)));

      const alone = await dataTaskReadOnly(dataDir, null);
      assertEquals(alone.code, 1);
      assertStringIncludes(alone.stderr, `${bad}: payload SHA-256 mismatch`);
      assertStringIncludes(
        alone.stderr,
        "the bad copy could not be removed: Read-only file system",
      );

      const mirrored = await dataTaskReadOnly(dataDir, Deno.env.get("RNNX_DATA_MIRROR")!);
      assertEquals(mirrored.code, 0, mirrored.stderr);
      const sources = mirrored.stdout.split("\n").slice(1).filter(Boolean).map((l) =>
        l.split(/\s+/)[2]
      );
      assertEquals(sources, ["mirror", "mirror", "mirror", "mirror"]);
      assert(mirrored.stdout.includes("OK") && !mirrored.stdout.includes("MISMATCH"));
      assertStringIncludes(mirrored.stderr, "payload SHA-256 mismatch");
      assertStringIncludes(mirrored.stderr, `not cached: cannot write the cache ${cache}`);
      assertEquals((await Array.fromAsync(Deno.readDir(cache))).map((e) => e.name), [
        "train-images-idx3-ubyte.gz",
      ]);
    } finally {
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});
