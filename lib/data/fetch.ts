/**
 * Making a dataset available locally. Each file is resolved from, in order:
 * the cache `<dataDir>/datasets/<id>/`, the mirror folder named by
 * `RNNX_DATA_MIRROR` (holding `mnist/` and `fashion-mnist/`), the Debian
 * package folder (Fashion-MNIST only), and finally an HTTP download. Every
 * copy is checked against the SHA-256 of its decompressed payload and moved
 * into the cache atomically (temporary file in the same folder, then rename),
 * so the cache never holds a bad file. A cache that cannot be written (a
 * read-only data folder) is reported and the verified copy used as it is.
 *
 * @module
 */

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  ChecksumError,
  DataFileError,
  DatasetUnavailableError,
  type SourceAttempt,
} from "./errors.ts";
import { writeFileAtomic } from "./atomic_file.ts";
import { gunzipPayload } from "./idx.ts";
import { type DatasetFile, type DatasetId, datasetInfo, type FileRole } from "./registry.ts";

/** Where a file came from. */
export type SourceKind = "cache" | "mirror" | "debian" | "download";

/** Environment variable naming the data folder (default `<repo>/data`). */
export const DATA_DIR_ENV = "RNNX_DATA_DIR";
/** Environment variable naming a local mirror folder with `mnist/` and `fashion-mnist/`. */
export const DATA_MIRROR_ENV = "RNNX_DATA_MIRROR";

/** A progress report while a file is resolved. */
export interface FetchProgress {
  /** Dataset id. */
  dataset: DatasetId;
  /** File name. */
  file: string;
  /** Source being used. */
  source: SourceKind;
  /** Path or URL of the source. */
  location: string;
  /** `transfer`: bytes arrive; `rejected`: the source was bad; `done`: verified and cached. */
  phase: "transfer" | "rejected" | "done";
  /** Bytes read so far (transfer). */
  loaded?: number;
  /** Total bytes if known (transfer). */
  total?: number;
  /** Why a source was rejected; at `done`, why the copy was not cached, if it was not. */
  reason?: string;
}

/** Options for {@link ensureDataset} and {@link ensureFile}. */
export interface EnsureOptions {
  /** Data folder; default env `RNNX_DATA_DIR`, else `<repo>/data`. */
  dataDir?: string;
  /** Mirror folder; default env `RNNX_DATA_MIRROR`; `null` disables the mirror. */
  mirrorDir?: string | null;
  /** Debian package folder; default from the registry; `null` disables it. */
  debianDir?: string | null;
  /** Base URLs to download from; default from the registry; `null` or `[]` disables downloads. */
  urls?: readonly string[] | null;
  /** A download is abandoned after this many milliseconds without data (default 60,000). */
  downloadIdleMs?: number;
  /** Called with progress reports. */
  onProgress?: (event: FetchProgress) => void;
}

/** A file that is present and verified in the cache. */
export interface ResolvedFile {
  /** Dataset id. */
  dataset: DatasetId;
  /** Registry entry of the file. */
  file: DatasetFile;
  /** Path of the verified file: in the cache, or where it was read when the cache cannot be written. */
  path: string;
  /** Why the file is not in the cache (a read-only data folder), when it is not. */
  notCached?: string;
  /** Source it came from (`cache` if it was already there). */
  source: SourceKind;
  /** Path or URL it was read from. */
  location: string;
  /** SHA-256 (hex) of the decompressed payload. */
  sha256: string;
  /** Sample count read from the IDX header. */
  count: number;
  /** Sources tried before, and why they were not used. */
  attempts: SourceAttempt[];
}

/** A resolved file together with its decompressed payload. */
export interface LoadedFile extends ResolvedFile {
  /** The decompressed IDX payload, header included. */
  payload: Uint8Array;
}

/** The result of {@link ensureDataset}. */
export interface EnsuredDataset {
  /** Dataset id. */
  id: DatasetId;
  /** Cache folder of the dataset. */
  dir: string;
  /** The four files. */
  files: ResolvedFile[];
}

/**
 * The data folder: `dataDir` if given, else env `RNNX_DATA_DIR`, else the
 * repository's `data/` folder (resolved relative to this module).
 */
export function resolveDataDir(dataDir?: string): string {
  if (dataDir) return dataDir;
  const env = Deno.env.get(DATA_DIR_ENV);
  if (env) return env;
  return fileURLToPath(new URL("../../data", import.meta.url));
}

