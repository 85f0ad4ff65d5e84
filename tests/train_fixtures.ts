/**
 * Shared pieces of the training tests: a small synthetic sequence source
 * (class c lights up rows 2c..2c+2 over the whole width, plus seeded noise)
 * and a temporary runs root.
 */
import type { SequenceSource } from "../lib/data/mod.ts";
import { Prng } from "../lib/data/mod.ts";
import { CONVERGED, type TrainProfile } from "../lib/train/mod.ts";

/** n labelled 28×width images whose class is written as a bright band of rows. */
export class BandSource implements SequenceSource {
  readonly datasetId = "mnist" as const;
  readonly n: number;
  readonly width: number;
  readonly labels: Uint8Array;
  readonly #pixels: Float32Array;

  constructor(n: number, width: number, seed: number) {
    this.n = n;
    this.width = width;
    const prng = new Prng(`band-source/${seed}`);
    this.labels = Uint8Array.from({ length: n }, () => prng.int(10));
    const size = 28 * width;
    this.#pixels = new Float32Array(n * size);
    for (let i = 0; i < n; i++) {
      const c = this.labels[i];
      for (let p = 0; p < size; p++) {
        const row = Math.floor(p / width);
        const band = row >= 2 * c + 2 && row < 2 * c + 5 ? 1.6 : 0;
        this.#pixels[i * size + p] = Math.min(1, -1 + band + 0.4 * prng.next());
      }
    }
  }

  label(i: number): number {
    return this.labels[i];
  }

  fillImage(i: number, out: Float32Array, offset: number): void {
    const size = 28 * this.width;
    out.set(this.#pixels.subarray(i * size, (i + 1) * size), offset);
  }
}

/** A fresh temporary directory for stored runs. */
export async function tempRunsRoot(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "rnnx-runs-" });
}

/** The data mirror for tests that read MNIST (set by CI; the checkout's sibling otherwise). */
export function ensureDataMirror(): boolean {
  if (Deno.env.get("RNNX_DATA_MIRROR")) return true;
  const sibling = new URL("../../shared/datasets", import.meta.url).pathname;
  try {
    Deno.statSync(`${sibling}/mnist`);
    Deno.env.set("RNNX_DATA_MIRROR", sibling);
    return true;
  } catch {
    return false;
  }
}

/**
 * A `converged` profile small enough for a test: 2 folds, a few hundred
 * training samples, and a rule that no model can satisfy by gaining (50 pp
 * within one epoch), so a plateau stops it after epoch 2 unless a floor holds
 * it back.
 */
export function tinyStoppingProfile(overrides: Partial<TrainProfile> = {}): TrainProfile {
  return {
    ...CONVERGED,
    epochs: 4,
    folds: 2,
    trainSamples: 400,
    testSamples: 100,
    learningRateScale: 10,
    checkpointEvery: 0,
    stopping: { patience: 1, minDelta: 0.5, holdOut: 0.05 },
    ...overrides,
  };
}
