/**
 * The thesis's reference numbers as data: minimum accuracies (Table 3.2),
 * parameter counts (Tables 3.3, 3.5, 3.6), accuracies (Tables 3.4–3.6, the
 * LeNet-5 figures of §2.3) and the cross-validation accuracies of Appendix 1.
 * Accuracies are percentages, as printed; Appendix 1 standard deviations are
 * in percentage points.
 *
 * @module
 */
import type { CellId } from "../cells/mod.ts";

/** The plain datasets of Experiment 1. */
export type PlainDataset = "mnist" | "fashion-mnist";

/** The MAJ datasets of Experiments 2 and 3. */
export type MajDataset = "mnist-maj" | "fashion-mnist-maj";

/** Table 3.2: the minimum test accuracy (%) a model must reach to be considered. */
export const MINIMUM_ACCURACY: Readonly<Record<PlainDataset, number>> = {
  "mnist": 98,
  "fashion-mnist": 85,
};

/**
 * The Table 3.2 minimum (%) that applies to a task id; MAJ tasks use the
 * minimum of their base dataset (the thesis applies Table 3.2 to every model).
 *
 * @example
 * ```ts
 * import { minimumAccuracy } from "./thesis.ts";
 * if (minimumAccuracy("fashion-mnist-maj") !== 85) throw new Error();
 * ```
 */
export function minimumAccuracy(dataset: string): number {
  const base = dataset.replace(/-maj$/, "");
  if (base === "mnist" || base === "fashion-mnist") return MINIMUM_ACCURACY[base];
  throw new RangeError(
    `no minimum accuracy for dataset "${dataset}"; valid: mnist, fashion-mnist, ` +
      `mnist-maj, fashion-mnist-maj`,
  );
}

/** Table 3.3: trainable variables of Shallow and Deep per sequence length T. */
export const TABLE_3_3: Readonly<Record<1 | 4 | 7, Readonly<Record<"shallow" | "deep", number>>>> =
  {
    1: { shallow: 269_322, deep: 271_338 },
    4: { shallow: 184_330, deep: 153_578 },
    7: { shallow: 162_826, deep: 132_074 },
  };

/** Table 3.4: test accuracy (%) of Shallow and Deep per T and dataset. */
export const TABLE_3_4: Readonly<
  Record<1 | 4 | 7, Readonly<Record<PlainDataset, Readonly<Record<"shallow" | "deep", number>>>>>
> = {
  1: { "mnist": { shallow: 98.11, deep: 98.22 }, "fashion-mnist": { shallow: 87.93, deep: 89.14 } },
  4: { "mnist": { shallow: 98.56, deep: 98.63 }, "fashion-mnist": { shallow: 89.04, deep: 89.43 } },
  7: { "mnist": { shallow: 98.66, deep: 98.68 }, "fashion-mnist": { shallow: 89.28, deep: 88.96 } },
};

/** One row of Tables 3.5 and 3.6: parameters and single-model accuracies (%). */
export interface MajTableRow {
  /** Cell id. */
  cell: CellId;
  /** Trainable variables as printed. */
  params: number;
  /** Accuracy (%) on MNIST-MAJ and FashionMNIST-MAJ. */
  accuracy: Readonly<Record<MajDataset, number>>;
}

/** Table 3.5: the Experiment-2 architectures (T = 12). */
export const TABLE_3_5: readonly MajTableRow[] = [
  { cell: "shallow", params: 184_330, accuracy: { "mnist-maj": 98.12, "fashion-mnist-maj": 90.0 } },
  { cell: "deep", params: 153_578, accuracy: { "mnist-maj": 98.16, "fashion-mnist-maj": 89.81 } },
  { cell: "deepv2", params: 161_386, accuracy: { "mnist-maj": 98.26, "fashion-mnist-maj": 90.57 } },
  {
    cell: "convdeep",
    params: 151_802,
    accuracy: { "mnist-maj": 99.22, "fashion-mnist-maj": 92.87 },
  },
];

