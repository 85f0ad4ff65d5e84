/**
 * `deno task data`: fetches and verifies MNIST and Fashion-MNIST into the
 * data folder, from the cache, the mirror named by RNNX_DATA_MIRROR, the
 * Debian package folder or the public download locations, then prints where
 * each file came from.
 *
 * @module
 */

import {
  DATA_DIR_ENV,
  DATA_MIRROR_ENV,
  DATASET_IDS,
  datasetInfo,
  ensureDataset,
  type FetchProgress,
  resolveDataDir,
  type ResolvedFile,
} from "../data/mod.ts";

const USAGE = `Usage: deno task data [options] [dataset ...]

Fetches and verifies the datasets (default: ${DATASET_IDS.join(", ")}) into
<data-dir>/datasets/<id>/. Each file is taken from the first source that has a
valid copy: the cache, the mirror folder in $${DATA_MIRROR_ENV}, the Debian
package folder (Fashion-MNIST), then the public download locations. Every copy
is checked against the SHA-256 of its decompressed payload.

Options:
  --data-dir <dir>  data folder (default $${DATA_DIR_ENV}, else <repo>/data)
  --no-download     never download; fail if no local source has a valid copy
  -h, --help        show this help
`;

/** Parsed command line of the data command. */
export interface DataArgs {
  /** Data folder, if given. */
  dataDir?: string;
  /** Whether downloads are allowed. */
  download: boolean;
  /** Dataset ids to fetch. */
  datasets: string[];
  /** Whether help was asked for. */
  help: boolean;
}

/** Parses the command line; throws on unknown options and unknown dataset ids. */
export function parseDataArgs(args: readonly string[]): DataArgs {
  const out: DataArgs = { download: true, datasets: [], help: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "-h" || a === "--help") out.help = true;
    else if (a === "--no-download") out.download = false;
    else if (a === "--data-dir") {
      const v = args[++i];
      if (v === undefined || v.startsWith("-")) throw new Error("--data-dir needs a folder");
      out.dataDir = v;
    } else if (a.startsWith("--data-dir=")) out.dataDir = a.slice("--data-dir=".length);
    else if (a.startsWith("-")) {
      throw new Error(`unknown option ${a}; valid options: --data-dir, --no-download, --help`);
    } else out.datasets.push(datasetInfo(a).id);
  }
  if (out.datasets.length === 0) out.datasets = [...DATASET_IDS];
  return out;
}

function progressPrinter(): (e: FetchProgress) => void {
  const lastTenth = new Map<string, number>();
  return (e) => {
    const key = `${e.dataset}/${e.file}`;
    if (e.phase === "rejected") {
      console.error(`  ${key}: ${e.source} ${e.location} rejected: ${e.reason}`);
    } else if (e.phase === "transfer" && e.source === "download") {
      const total = e.total ?? 0;
      const tenth = total > 0 ? Math.floor((10 * (e.loaded ?? 0)) / total) : -1;
      if (tenth !== lastTenth.get(key) && (tenth >= 0 || lastTenth.get(key) === undefined)) {
        lastTenth.set(key, tenth);
        const mb = ((e.loaded ?? 0) / 1e6).toFixed(1);
        const pct = tenth >= 0 ? ` (${tenth * 10}%)` : "";
        console.error(`  ${key}: downloading ${e.location} ${mb} MB${pct}`);
      }
    } else if (e.phase === "transfer") {
      console.error(`  ${key}: copying from ${e.source} ${e.location}`);
    } else if (e.phase === "done") {
      console.error(
        `  ${key}: verified (${e.source})${e.reason ? `; not cached: ${e.reason}` : ""}`,
      );
    }
  };
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((v, c) => v.padEnd(widths[c])).join("  ").trimEnd()).join("\n");
}

/** Runs the data command; returns the process exit code. */
export async function runData(args: readonly string[]): Promise<number> {
  let parsed: DataArgs;
  try {
    parsed = parseDataArgs(args);
  } catch (e) {
    console.error(`error: ${e instanceof Error ? e.message : String(e)}\n\n${USAGE}`);
    return 2;
  }
  if (parsed.help) {
    console.log(USAGE);
    return 0;
  }
  const dataDir = resolveDataDir(parsed.dataDir);
  const mirror = Deno.env.get(DATA_MIRROR_ENV);
  console.error(`data folder: ${dataDir}`);
  console.error(`mirror: ${mirror ?? `(none; set ${DATA_MIRROR_ENV})`}`);
  const rows: string[][] = [["dataset", "file", "source", "count", "sha256"]];
  const onProgress = progressPrinter();
  try {
    for (const id of parsed.datasets) {
      const ds = await ensureDataset(id, {
        dataDir,
        onProgress,
        ...(parsed.download ? {} : { urls: null }),
      });
      for (const f of ds.files) rows.push(row(f));
    }
  } catch (e) {
    console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
  console.log(table(rows));
  return 0;
}

function row(f: ResolvedFile): string[] {
  const ok = f.sha256 === f.file.payloadSha256 && f.count === f.file.count;
  return [
    f.dataset,
    f.file.name,
    f.source,
    String(f.count),
    `${ok ? "OK" : "MISMATCH"} ${f.sha256.slice(0, 12)}`,
  ];
}

if (import.meta.main) Deno.exit(await runData(Deno.args));
