/**
 * Parquet checks shared by the tests of the files the toolkit writes.
 *
 * @module
 */

/** The magic number that opens every zstd frame (0xFD2FB528, little-endian). */
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];

/** True when the Parquet file at `path` holds zstd-compressed pages (its bytes contain a zstd frame). */
export async function holdsZstdPages(path: string): Promise<boolean> {
  const bytes = await Deno.readFile(path);
  for (let i = 0; i + ZSTD_MAGIC.length <= bytes.length; i++) {
    if (ZSTD_MAGIC.every((b, k) => bytes[i + k] === b)) return true;
  }
  return false;
}