/** The cache folder of a dataset: `<dataDir>/datasets/<id>`. */
export function datasetCacheDir(id: DatasetId, dataDir?: string): string {
  return join(resolveDataDir(dataDir), "datasets", id);
}

/** Lower-case hex SHA-256 of `bytes`. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>),
  );
  let hex = "";
  for (const b of digest) hex += b.toString(16).padStart(2, "0");
  return hex;
}

interface Verified {
  payload: Uint8Array;
  sha256: string;
  count: number;
}

async function verify(gz: Uint8Array, where: string, file: DatasetFile): Promise<Verified> {
  const payload = gunzipPayload(gz, where);
  const sha256 = await sha256Hex(payload);
  if (sha256 !== file.payloadSha256) throw new ChecksumError(where, file.payloadSha256, sha256);
  const count = new DataView(payload.buffer, payload.byteOffset, 8).getUint32(4, false);
  return { payload, sha256, count };
}

async function readIfPresent(path: string): Promise<Uint8Array | undefined> {
  try {
    return await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

async function removeIfPresent(path: string): Promise<void> {
  try {
    await Deno.remove(path);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
}

/** A verified copy and, when it could not be written to the cache, why. */
interface Installed extends Verified {
  /** Why the cache could not take the copy (e.g. a read-only data folder), if it could not. */
  notCached?: string;
}

/**
 * Verifies `gz`, then writes it to a temporary file next to `target` and
 * renames it into place. A cache that cannot be written (a read-only data
 * folder) does not stop the verified copy from being used.
 */
async function install(
  gz: Uint8Array,
  where: string,
  file: DatasetFile,
  target: string,
): Promise<Installed> {
  const verified = await verify(gz, where, file);
  try {
    await writeFileAtomic(target, gz);
    return verified;
  } catch (e) {
    return { ...verified, notCached: `cannot write the cache ${dirname(target)}: ${describe(e)}` };
  }
}

async function download(
  url: string,
  idleMs: number,
  report: (loaded: number, total?: number) => void,
): Promise<Uint8Array> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(
      () => controller.abort(new Error(`no data for ${idleMs} ms`)),
      idleMs,
    );
  };
  arm();
  try {
    const response = await fetch(url, { signal: controller.signal });
    if (!response.ok || !response.body) {
      await response.body?.cancel();
      throw new Error(`HTTP ${response.status} ${response.statusText}`.trim());
    }
    const header = response.headers.get("content-length");
    const total = header ? Number(header) : undefined;
    const chunks: Uint8Array[] = [];
    let loaded = 0;
    const reader = response.body.getReader();
    for (;;) {
      arm();
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      loaded += value.byteLength;
      report(loaded, total);
    }
    const out = new Uint8Array(loaded);
    let offset = 0;
    for (const c of chunks) {
      out.set(c, offset);
      offset += c.byteLength;
    }
    return out;
  } finally {
    clearTimeout(timer);
  }
}

function describe(e: unknown): string {
  if (e instanceof DataFileError) return e.problem;
  if (!(e instanceof Error)) return String(e);
  const cause = e.cause instanceof Error ? ` (${e.cause.message})` : "";
  return `${e.message}${cause}`;
}

/**
 * Makes one file of a dataset available and verified in the cache and returns
 * its decompressed payload. Sources are tried in order (cache, mirror, Debian,
 * download); a bad cached copy is reported, removed and replaced. If no source
 * works, throws {@link ChecksumError} when some source had wrong content, else
 * {@link DatasetUnavailableError}; both list every source tried.
 */
