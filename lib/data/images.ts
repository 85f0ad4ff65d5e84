/**
 * Loading a dataset split as raw bytes. Images stay bytes in memory; floats
 * are built per batch with {@link PIXEL_LUT}, which implements the scaling
 * x = 2·byte/255 − 1 (pixels in [−1, 1], background −1).
 *
 * @module
 */

import { ensureFile, type EnsureOptions } from "./fetch.ts";
import { checkPaired, parseIdxImages, parseIdxLabels } from "./idx.ts";
import { type DatasetId, datasetInfo, type Split } from "./registry.ts";

/** Rows (and columns) of one image. */
export const IMAGE_SIZE = 28;
/** Pixels of one image (28·28). */
export const IMAGE_PIXELS = IMAGE_SIZE * IMAGE_SIZE;

/** One split of a dataset, as raw bytes. */
export interface ImageSet {
  /** Dataset id. */
  id: DatasetId;
  /** Which split. */
  split: Split;
  /** Number of samples. */
  n: number;
  /** `n * 784` raw pixel bytes, image by image, row by row. */
  images: Uint8Array;
  /** `n` labels (0..9). */
  labels: Uint8Array;
}

/** Both splits of a dataset. */
export interface LoadedDataset {
  /** The 60,000 training samples. */
  train: ImageSet;
  /** The 10,000 test samples. */
  test: ImageSet;
}

/**
 * Scales a pixel byte to [−1, 1]: 2·byte/255 − 1.
 *
 * @example
 * ```ts
 * import { scalePixel } from "./images.ts";
 * if (scalePixel(0) !== -1 || scalePixel(255) !== 1) throw new Error("bad scaling");
 * ```
 */
export function scalePixel(byte: number): number {
  return (2 * byte) / 255 - 1;
}

/** {@link scalePixel} for every byte value, as float32. */
export const PIXEL_LUT: Float32Array = Float32Array.from({ length: 256 }, (_, b) => scalePixel(b));

/**
 * Loads one split (`train` or `test`) of a dataset, fetching and verifying the
 * files first (see {@link ensureFile}).
 */
export async function loadImageSet(
  id: string,
  split: Split,
  options: EnsureOptions = {},
): Promise<ImageSet> {
  if (split !== "train" && split !== "test") {
    throw new RangeError(`unknown split "${split}"; valid splits: train, test`);
  }
  const info = datasetInfo(id);
  const imageRole = split === "train" ? "trainImages" : "testImages";
  const labelRole = split === "train" ? "trainLabels" : "testLabels";
  const imageFile = await ensureFile(info.id, imageRole, options);
  const labelFile = await ensureFile(info.id, labelRole, options);
  const images = parseIdxImages(imageFile.payload, imageFile.path);
  const labels = parseIdxLabels(labelFile.payload, labelFile.path);
  checkPaired(images, labels, imageFile.path, labelFile.path);
  return { id: info.id, split, n: images.count, images: images.pixels, labels: labels.labels };
}

/**
 * Loads both splits of a dataset.
 *
 * @example
 * ```ts ignore
 * import { loadDataset } from "./images.ts";
 * const { train, test } = await loadDataset("mnist");
 * console.log(train.n, test.n); // 60000 10000
 * ```
 */
export async function loadDataset(id: string, options: EnsureOptions = {}): Promise<LoadedDataset> {
  const train = await loadImageSet(id, "train", options);
  const test = await loadImageSet(id, "test", options);
  return { train, test };
}
