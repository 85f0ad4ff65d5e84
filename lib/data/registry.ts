/**
 * The datasets the project knows: MNIST and Fashion-MNIST, each as the four
 * standard gzip-compressed IDX files, with the SHA-256 of every decompressed
 * payload, class names, per-class counts and public download locations.
 *
 * @module
 */

import { UnknownDatasetError } from "./errors.ts";

/** Ids of the known datasets. */
export const DATASET_IDS = ["mnist", "fashion-mnist"] as const;

/** A known dataset id. */
export type DatasetId = typeof DATASET_IDS[number];

/** A split of a dataset as distributed: the 60k training or 10k test set. */
export type Split = "train" | "test";

/** The role of a file within a dataset. */
export type FileRole = "trainImages" | "trainLabels" | "testImages" | "testLabels";

/** One of the four files of a dataset. */
export interface DatasetFile {
  /** Role of the file. */
  readonly role: FileRole;
  /** File name, e.g. `train-images-idx3-ubyte.gz`. */
  readonly name: string;
  /** Whether the file holds images or labels. */
  readonly kind: "images" | "labels";
  /** Split the file belongs to. */
  readonly split: Split;
  /** Number of samples. */
  readonly count: number;
  /** Size of the decompressed payload (header included) in bytes. */
  readonly payloadBytes: number;
  /** SHA-256 (hex) of the decompressed payload. */
  readonly payloadSha256: string;
}

/** Everything the project knows about one dataset. */
export interface DatasetInfo {
  /** Dataset id. */
  readonly id: DatasetId;
  /** Human-readable name. */
  readonly title: string;
  /** License of the data. */
  readonly license: string;
  /** The four files. */
  readonly files: readonly DatasetFile[];
  /** Class names, indexed by label. */
  readonly classNames: readonly string[];
  /** Per-class sample counts of each split, indexed by label. */
  readonly classCounts: Readonly<Record<Split, readonly number[]>>;
  /** Base URLs (ending in `/`) the files can be downloaded from, tried in order. */
  readonly urls: readonly string[];
  /** Folder where a Debian package installs the files, if there is one. */
  readonly debianDir?: string;
}

function file(
  role: FileRole,
  count: number,
  payloadSha256: string,
): DatasetFile {
  const split: Split = role.startsWith("train") ? "train" : "test";
  const kind = role.endsWith("Images") ? "images" : "labels";
  const prefix = split === "train" ? "train" : "t10k";
  const name = kind === "images"
    ? `${prefix}-images-idx3-ubyte.gz`
    : `${prefix}-labels-idx1-ubyte.gz`;
  const payloadBytes = kind === "images" ? 16 + count * 784 : 8 + count;
  return { role, name, kind, split, count, payloadBytes, payloadSha256 };
}

const REGISTRY: Readonly<Record<DatasetId, DatasetInfo>> = {
  "mnist": {
    id: "mnist",
    title: "MNIST handwritten digits",
    license: "CC BY-SA 3.0 (Yann LeCun and Corinna Cortes)",
    files: [
      file(
        "trainImages",
        60000,
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
      ),
      file(
        "trainLabels",
        60000,
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
      ),
      file(
        "testImages",
        10000,
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
      ),
      file(
        "testLabels",
        10000,
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
      ),
    ],
    classNames: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
    classCounts: {
      train: [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949],
      test: [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009],
    },
    urls: [
      "https://ossci-datasets.s3.amazonaws.com/mnist/",
      "https://storage.googleapis.com/cvdf-datasets/mnist/",
    ],
  },
  "fashion-mnist": {
    id: "fashion-mnist",
    title: "Fashion-MNIST (Zalando article images)",
    license: "MIT (Zalando SE)",
    files: [
      file(
        "trainImages",
        60000,
        "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
      ),
      file(
        "trainLabels",
        60000,
        "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
      ),
      file(
        "testImages",
        10000,
        "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
      ),
      file(
        "testLabels",
        10000,
        "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
      ),
    ],
    classNames: [
      "T-shirt/top",
      "Trouser",
      "Pullover",
      "Dress",
      "Coat",
      "Sandal",
      "Shirt",
      "Sneaker",
      "Bag",
      "Ankle boot",
    ],
    classCounts: {
      train: Array.from({ length: 10 }, () => 6000),
      test: Array.from({ length: 10 }, () => 1000),
    },
    urls: ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"],
    debianDir: "/usr/share/datasets/fashion-mnist",
  },
};

/** Whether `id` names a known dataset. */
export function isDatasetId(id: string): id is DatasetId {
  return (DATASET_IDS as readonly string[]).includes(id);
}

/**
 * The registry entry of a dataset; an unknown id throws
 * {@link UnknownDatasetError} listing the valid ids.
 *
 * @example
 * ```ts
 * import { datasetInfo } from "./registry.ts";
 * const info = datasetInfo("fashion-mnist");
 * if (info.classNames[1] !== "Trouser") throw new Error("bad registry");
 * ```
 */
export function datasetInfo(id: string): DatasetInfo {
  if (!isDatasetId(id)) throw new UnknownDatasetError(id, DATASET_IDS, "dataset");
  return REGISTRY[id];
}

/** The registry entry of one file of a dataset. */
export function datasetFile(id: string, role: FileRole): DatasetFile {
  const found = datasetInfo(id).files.find((f) => f.role === role);
  if (!found) throw new Error(`${id}: no file with role ${role}`);
  return found;
}