export async function ensureFile(
  id: DatasetId,
  role: FileRole,
  options: EnsureOptions = {},
): Promise<LoadedFile> {
  const info = datasetInfo(id);
  const file = info.files.find((f) => f.role === role);
  if (!file) throw new Error(`${id}: no file with role ${role}`);
  const target = join(datasetCacheDir(id, options.dataDir), file.name);
  const attempts: SourceAttempt[] = [];
  let firstChecksum: ChecksumError | undefined;
  const progress = options.onProgress ?? (() => {});

  const reject = (source: SourceKind, location: string, e: unknown, note = ""): void => {
    if (e instanceof ChecksumError && !firstChecksum) firstChecksum = e;
    const invalid = e instanceof DataFileError;
    const reason = describe(e) + note;
    attempts.push({ source, location, reason, problem: invalid ? "invalid" : "unreachable" });
    progress({ dataset: id, file: file.name, source, location, phase: "rejected", reason });
  };
  const done = (source: SourceKind, location: string, v: Installed): LoadedFile => {
    progress({
      dataset: id,
      file: file.name,
      source,
      location,
      phase: "done",
      reason: v.notCached,
    });
    return {
      dataset: id,
      file,
      path: v.notCached ? location : target,
      ...(v.notCached ? { notCached: v.notCached } : {}),
      source,
      location,
      sha256: v.sha256,
      count: v.count,
      attempts,
      payload: v.payload,
    };
  };

  // (a) the cache
  const cached = await readIfPresent(target);
  if (cached) {
    try {
      return done("cache", target, await verify(cached, target, file));
    } catch (e) {
      if (!(e instanceof DataFileError)) throw e;
      const note = await removeIfPresent(target).then(
        () => "",
        (r) => ` (the bad copy could not be removed: ${describe(r)})`,
      );
      reject("cache", target, e, note);
    }
  } else {
    attempts.push({ source: "cache", location: target, reason: "not present", problem: "missing" });
  }

  // (b) the mirror, (c) the Debian package folder
  const mirror = options.mirrorDir === undefined
    ? Deno.env.get(DATA_MIRROR_ENV)
    : options.mirrorDir;
  const debian = options.debianDir === undefined ? info.debianDir : options.debianDir;
  const folders: [SourceKind, string][] = [];
  if (mirror) folders.push(["mirror", join(mirror, id, file.name)]);
  if (debian) folders.push(["debian", join(debian, file.name)]);
  for (const [source, path] of folders) {
    let gz: Uint8Array | undefined;
    try {
      gz = await readIfPresent(path);
    } catch (e) {
      reject(source, path, e);
      continue;
    }
    if (!gz) {
      attempts.push({ source, location: path, reason: "not present", problem: "missing" });
      continue;
    }
    progress({
      dataset: id,
      file: file.name,
      source,
      location: path,
      phase: "transfer",
      loaded: gz.byteLength,
      total: gz.byteLength,
    });
    try {
      return done(source, path, await install(gz, path, file, target));
    } catch (e) {
      if (!(e instanceof DataFileError)) throw e;
      reject(source, path, e);
    }
  }

  // (d) HTTP download
  const urls = options.urls === undefined ? info.urls : options.urls ?? [];
  for (const base of urls) {
    const url = new URL(file.name, base.endsWith("/") ? base : `${base}/`).href;
    let gz: Uint8Array;
    try {
      gz = await download(url, options.downloadIdleMs ?? 60_000, (loaded, total) =>
        progress({
          dataset: id,
          file: file.name,
          source: "download",
          location: url,
          phase: "transfer",
          loaded,
          total,
        }));
    } catch (e) {
      reject("download", url, e);
      continue;
    }
    try {
      return done("download", url, await install(gz, url, file, target));
    } catch (e) {
      if (!(e instanceof DataFileError)) throw e;
      reject("download", url, e);
    }
  }

  const summary = attempts.map((a) => `${a.source} (${a.location}): ${a.reason}`).join("; ");
  if (firstChecksum) {
    throw new ChecksumError(
      firstChecksum.file,
      firstChecksum.expected,
      firstChecksum.actual,
      `no valid copy of ${id}/${file.name} found; tried ${summary}`,
    );
  }
  throw new DatasetUnavailableError(id, file.name, attempts);
}

/**
 * Makes all four files of a dataset available and verified in the cache and
 * reports where each came from.
 *
 * @example
 * ```ts ignore
 * import { ensureDataset } from "./fetch.ts";
 * const ds = await ensureDataset("mnist", { onProgress: (e) => console.log(e.phase, e.file) });
 * for (const f of ds.files) console.log(f.file.name, f.source);
 * ```
 */
export async function ensureDataset(
  id: string,
  options: EnsureOptions = {},
): Promise<EnsuredDataset> {
  const info = datasetInfo(id);
  const files: ResolvedFile[] = [];
  for (const f of info.files) {
    const { payload: _payload, ...resolved } = await ensureFile(info.id, f.role, options);
    files.push(resolved);
  }
  return { id: info.id, dir: datasetCacheDir(info.id, options.dataDir), files };
}