/** Table 3.6: the Experiment-3 architectures (T = 12). */
export const TABLE_3_6: readonly MajTableRow[] = [
  { cell: "deep-sd", params: 153_578, accuracy: { "mnist-maj": 98.1, "fashion-mnist-maj": 89.47 } },
  { cell: "rlstm", params: 145_701, accuracy: { "mnist-maj": 98.5, "fashion-mnist-maj": 91.35 } },
  {
    cell: "rlstm-sd",
    params: 145_701,
    accuracy: { "mnist-maj": 98.57, "fashion-mnist-maj": 91.52 },
  },
  {
    cell: "conv+deep",
    params: 175_418,
    accuracy: { "mnist-maj": 97.92, "fashion-mnist-maj": 88.1 },
  },
  {
    cell: "convrlstm-sd",
    params: 152_125,
    accuracy: { "mnist-maj": 99.35, "fashion-mnist-maj": 93.6 },
  },
  {
    cell: "conv+rlstm-sd",
    params: 175_741,
    accuracy: { "mnist-maj": 98.48, "fashion-mnist-maj": 88.19 },
  },
];

/** One row of Appendix 1: cross-validation accuracy over 7 folds. */
export interface AppendixRow {
  /** Task id. */
  dataset: MajDataset;
  /** Cell id. */
  cell: CellId;
  /** The architecture name as printed in the appendix (code names, with its typos). */
  printed: string;
  /** Number of folds. */
  count: number;
  /** Mean accuracy (%). */
  mean: number;
  /** Standard deviation of the fold accuracies (percentage points). */
  sd: number;
}

const appendix = (
  dataset: MajDataset,
  cell: CellId,
  printed: string,
  mean: number,
  sd: number,
): AppendixRow => ({ dataset, cell, printed, count: 7, mean, sd });

/** Appendix 1, in the printed order: 10 architectures per MAJ dataset. */
export const APPENDIX_1: readonly AppendixRow[] = [
  appendix("mnist-maj", "deepv2", "deep_v2", 98.48, 0.1274),
  appendix("mnist-maj", "shallow", "shallow", 98.35, 0.2393),
  appendix("mnist-maj", "convrlstm-sd", "convrnlstm.persisted_dropout", 99.6, 0.0467),
  appendix("mnist-maj", "deep", "deep", 98.43, 0.0926),
  appendix("mnist-maj", "rlstm-sd", "rlstm.persisted_dropout", 98.75, 0.1248),
  appendix("mnist-maj", "rlstm", "rlstm", 98.77, 0.0603),
  appendix("mnist-maj", "conv+rlstm-sd", "convtran_rlstm.persisted_dropout", 98.3, 0.1842),
  appendix("mnist-maj", "deep-sd", "deep.persisted_dropout", 98.43, 0.1599),
  appendix("mnist-maj", "conv+deep", "convdeep_transcribe", 97.89, 0.1988),
  appendix("mnist-maj", "convdeep", "convdeep", 99.28, 0.0737),
  appendix("fashion-mnist-maj", "deepv2", "deep_v2", 92.07, 0.3596),
  appendix("fashion-mnist-maj", "shallow", "shallow", 92.3, 0.255),
  appendix("fashion-mnist-maj", "convrlstm-sd", "convrnlstm.persisted_dropout", 95.44, 0.1356),
  appendix("fashion-mnist-maj", "deep", "deep", 91.35, 0.3053),
  appendix("fashion-mnist-maj", "rlstm-sd", "rlstm.persisted_dropout", 93.42, 0.2513),
  appendix("fashion-mnist-maj", "rlstm", "rlstm", 93.4, 0.2714),
  appendix("fashion-mnist-maj", "conv+rlstm-sd", "convtran_rlstm.persisted_dropout", 89.71, 0.4215),
  appendix("fashion-mnist-maj", "deep-sd", "deep.persisted.dropout", 91.87, 0.3136),
  appendix("fashion-mnist-maj", "conv+deep", "convdeep_transcribe", 89.14, 0.277),
  appendix("fashion-mnist-maj", "convdeep", "convdeep", 94.19, 0.2128),
];

/** LeNet-5 test accuracy (%) reported in §2.3 (Fig 2.14). */
export const LENET_ACCURACY: Readonly<Record<PlainDataset, number>> = {
  "mnist": 99.21,
  "fashion-mnist": 87.9,
};

/**
 * The thesis's accuracy (%) of a model: Table 3.4 for Shallow/Deep on a plain
 * dataset, LeNet-5 from §2.3, Tables 3.5/3.6 for MAJ cells; null when the
 * thesis reports none.
 *
 * @example
 * ```ts
 * import { thesisAccuracy } from "./thesis.ts";
 * if (thesisAccuracy("fashion-mnist", "deep", 7) !== 88.96) throw new Error();
 * if (thesisAccuracy("mnist-maj", "convdeep") !== 99.22) throw new Error();
 * ```
 */
