/**
 * Sequence sources: what training and explanation consume. A source is a list
 * of n labelled images of 28 rows and `width` columns (28, or 84 for MAJ) that
 * writes any image as floats in [−1, 1] on demand, so only raw bytes and
 * indices stay in memory. {@link makeBatch} builds a float batch from a source.
 *
 * @module
 */

import { UnknownDatasetError } from "./errors.ts";
import type { EnsureOptions } from "./fetch.ts";
import { IMAGE_PIXELS, IMAGE_SIZE, type ImageSet, loadDataset, PIXEL_LUT } from "./images.ts";
import { buildMaj, MAJ_SEEDS, majBlocks, type MajIndex, type MajMarks, majMarks } from "./maj.ts";
import { type DatasetId, datasetInfo } from "./registry.ts";
import { type Fold, SPLIT_SEED, stratifiedKFold, trainValSplit } from "./splits.ts";

/** A labelled list of 28×width images, produced as floats on demand. */
export interface SequenceSource {
  /** The underlying dataset. */
  readonly datasetId: DatasetId;
  /** Number of samples. */
  readonly n: number;
  /** Image width in columns: 28, or 84 for MAJ. */
  readonly width: number;
  /** Label of every sample. */
  readonly labels: Uint8Array;
  /** Label of sample `i`. */
  label(i: number): number;
  /** MAJ only: which of the three blocks show the labelled class. */
  marks?(i: number): MajMarks;
  /** Writes sample `i` as 28·width floats in [−1, 1], row-major, into `out` at `offset`. */
  fillImage(i: number, out: Float32Array, offset: number): void;
}

function checkIndex(n: number, i: number, what: string): void {
  if (!(Number.isInteger(i) && i >= 0 && i < n)) {
    throw new RangeError(`${what}: sample index ${i} is out of range, expected 0..${n - 1}`);
  }
}

function positions(indices: ArrayLike<number>, n: number, what: string): Int32Array {
  const out = Int32Array.from(indices);
  for (let i = 0; i < out.length; i++) checkIndex(n, out[i], what);
  return out;
}

/** Images of one {@link ImageSet}, optionally restricted to (and reordered by) `indices`. */
export class ImageSetSource implements SequenceSource {
  /** The image set. */
  readonly set: ImageSet;
  /** Position in `set` of each sample. */
  readonly indices: Int32Array;
  readonly datasetId: DatasetId;
  readonly n: number;
  readonly width: number = IMAGE_SIZE;
  readonly labels: Uint8Array;

  /** Wraps `set`; `indices` (default all, in order) selects and orders the samples. */
  constructor(set: ImageSet, indices?: ArrayLike<number>) {
    this.set = set;
    this.datasetId = set.id;
    this.indices = indices
      ? positions(indices, set.n, `${set.id}/${set.split}`)
      : Int32Array.from({ length: set.n }, (_, i) => i);
    this.n = this.indices.length;
    this.labels = new Uint8Array(this.n);
    for (let i = 0; i < this.n; i++) this.labels[i] = set.labels[this.indices[i]];
  }

  /** Label of sample `i`. */
  label(i: number): number {
    checkIndex(this.n, i, `${this.datasetId}/${this.set.split}`);
    return this.labels[i];
  }

  /** The 784 raw bytes of sample `i` (a view, not a copy). */
  imageBytes(i: number): Uint8Array {
    checkIndex(this.n, i, `${this.datasetId}/${this.set.split}`);
    const start = this.indices[i] * IMAGE_PIXELS;
    return this.set.images.subarray(start, start + IMAGE_PIXELS);
  }

  /** Writes sample `i` as 784 floats in [−1, 1]. */
  fillImage(i: number, out: Float32Array, offset: number): void {
    const bytes = this.imageBytes(i);
    for (let p = 0; p < IMAGE_PIXELS; p++) out[offset + p] = PIXEL_LUT[bytes[p]];
  }
}

/** MAJ images (28×84) built from a 28-wide base source and a {@link MajIndex} over it. */
export class MajSource implements SequenceSource {
  /** The base samples the MAJ triples point into. */
  readonly base: ImageSetSource;
  /** The MAJ index. */
  readonly maj: MajIndex;
  readonly datasetId: DatasetId;
  readonly n: number;
  readonly width: number = 3 * IMAGE_SIZE;
  readonly labels: Uint8Array;

