/**
 * Stored runs. One trained model (dataset, cell, T, profile, seed, bias mode,
 * fold) lives in its own directory under the runs root (env `RNNX_RUNS_DIR`,
 * default `<repo>/runs`, where the `converged` runs behind the committed
 * report are kept in git; see `runs/README.md`):
 *
 * ```text
 * <root>/<dataset>/<cell>-T<T>/<profile>-seed<S>[-thesis-bias]/
 *   fold-<k>of<K>/          cross-validation fold k of K (MAJ datasets)
 *   split/                  the single Experiment-1 split (plain datasets)
 *     manifest.json         what was trained, how, where, how long, how well
 *     weights.safetensors   the parameters (see lib/cells/weights.ts)
 *     predictions.parquet   per-sample predictions on the fold's/split's test samples
 * ```
 *
 * A run directory only ever appears complete: it is written as a sibling
 * `<leaf>.partial-<pid>-<n>` and renamed into place after the manifest (written
 * last) lists every file with its size and SHA-256; a run trained again
 * (forced, or with other settings) replaces the stored one the same way. A directory whose manifest
 * is missing, unreadable, marks another format, or whose files do not match
 * it, is incomplete and is trained again. Per-epoch checkpoints go to
 * `<leaf>.checkpoint/` and are deleted when the run completes. While a
 * process trains a run it holds `<leaf>.lock` (see `run_lock.ts`).
 *
 * @module
 */
import type { StoppingRule, StopRecord } from "./stopping.ts";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { sourceState } from "./git_state.ts";
import { replaceFolder, sha256Hex, STAGING_LEFTOVER } from "../data/mod.ts";
import { RunStoreError } from "./errors.ts";
import { processAlive } from "./process_alive.ts";

/** The environment variable that moves the runs root. */
export const RUNS_DIR_ENV = "RNNX_RUNS_DIR";

/** The `format` field of every manifest written by this version. */
export const MANIFEST_FORMAT = "rnnx-run/1";

/** File names inside a run directory. */
export const RUN_FILES = {
  manifest: "manifest.json",
  weights: "weights.safetensors",
  predictions: "predictions.parquet",
} as const;

/** What identifies a stored run. */
export interface RunKey {
  /** Task id: mnist, fashion-mnist, mnist-maj, fashion-mnist-maj. */
  dataset: string;
  /** Cell id. */
  cell: string;
  /** Sequence length. */
  T: number;
  /** Profile name. */
  profile: string;
  /** Run seed. */
  seed: number;
  /** Bias mode (`code` or `thesis`). */
  biasMode: string;
  /** Number of folds K, or null for the single split. */
  folds: number | null;
  /** Fold number k (0-based), or null for the single split. */
  fold: number | null;
}

/** A file listed in a manifest. */
export interface ManifestFile {
  /** File name inside the run directory. */
  name: string;
  /** Size in bytes. */
  bytes: number;
  /** SHA-256 (hex). */
  sha256: string;
}

/** The manifest of a completed run (`manifest.json`). */
export interface RunManifest {
  /** Always {@link MANIFEST_FORMAT}. */
  format: string;
  /** The run's identity. */
  key: RunKey;
  /** The cell as trained. */
  cell: {
    id: string;
    label: string;
    T: number;
    width: number;
    columns: number;
    params: number;
    params_thesis: number;
    notes: string[];
  };
  /** The profile's settings at the time of the run. */
  profile: Record<string, unknown>;
  /** Training settings and per-epoch history. */
  training: {
    epochs: number;
    batchSize: number;
    learningRate: number;
    optimizer: { name: "adam"; beta1: number; beta2: number; epsilon: number };
    keepProb: number;
    biasMode: string;
    loss: string;
    trainSamples: number;
    trainSource: string;
    resumedFromEpoch: number;
    history: {
      epoch: number;
      loss: number;
      accuracy: number;
      seconds: number;
      seqPerSec: number;
      heldOutAccuracy?: number;
    }[];
    /** With early stopping: where and why training stopped, by which rule, on which samples. */
    stopping?: StopRecord & { rule: StoppingRule; heldOutSource: string };
  };
  /** Evaluation on the test samples. */
  evaluation: { source: string; samples: number; accuracy: number; loss: number };
  /**
   * Wall-clock timings of the process that finished the run; a resumed run's
   * earlier sessions count only in `training.history` (see {@link trainingSeconds}).
   */
  timings: {
    startedAt: string;
    finishedAt: string;
    trainSeconds: number;
    evalSeconds: number;
    totalSeconds: number;
  };
  /** Where it ran. */
  environment: {
    backend: string;
    backendDetail: string;
    /** The native BLAS the run was trained with, or null; absent in older manifests. */
    blas?: string | null;
    tfjs: string;
    deno: string;
    os: string;
    gitCommit: string | null;
    gitDirty: boolean | null;
  };
  /** The files of the run. */
  files: { weights: ManifestFile; predictions: ManifestFile };
}