export function thesisAccuracy(dataset: string, cell: string, T?: number): number | null {
  if (dataset === "mnist" || dataset === "fashion-mnist") {
    if (cell === "lenet5") return LENET_ACCURACY[dataset];
    if ((cell === "shallow" || cell === "deep") && (T === 1 || T === 4 || T === 7)) {
      return TABLE_3_4[T][dataset][cell];
    }
    return null;
  }
  if (dataset === "mnist-maj" || dataset === "fashion-mnist-maj") {
    const row = [...TABLE_3_5, ...TABLE_3_6].find((r) => r.cell === cell);
    return row ? row.accuracy[dataset] : null;
  }
  return null;
}

/**
 * How far (percentage points) above the Table 3.2 minimum a model's held-out
 * accuracy must be before early stopping may stop it: the held-out accuracy
 * at the first epoch that crosses a bar overestimates the test accuracy
 * (Deep on MNIST-MAJ stopped at 98.16–98.26 % held-out scored 97.88–98.09 %
 * on test), so the bar on held-out samples sits above the minimum.
 */
export const STOPPING_MARGIN = 0.5;

/**
 * Models the thesis's own code trained for 200 epochs, not the protocol's 100
 * (THESIS_SPEC §3: the stored single MNIST-MAJ models of R-LSTM, Conv⁺Deep and
 * Conv⁺R-LSTM-SD, `rlstm`, `convdeep_transcribe` and `convtran_rlstm`): early
 * stopping gives them that epoch limit, so a model below the bar trains as long
 * as the thesis trained it before it is given up.
 */
export const THESIS_LONG_RUNS: Readonly<
  Record<string, { readonly cells: readonly string[]; readonly epochs: number }>
> = {
  "mnist-maj": { cells: ["rlstm", "conv+deep", "conv+rlstm-sd"], epochs: 200 },
};

/**
 * The accuracies (fractions) early stopping uses for a model: it stops at
 * `targetAccuracy`, the thesis's reported accuracy but at least the Table 3.2
 * minimum plus {@link STOPPING_MARGIN} (none for a model the thesis does not
 * report, such as the standard LSTM); a plateau stops it only once its best
 * held-out accuracy reaches `floorAccuracy`, the minimum plus the margin, so a
 * model below the bar trains to the epoch limit, as the thesis's did. That
 * limit is the profile's, except for the models of {@link THESIS_LONG_RUNS},
 * whose `epochLimit` is the thesis's longer one.
 *
 * @example
 * ```ts
 * import { stoppingGoal } from "./thesis.ts";
 * const deep = stoppingGoal("mnist-maj", "deep");
 * if (deep.targetAccuracy !== 0.985 || deep.floorAccuracy !== 0.985) throw new Error();
 * if (deep.epochLimit !== undefined) throw new Error("the profile's limit");
 * if (stoppingGoal("fashion-mnist-maj", "deep").targetAccuracy !== 0.8981) throw new Error();
 * if (stoppingGoal("mnist-maj", "rlstm").epochLimit !== 200) throw new Error();
 * ```
 */
export function stoppingGoal(
  dataset: string,
  cell: string,
  T?: number,
): { targetAccuracy?: number; floorAccuracy: number; epochLimit?: number } {
  const fraction = (percent: number) => Math.round(percent * 100) / 10000;
  const floor = fraction(minimumAccuracy(dataset) + STOPPING_MARGIN);
  const thesis = thesisAccuracy(dataset, cell, T);
  const long = Object.hasOwn(THESIS_LONG_RUNS, dataset) ? THESIS_LONG_RUNS[dataset] : null;
  const limit = long !== null && long.cells.includes(cell) ? { epochLimit: long.epochs } : {};
  return thesis === null
    ? { floorAccuracy: floor, ...limit }
    : { targetAccuracy: Math.max(fraction(thesis), floor), floorAccuracy: floor, ...limit };
}

/** The thesis's parameter count of a model (Tables 3.3, 3.5, 3.6), or null. */
export function thesisParameters(cell: string, T: number): number | null {
  if ((cell === "shallow" || cell === "deep") && (T === 1 || T === 4 || T === 7)) {
    return TABLE_3_3[T][cell];
  }
  if (T === 12) {
    const row = [...TABLE_3_5, ...TABLE_3_6].find((r) => r.cell === cell);
    return row ? row.params : null;
  }
  return null;
}