  /** Combines `base` with `maj`; `maj` must have been built over `base.labels`. */
  constructor(base: ImageSetSource, maj: MajIndex) {
    if (maj.n !== base.n) {
      throw new RangeError(`MAJ index has ${maj.n} samples, its base source has ${base.n}`);
    }
    for (let i = 0; i < base.n; i++) {
      if (maj.labels[i] !== base.labels[i]) {
        throw new RangeError(
          `MAJ label ${maj.labels[i]} at ${i} differs from base label ${base.labels[i]}`,
        );
      }
    }
    this.base = base;
    this.maj = maj;
    this.datasetId = base.datasetId;
    this.n = maj.n;
    this.labels = maj.labels;
  }

  /** Label of sample `i` (the label of its original sample). */
  label(i: number): number {
    checkIndex(this.n, i, `${this.datasetId} MAJ`);
    return this.labels[i];
  }

  /** Which blocks show the labelled class. */
  marks(i: number): MajMarks {
    return majMarks(this.maj, i);
  }

  /** Base positions shown in blocks 0, 1, 2. */
  blocks(i: number): [number, number, number] {
    return majBlocks(this.maj, i);
  }

  /** Writes sample `i` as 28·84 floats in [−1, 1]. */
  fillImage(i: number, out: Float32Array, offset: number): void {
    const blocks = majBlocks(this.maj, i);
    const w = this.width;
    for (let k = 0; k < 3; k++) {
      const bytes = this.base.imageBytes(blocks[k]);
      const col0 = offset + k * IMAGE_SIZE;
      for (let r = 0; r < IMAGE_SIZE; r++) {
        const dst = col0 + r * w;
        const src = r * IMAGE_SIZE;
        for (let c = 0; c < IMAGE_SIZE; c++) out[dst + c] = PIXEL_LUT[bytes[src + c]];
      }
    }
  }
}

/** Several sources of the same dataset and width, one after the other. */
export class ConcatSource implements SequenceSource {
  /** The parts, in order. */
  readonly parts: readonly SequenceSource[];
  /** Start of each part, plus the total at the end. */
  readonly offsets: Int32Array;
  readonly datasetId: DatasetId;
  readonly n: number;
  readonly width: number;
  readonly labels: Uint8Array;
  /** Present when every part has marks. */
  readonly marks?: (i: number) => MajMarks;

  /** Concatenates `parts` (at least one; same dataset and width). */
  constructor(parts: readonly SequenceSource[]) {
    if (parts.length === 0) throw new RangeError("ConcatSource needs at least one part");
    const first = parts[0];
    for (const p of parts) {
      if (p.width !== first.width || p.datasetId !== first.datasetId) {
        throw new RangeError(
          `cannot concatenate ${p.datasetId} (width ${p.width}) with ${first.datasetId} (width ${first.width})`,
        );
      }
    }
    this.parts = parts;
    this.datasetId = first.datasetId;
    this.width = first.width;
    this.offsets = new Int32Array(parts.length + 1);
    parts.forEach((p, j) => (this.offsets[j + 1] = this.offsets[j] + p.n));
    this.n = this.offsets[parts.length];
    this.labels = new Uint8Array(this.n);
    parts.forEach((p, j) => this.labels.set(p.labels, this.offsets[j]));
    if (parts.every((p) => p.marks)) {
      this.marks = (i: number): MajMarks => {
        const [p, j] = this.locate(i);
        return p.marks!(j);
      };
    }
  }

  /** The part holding sample `i` and the position within it. */
  locate(i: number): [SequenceSource, number] {
    checkIndex(this.n, i, `${this.datasetId} concatenation`);
    let lo = 0;
    let hi = this.parts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.offsets[mid] <= i) lo = mid;
      else hi = mid - 1;
    }
    return [this.parts[lo], i - this.offsets[lo]];
  }

  /** Label of sample `i`. */
  label(i: number): number {
    checkIndex(this.n, i, `${this.datasetId} concatenation`);
    return this.labels[i];
  }

  /** Writes sample `i`. */
  fillImage(i: number, out: Float32Array, offset: number): void {
    const [p, j] = this.locate(i);
    p.fillImage(j, out, offset);
  }
}

