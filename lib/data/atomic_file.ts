/**
 * Atomic file writes: write a temporary file next to the target, then rename
 * it over the target, so readers see either the old file or the new one; or
 * link it into place, so a new file appears only whole.
 *
 * @module
 */
import { basename, dirname } from "node:path";

/**
 * Writes `data` (bytes or text) to `path` atomically, creating parent folders.
 * The file is readable by everyone (mode 0644 where the system has modes), as
 * a file written directly would be; a failed write removes its temporary file
 * and leaves what was at `path` untouched.
 *
 * @example
 * ```ts
 * import { writeFileAtomic } from "./atomic_file.ts";
 * const dir = await Deno.makeTempDir();
 * await writeFileAtomic(`${dir}/a.txt`, "hello");
 * if (await Deno.readTextFile(`${dir}/a.txt`) !== "hello") throw new Error();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  await placeWritten(path, data, (tmp) => Deno.rename(tmp, path));
}

/**
 * Creates `path` holding `data` unless something is already there, atomically:
 * the data is written to a temporary file next to it and hard-linked into place,
 * which fails if `path` exists, so no reader (and no process that finds the file
 * after this one was killed) ever sees it empty or partly written. Returns
 * whether `path` was created; the temporary file is removed either way.
 *
 * @example
 * ```ts
 * import { createFileAtomic } from "./atomic_file.ts";
 * const dir = await Deno.makeTempDir();
 * if (!(await createFileAtomic(`${dir}/a.lock`, "first"))) throw new Error();
 * if (await createFileAtomic(`${dir}/a.lock`, "second")) throw new Error();
 * if (await Deno.readTextFile(`${dir}/a.lock`) !== "first") throw new Error();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function createFileAtomic(path: string, data: Uint8Array | string): Promise<boolean> {
  let created = true;
  await placeWritten(path, data, async (tmp) => {
    try {
      await Deno.link(tmp, path);
    } catch (e) {
      if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
      created = false;
    }
    await Deno.remove(tmp);
  });
  return created;
}

/**
 * Writes `data` to a new temporary file beside `path` (readable by everyone, mode
 * 0644 where the system has modes) and calls `place` with it; if anything fails,
 * the temporary file is removed and `path` is untouched.
 */
async function placeWritten(
  path: string,
  data: Uint8Array | string,
  place: (tmp: string) => Promise<void>,
): Promise<void> {
  const dir = dirname(path);
  await Deno.mkdir(dir, { recursive: true });
  const tmp = await Deno.makeTempFile({ dir, prefix: `.${basename(path)}.`, suffix: ".tmp" });
  try {
    if (typeof data === "string") await Deno.writeTextFile(tmp, data);
    else await Deno.writeFile(tmp, data);
    if (Deno.build.os !== "windows") await Deno.chmod(tmp, 0o644);
    await place(tmp);
  } catch (error) {
    await Deno.remove(tmp).catch(() => {});
    throw error;
  }
}
