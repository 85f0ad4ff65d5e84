/**
 * Shared pieces of the experiments tests: hand-made grids (runs with given
 * accuracies, nothing on disk) and the dataset mirror.
 *
 * @module
 */
import type { ExperimentContext, GridEntry, RunGrid } from "../lib/experiments/mod.ts";
import { getProfile, type RunManifest, type RunResult } from "../lib/train/mod.ts";
import type { CellId } from "../lib/cells/mod.ts";

/** A context that points nowhere (for tables and claims; nothing is trained or saved). */
export function fakeContext(profile = "quick"): ExperimentContext {
  return {
    profile: getProfile(profile),
    seed: 0,
    training: "missing",
    backend: { name: "cpu", detail: "test", tfjsVersion: "0", kernelFixes: [] },
    runsRoot: "/runs",
    figuresDir: "/figures",
  };
}

/** A grid entry whose runs (one per accuracy, in %) exist only in memory. */
export function fakeEntry(
  dataset: string,
  cell: CellId,
  T: number,
  accuracies: readonly number[],
): GridEntry {
  const maj = dataset.endsWith("-maj");
  const runs: RunResult[] = accuracies.map((acc, k) => {
    const key = {
      dataset,
      cell,
      T,
      profile: "quick",
      seed: 0,
      biasMode: "code",
      folds: maj ? accuracies.length : null,
      fold: maj ? k : null,
    };
    const dir = `/runs/${dataset}/${cell}-T${T}/quick-seed0/${
      maj ? `fold-${k}of${accuracies.length}` : "split"
    }`;
    const manifest = {
      key,
      evaluation: { accuracy: acc / 100, samples: 100 },
      training: { history: [1, 2, 3].map((epoch) => ({ epoch })) },
    } as unknown as RunManifest;
    return { key, dir, manifest, skipped: true };
  });
  return { dataset, cell, T, runs };
}

/** A grid of fake entries. */
export function fakeGrid(entries: GridEntry[]): RunGrid {
  return { ctx: fakeContext(), entries };
}