/** A selection (and reordering) of another source's samples. */
export class SubsetSource implements SequenceSource {
  /** The source selected from. */
  readonly source: SequenceSource;
  /** Position in `source` of each sample. */
  readonly indices: Int32Array;
  readonly datasetId: DatasetId;
  readonly n: number;
  readonly width: number;
  readonly labels: Uint8Array;
  /** Present when the source has marks. */
  readonly marks?: (i: number) => MajMarks;

  /** Selects `indices` of `source`. */
  constructor(source: SequenceSource, indices: ArrayLike<number>) {
    this.source = source;
    this.indices = positions(indices, source.n, `${source.datasetId} subset`);
    this.datasetId = source.datasetId;
    this.n = this.indices.length;
    this.width = source.width;
    this.labels = new Uint8Array(this.n);
    for (let i = 0; i < this.n; i++) this.labels[i] = source.labels[this.indices[i]];
    if (source.marks) {
      this.marks = (i: number): MajMarks => {
        checkIndex(this.n, i, `${this.datasetId} subset`);
        return source.marks!(this.indices[i]);
      };
    }
  }

  /** Label of sample `i`. */
  label(i: number): number {
    checkIndex(this.n, i, `${this.datasetId} subset`);
    return this.labels[i];
  }

  /** Writes sample `i`. */
  fillImage(i: number, out: Float32Array, offset: number): void {
    checkIndex(this.n, i, `${this.datasetId} subset`);
    this.source.fillImage(this.indices[i], out, offset);
  }
}

/** A batch of images as floats. */
export interface Batch {
  /** Number of samples B. */
  size: number;
  /** Image width W. */
  width: number;
  /** `[B, 28, W]` floats in [−1, 1], row-major. */
  x: Float32Array;
  /** `[B]` labels. */
  labels: Int32Array;
  /** `[B, 3]` MAJ marks, when the source has them. */
  marks?: Uint8Array;
}

/**
 * Builds the float batch of the given samples of `source`; `out` (length
 * B·28·W) is reused when given.
 *
 * @example
 * ```ts
 * import { ImageSetSource, makeBatch } from "./source.ts";
 * const set = {
 *   id: "mnist" as const, split: "test" as const, n: 2,
 *   images: new Uint8Array(2 * 784).fill(255), labels: new Uint8Array([3, 7]),
 * };
 * const b = makeBatch(new ImageSetSource(set), [1, 0]);
 * if (b.labels[0] !== 7 || b.x[0] !== 1) throw new Error("bad batch");
 * ```
 */
export function makeBatch(
  source: SequenceSource,
  indices: ArrayLike<number>,
  out?: Float32Array,
): Batch {
  const size = indices.length;
  const stride = IMAGE_SIZE * source.width;
  if (out && out.length !== size * stride) {
    throw new RangeError(
      `batch buffer has ${out.length} floats, expected ${
        size * stride
      } (${size}x${IMAGE_SIZE}x${source.width})`,
    );
  }
  const x = out ?? new Float32Array(size * stride);
  const labels = new Int32Array(size);
  const marks = source.marks ? new Uint8Array(size * 3) : undefined;
  for (let b = 0; b < size; b++) {
    const i = indices[b];
    source.fillImage(i, x, b * stride);
    labels[b] = source.label(i);
    if (marks) marks.set(source.marks!(i), 3 * b);
  }
  return marks
    ? { size, width: source.width, x, labels, marks }
    : { size, width: source.width, x, labels };
}

/** Ids of the training/evaluation tasks. */
export const TASK_IDS = ["mnist", "fashion-mnist", "mnist-maj", "fashion-mnist-maj"] as const;

/** A task id: a plain dataset (Experiment 1) or its MAJ variant (Experiments 2 and 3). */
export type TaskId = typeof TASK_IDS[number];

/** Options of {@link loadTask}. */
export interface TaskOptions extends EnsureOptions {
  /** Seed of the train/validation split and of the folds (default 71). */
  seed?: number | string;
  /** Number of cross-validation folds for MAJ tasks (default 7). */
  folds?: number;
  /** MAJ seeds per split (default train 0, val 1, test 3). */
  majSeeds?: { train: number | string; val: number | string; test: number | string };
}

