/**
 * Folders that appear complete or not at all. A folder of outputs is written
 * into a sibling staging folder `<target>.partial-<pid>-<n>`, then moved into
 * place: a folder already at the target is renamed to
 * `<target>.replaced-<pid>-<n>`, the staging folder renamed to the target,
 * and the old folder removed. A reader sees the old folder or the new one,
 * never a mix; a process killed while writing leaves only its `.partial-`
 * folder beside the target.
 *
 * @module
 */
import { dirname } from "node:path";

/** Names left beside `<target>` by a write in progress or interrupted: `<target>.<kind>-<pid>-<n>`. */
export const STAGING_LEFTOVER = /^(.*)\.(partial|replaced)-(\d+)-\d+$/;

let counter = 0;

/** Creates a fresh, empty staging folder beside `target` (whose parent is created if needed). */
export async function createStagingFolder(target: string): Promise<string> {
  await Deno.mkdir(dirname(target), { recursive: true });
  const staging = `${target}.partial-${Deno.pid}-${++counter}`;
  await Deno.remove(staging, { recursive: true }).catch(() => {});
  await Deno.mkdir(staging);
  return staging;
}

/** Moves the complete folder `staging` into place as `target`, replacing what is there. */
export async function replaceFolder(staging: string, target: string): Promise<void> {
  let old: string | undefined;
  try {
    await Deno.lstat(target);
    old = `${target}.replaced-${Deno.pid}-${++counter}`;
    await Deno.rename(target, old);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  await Deno.rename(staging, target);
  if (old) await Deno.remove(old, { recursive: true });
}

/**
 * Writes a folder atomically: `write` fills a staging folder beside `target`,
 * which then replaces `target`. When `write` fails, the staging folder is
 * removed and `target` is left as it was.
 *
 * @example
 * ```ts
 * import { writeFolderAtomic } from "./staged_folder.ts";
 * const dir = await Deno.makeTempDir();
 * await writeFolderAtomic(`${dir}/out`, (tmp) => Deno.writeTextFile(`${tmp}/a.txt`, "a"));
 * if (await Deno.readTextFile(`${dir}/out/a.txt`) !== "a") throw new Error();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeFolderAtomic<T>(
  target: string,
  write: (staging: string) => Promise<T>,
): Promise<T> {
  const staging = await createStagingFolder(target);
  try {
    const result = await write(staging);
    await replaceFolder(staging, target);
    return result;
  } catch (e) {
    await Deno.remove(staging, { recursive: true }).catch(() => {});
    throw e;
  }
}