/**
 * Seconds spent in the training epochs of a run over every session that
 * trained it (a resumed run's earlier epochs included; the held-out checks
 * and the test evaluation excluded).
 *
 * @example
 * ```ts
 * import { trainingSeconds } from "./store.ts";
 * const training = { history: [{ seconds: 80 }, { seconds: 82.5 }] };
 * if (trainingSeconds({ training }) !== 162.5) throw new Error();
 * ```
 */
export function trainingSeconds(
  manifest: { training: { history: readonly { seconds: number }[] } },
): number {
  return manifest.training.history.reduce((sum, e) => sum + e.seconds, 0);
}

/**
 * The default runs root: env `RNNX_RUNS_DIR`, else `<repo>/runs`. Committed
 * runs (the `converged` profile's) and local ones (every other profile,
 * ignored by git) live side by side there, so one lookup serves both.
 */
export function defaultRunsRoot(): string {
  let env: string | undefined;
  try {
    env = Deno.env.get(RUNS_DIR_ENV);
  } catch {
    env = undefined;
  }
  if (env && env.trim() !== "") return resolve(env.trim());
  return join(dirname(fileURLToPath(import.meta.url)), "..", "..", "runs");
}

/** The directory holding every fold of a run: `<dataset>/<cell>-T<T>/<profile>-seed<S>[...]`. */
export function runGroupDir(root: string, key: Omit<RunKey, "fold" | "folds">): string {
  const bias = key.biasMode === "code" ? "" : `-${key.biasMode}-bias`;
  return join(root, key.dataset, `${key.cell}-T${key.T}`, `${key.profile}-seed${key.seed}${bias}`);
}

/** The leaf name of a fold (`fold-<k>of<K>`) or of the single split (`split`). */
export function runLeafName(key: Pick<RunKey, "fold" | "folds">): string {
  return key.fold === null ? "split" : `fold-${key.fold}of${key.folds}`;
}

/** The directory of one run. */
export function runDir(root: string, key: RunKey): string {
  return join(runGroupDir(root, key), runLeafName(key));
}

/** The checkpoint directory of a run in progress. */
export function checkpointDir(dir: string): string {
  return `${dir}.checkpoint`;
}

/** SHA-256 (hex) of bytes: the data layer's, re-exported where runs and checkpoints use it. */
export { sha256Hex };

/** Describes a file for the manifest. */
export async function describeFile(dir: string, name: string): Promise<ManifestFile> {
  const bytes = await Deno.readFile(join(dir, name));
  return { name, bytes: bytes.length, sha256: await sha256Hex(bytes) };
}

/** Whether `path` exists (a file, folder or link). */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

function sameKey(a: RunKey, b: RunKey): boolean {
  return a.dataset === b.dataset && a.cell === b.cell && a.T === b.T &&
    a.profile === b.profile && a.seed === b.seed && a.biasMode === b.biasMode &&
    a.folds === b.folds && a.fold === b.fold;
}

/**
 * Reads and checks the manifest of a run directory: the format, the files it
 * lists (present, same size and SHA-256) and, when `expected` is given, the
 * key. Throws {@link RunStoreError} saying what is wrong.
 */
export async function readManifest(dir: string, expected?: RunKey): Promise<RunManifest> {
  const path = join(dir, RUN_FILES.manifest);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new RunStoreError(dir, `no ${RUN_FILES.manifest} (the run is incomplete)`);
    }
    throw e;
  }
  let m: RunManifest;
  try {
    m = JSON.parse(text);
  } catch (e) {
    throw new RunStoreError(
      dir,
      `${RUN_FILES.manifest} is not valid JSON: ${(e as Error).message}`,
    );
  }
  if (m?.format !== MANIFEST_FORMAT) {
    throw new RunStoreError(
      dir,
      `manifest format is ${JSON.stringify(m?.format)}, expected "${MANIFEST_FORMAT}"`,
    );
  }
  if (expected && !sameKey(m.key, expected)) {
    throw new RunStoreError(
      dir,
      `manifest key ${JSON.stringify(m.key)} differs from the expected ${JSON.stringify(expected)}`,
    );
  }
  for (const f of [m.files?.weights, m.files?.predictions]) {
    if (!f?.name) throw new RunStoreError(dir, "manifest lists no weights or predictions file");
    let actual: ManifestFile;
    try {
      actual = await describeFile(dir, f.name);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) {
        throw new RunStoreError(dir, `${f.name} is missing`);
      }
      throw e;
    }
    if (actual.bytes !== f.bytes || actual.sha256 !== f.sha256) {
      throw new RunStoreError(
        dir,
        `${f.name} has ${actual.bytes} bytes (SHA-256 ${actual.sha256.slice(0, 12)}…), ` +
          `the manifest says ${f.bytes} bytes (${f.sha256.slice(0, 12)}…)`,
      );
    }
  }
  return m;
}