/** A plain dataset with the Experiment-1 split: 48k train, 12k validation, 10k test. */
export interface SingleTask {
  /** Discriminator. */
  kind: "single";
  /** Task id. */
  id: TaskId;
  /** Underlying dataset. */
  datasetId: DatasetId;
  /** Image width (28). */
  width: number;
  /** Class names by label. */
  classNames: readonly string[];
  /** 48,000 training samples. */
  train: ImageSetSource;
  /** 12,000 validation samples. */
  val: ImageSetSource;
  /** The official 10,000 test samples. */
  test: ImageSetSource;
}

/** The sources of one cross-validation fold. */
export interface CvFold {
  /** Fold number, 0-based. */
  index: number;
  /** Training samples (60,000 for 7 folds of 70,000). */
  train: SubsetSource;
  /** Test samples, also the fold's validation set (10,000). */
  test: SubsetSource;
}

/**
 * A MAJ task: MAJ sets of the train (48k), test (10k) and val (12k) splits,
 * stacked in that order (70k) and cut into stratified folds.
 */
export interface CvTask {
  /** Discriminator. */
  kind: "cv";
  /** Task id. */
  id: TaskId;
  /** Underlying dataset. */
  datasetId: DatasetId;
  /** Image width (84). */
  width: number;
  /** Class names by label. */
  classNames: readonly string[];
  /** The MAJ sets of each split before stacking. */
  parts: { train: MajSource; test: MajSource; val: MajSource };
  /** All 70,000 samples: train, then test, then val. */
  all: ConcatSource;
  /** Number of folds. */
  k: number;
  /** The fold positions into `all`. */
  folds(): readonly Fold[];
  /** The sources of fold `f` (0-based). */
  fold(f: number): CvFold;
}

/** A loaded task. */
export type Task = SingleTask | CvTask;

/**
 * Loads a task: `mnist` / `fashion-mnist` give the Experiment-1 split;
 * `mnist-maj` / `fashion-mnist-maj` give the stacked MAJ set with k folds.
 * An unknown id throws {@link UnknownDatasetError} listing the valid ids.
 *
 * @example
 * ```ts ignore
 * import { loadTask } from "./source.ts";
 * const task = await loadTask("mnist-maj");
 * if (task.kind === "cv") console.log(task.all.n, task.fold(0).train.n); // 70000 60000
 * ```
 */
export async function loadTask(id: string, options: TaskOptions = {}): Promise<Task> {
  if (!(TASK_IDS as readonly string[]).includes(id)) {
    throw new UnknownDatasetError(id, TASK_IDS, "task");
  }
  const taskId = id as TaskId;
  const maj = taskId.endsWith("-maj");
  const datasetId = datasetInfo(maj ? taskId.slice(0, -4) : taskId).id;
  const info = datasetInfo(datasetId);
  const seed = options.seed ?? SPLIT_SEED;
  const { train, test } = await loadDataset(datasetId, options);
  const split = trainValSplit(train.n, { seed });
  const trainSrc = new ImageSetSource(train, split.train);
  const valSrc = new ImageSetSource(train, split.val);
  const testSrc = new ImageSetSource(test);
  if (!maj) {
    return {
      kind: "single",
      id: taskId,
      datasetId,
      width: IMAGE_SIZE,
      classNames: info.classNames,
      train: trainSrc,
      val: valSrc,
      test: testSrc,
    };
  }
  const seeds = options.majSeeds ?? MAJ_SEEDS;
  const parts = {
    train: new MajSource(trainSrc, buildMaj(trainSrc.labels, seeds.train)),
    test: new MajSource(testSrc, buildMaj(testSrc.labels, seeds.test)),
    val: new MajSource(valSrc, buildMaj(valSrc.labels, seeds.val)),
  };
  const all = new ConcatSource([parts.train, parts.test, parts.val]);
  const k = options.folds ?? 7;
  let folds: Fold[] | undefined;
  const getFolds = (): Fold[] => (folds ??= stratifiedKFold(all.labels, k, seed));
  return {
    kind: "cv",
    id: taskId,
    datasetId,
    width: 3 * IMAGE_SIZE,
    classNames: info.classNames,
    parts,
    all,
    k,
    folds: getFolds,
    fold(f: number): CvFold {
      const fs = getFolds();
      if (!(Number.isInteger(f) && f >= 0 && f < fs.length)) {
        throw new RangeError(`fold ${f} does not exist; valid folds: 0..${fs.length - 1}`);
      }
      return {
        index: f,
        train: new SubsetSource(all, fs[f].train),
        test: new SubsetSource(all, fs[f].test),
      };
    },
  };
}
