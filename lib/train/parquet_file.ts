/**
 * How the project writes Parquet: zstd-compressed pages, written atomically.
 * Stored predictions, evaluation rows and quality rows all go through
 * {@link writeParquetAtomic}, so the codec is chosen here once.
 *
 * @module
 */
import type { DataFrame } from "nodejs-polars";
import { writeFileAtomic } from "../data/mod.ts";

/** The page compression of every Parquet file the project writes. */
export const PARQUET_COMPRESSION = "zstd";

/**
 * Writes `df` to `path` as Parquet with {@link PARQUET_COMPRESSION} pages,
 * atomically (a reader sees the old file or the new one).
 *
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { writeParquetAtomic } from "./parquet_file.ts";
 * const dir = await Deno.makeTempDir();
 * await writeParquetAtomic(`${dir}/a.parquet`, pl.DataFrame({ x: [1, 2] }));
 * console.log(pl.readParquet(`${dir}/a.parquet`).height); // 2
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeParquetAtomic(path: string, df: DataFrame): Promise<void> {
  await writeFileAtomic(
    path,
    new Uint8Array(df.writeParquet({ compression: PARQUET_COMPRESSION })),
  );
}