/** The Appendix 1 row of a MAJ model, or null. */
export function appendixRow(dataset: string, cell: string): AppendixRow | null {
  return APPENDIX_1.find((r) => r.dataset === dataset && r.cell === cell) ?? null;
}

/**
 * The thesis's own captions of the figures this project redraws, from its
 * List of Figures (formulas written out in Unicode).
 */
export const THESIS_FIGURE_CAPTIONS: Readonly<Record<string, string>> = {
  "2.14":
    "Relevance heatmaps produced by different explanation methods explaining decisions of LeNet-5.",
  "3.4": "Relevance heatmaps from different explanation techniques applied to Shallow and Deep " +
    "architecture trained on MNIST with different sequence lengths.",
  "3.5": "Relevance heatmaps from different explanation techniques applied to Shallow and Deep " +
    "architecture trained on FashionMNIST with different sequence lengths.",
  "3.6": "Relevance heatmaps of MNIST Class 1 and FashionMNIST Class Trouser samples from " +
    "Shallow-7 and Deep-7 explained by DTD and LRP-α1.5β0.5.",
  "3.7": "Distribution of pixel intensity, relevance quantities from Shallow-7 and Deep-7 " +
    "propagated by DTD and LRP-α1.5β0.5 and averaged over MNIST Class 1 and FashionMNIST " +
    "Class Trouser test population.",
  "3.10": "Comparison between percentage of correctly distributed relevance and cosine " +
    "similarity.",
  "3.11": "Relevance heatmaps from different explanation techniques applied to Shallow, Deep, " +
    "DeepV2 and ConvDeep architecture trained on MNIST-MAJ and FashionMNIST-MAJ with sequence " +
    "length T = 12.",
  "3.12": "Average cosine similarity from different explanation techniques and Shallow, Deep, " +
    "DeepV2 and ConvDeep architecture.",
  "3.17": "Relevance heatmaps produced by different explanation techniques on Deep and R-LSTM " +
    "architecture trained on MNIST-MAJ and FashionMNIST-MAJ with sequence length T = 12 and " +
    "different dropout configurations.",
  "3.18": "Average cosine similarity from different explanation techniques and Deep and R-LSTM " +
    "architecture.",
  "3.19": "Relevance heatmaps produced by different explanation techniques on variants of " +
    "ConvDeep and R-LSTM architecture trained on MNIST-MAJ and FashionMNIST-MAJ with sequence " +
    "length T = 12.",
  "3.20": "Positive relevance heatmaps produced by LRP-α1.5β0.5 on R-LSTM and ConvR-LSTM " +
    "architecture trained on MNIST-MAJ and FashionMNIST-MAJ with sequence length T = 12.",
  "3.21": "Average cosine similarity from different explanation techniques and variants of " +
    "ConvDeep and R-LSTM architecture.",
};

/** The thesis's own captions of the tables this project reproduces, from its List of Tables. */
export const THESIS_TABLE_CAPTIONS: Readonly<Record<string, string>> = {
  "3.3": "Dimensions of xₜ and number of trainable variables in each architecture on different " +
    "sequence length T = {1, 4, 7}.",
  "3.4": "Sequence classification accuracy from Shallow and Deep architecture trained with " +
    "different sequence length.",
  "3.5": "Number of trainable variables and model accuracy from architectures trained on " +
    "MNIST-MAJ and FashionMNIST-MAJ with sequence length T = 12.",
  "3.6": "Number of trainable variables and model accuracy of the proposed architectures for " +
    "MNIST-MAJ and FashionMNIST-MAJ.",
};

/**
 * The thesis's caption of an artifact by its file name (`fig-3.12`,
 * `table-3.4`), or null when the thesis has none (e.g. `table-A1`).
 *
 * @example
 * ```ts
 * import { thesisCaption } from "./thesis.ts";
 * if (!thesisCaption("fig-3.12")?.startsWith("Average cosine")) throw new Error();
 * if (thesisCaption("table-A1") !== null) throw new Error();
 * ```
 */
export function thesisCaption(name: string): string | null {
  const fig = name.match(/^fig-(\d+\.\d+)$/);
  if (fig) return THESIS_FIGURE_CAPTIONS[fig[1]] ?? null;
  const table = name.match(/^table-(\d+\.\d+)$/);
  if (table) return THESIS_TABLE_CAPTIONS[table[1]] ?? null;
  return null;
}