/** Whether `dir` holds a complete run (for `expected`, when given). */
export async function isRunComplete(dir: string, expected?: RunKey): Promise<boolean> {
  try {
    await readManifest(dir, expected);
    return true;
  } catch (e) {
    if (e instanceof RunStoreError) return false;
    throw e;
  }
}

/**
 * Cleans up after processes that no longer run (or whose state cannot be
 * known), never after live ones. When `dir` is missing because such a process
 * died between the two renames of {@link commitStagingDir}, the complete run
 * it left is moved into place (its new run, else the old one); every other
 * leftover is removed. Returns what was done, one line per directory.
 */
export async function removeStaleStaging(dir: string, expected?: RunKey): Promise<string[]> {
  const parent = dirname(dir);
  const base = dir.slice(parent.length + 1);
  const done: string[] = [];
  if (!(await pathExists(parent))) return done;
  const leftovers: { name: string; kind: string }[] = [];
  for await (const e of Deno.readDir(parent)) {
    const m = e.name.match(STAGING_LEFTOVER);
    if (!m || m[1] !== base) continue;
    const pid = Number(m[3]);
    if (pid === Deno.pid || processAlive(pid) === true) continue;
    leftovers.push({ name: e.name, kind: m[2] });
  }
  // a new run ("partial") is preferred to the one it was replacing
  leftovers.sort((a, b) => (a.kind === "partial" ? 0 : 1) - (b.kind === "partial" ? 0 : 1));
  for (const { name } of leftovers) {
    const path = join(parent, name);
    if (!(await pathExists(dir)) && await isRunComplete(path, expected)) {
      await Deno.rename(path, dir);
      done.push(`${name}: complete run moved into place as ${base}`);
    } else {
      await Deno.remove(path, { recursive: true });
      done.push(`${name}: removed`);
    }
  }
  return done;
}

/**
 * Moves a fully written staging directory into place as `dir`, replacing the
 * run stored there (the caller holds the run's lock, see `run_lock.ts`): the
 * old directory is renamed to `<leaf>.replaced-<pid>-<n>`, the staging one to
 * `dir`, then the old one is removed. A process that dies between the two
 * renames leaves both complete; {@link removeStaleStaging} moves the new one
 * into place.
 */
export async function commitStagingDir(
  staging: string,
  dir: string,
  expected: RunKey,
): Promise<void> {
  await readManifest(staging, expected);
  await replaceFolder(staging, dir);
}

/** A complete stored run found by {@link listRuns}. */
export interface StoredRun {
  /** Its directory. */
  dir: string;
  /** Its manifest. */
  manifest: RunManifest;
}

/** Which stored runs {@link listRuns} returns (every field optional). */
export type RunFilter = Partial<RunKey>;

async function subdirs(dir: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      if (e.isDirectory && !STAGING_LEFTOVER.test(e.name) && !e.name.endsWith(".checkpoint")) {
        out.push(e.name);
      }
    }
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
  return out.sort();
}

function matches(key: RunKey, filter: RunFilter): boolean {
  return (Object.keys(filter) as (keyof RunKey)[]).every((k) =>
    filter[k] === undefined || filter[k] === key[k]
  );
}

/**
 * Every complete run under `root` that matches `filter`, sorted by directory.
 * Incomplete directories are skipped.
 *
 * @example
 * ```ts ignore
 * import { listRuns } from "./store.ts";
 * for (const r of await listRuns(undefined, { dataset: "mnist-maj", profile: "quick" })) {
 *   console.log(r.manifest.key.cell, r.manifest.key.fold, r.manifest.evaluation.accuracy);
 * }
 * ```
 */
export async function listRuns(
  root: string = defaultRunsRoot(),
  filter: RunFilter = {},
): Promise<StoredRun[]> {
  const out: StoredRun[] = [];
  const datasets = filter.dataset ? [filter.dataset] : await subdirs(root);
  for (const d of datasets) {
    for (const c of await subdirs(join(root, d))) {
      for (const g of await subdirs(join(root, d, c))) {
        for (const leaf of await subdirs(join(root, d, c, g))) {
          const dir = join(root, d, c, g, leaf);
          try {
            const manifest = await readManifest(dir);
            if (matches(manifest.key, filter)) out.push({ dir, manifest });
          } catch (e) {
            if (!(e instanceof RunStoreError)) throw e;
          }
        }
      }
    }
  }
  return out;
}

let gitCache: Promise<{ commit: string | null; dirty: boolean | null }> | undefined;

/**
 * The git commit of the working tree and whether its sources have uncommitted
 * changes (null if unknown); the pipeline's own outputs do not count (see
 * {@link sourceState}).
 */
export function gitState(): Promise<{ commit: string | null; dirty: boolean | null }> {
  gitCache ??= sourceState().then(({ commit, changed }) => ({
    commit,
    dirty: changed === null ? null : changed.length > 0,
  }));
  return gitCache;
}
