/**
 * The qualitative figures: grids of heatmaps with models × methods as rows
 * and test samples as columns, one block per dataset (Figs 2.14, 3.4–3.6,
 * 3.11, 3.17, 3.19, 3.20). Each sample is explained for its true class;
 * misclassified samples are framed in red; models below the Table 3.2 minimum
 * accuracy are marked † in their row labels.
 *
 * @module
 */
import type { CellId } from "../cells/mod.ts";
import { makeBatch } from "../data/mod.ts";
import { blockShares, datasetLabel, methodLabel } from "../eval/mod.ts";
import { heatmapGrid, type HeatmapRow } from "../plot/mod.ts";
import type { FigureArtifact } from "./artifact.ts";
import { stackFigures } from "./compose.ts";
import {
  checkMethods,
  explainBatch,
  type FoldSamples,
  samplesInFolds,
  withRunModel,
} from "./explanations.ts";
import {
  cachedTask,
  entryAccuracy,
  type GridEntry,
  gridEntry,
  modelLabel,
  type RunGrid,
  runIds,
  untrainedList,
  type UntrainedModel,
  untrainedModel,
} from "./grid.ts";
import { ExperimentInputError, GridLookupError, UnknownArtifactError } from "./errors.ts";
import {
  CLASS1_SAMPLES,
  EXP1_SAMPLES,
  EXP2_SAMPLES,
  fig214MnistSamples,
  FIG_2_14_FASHION,
} from "./samples.ts";
import { minimumAccuracy } from "./thesis.ts";

/** A model shown in a heatmap figure. */
export interface HeatmapModel {
  /** Cell id. */
  cell: string;
  /** Sequence length (needed when the grid holds several for the cell). */
  T?: number;
}

/** The samples of one dataset block. */
export interface HeatmapPanel {
  /** Task id. */
  dataset: string;
  /** Test-set positions (see `samples.ts` for what they mean on MAJ tasks). */
  samples: readonly number[];
}

/** What a heatmap figure shows. */
export interface HeatmapSpec {
  /** File name, e.g. `fig-3.4`. */
  name: string;
  /** Caption shown above it. */
  caption: string;
  /** One block per dataset, stacked top to bottom. */
  panels: readonly HeatmapPanel[];
  /** Models (rows). */
  models: readonly HeatmapModel[];
  /** Method ids (rows). */
  methods: readonly string[];
  /** `model`: rows grouped by model (methods vary fastest); `method`: grouped by method. */
  rowOrder?: "model" | "method";
  /** Show only positive relevance (Fig 3.20). */
  positiveOnly?: boolean;
  /** Upscaling (default 4 for 28-wide images, 2 for 84-wide ones). */
  scale?: number;
}

/** One explained sample of a heatmap figure. */
export interface ExplainedSample {
  /** Task id. */
  dataset: string;
  /** Test-set position. */
  position: number;
  /** Fold of the model that explained it (null: single split). */
  fold: number | null;
  /** Cell id. */
  cell: CellId;
  /** Sequence length. */
  T: number;
  /** Method id. */
  method: string;
  /** True class. */
  label: number;
  /** Predicted class. */
  prediction: number;
  /** Image width. */
  width: number;
  /** Heatmap, 28×width. */
  relevance: Float32Array;
}

/** A heatmap figure with the explanations it shows. */
export interface HeatmapArtifact extends FigureArtifact {
  /** Every explained (sample, model, method). */
  explained: ExplainedSample[];
}

/** Whether a grid entry's accuracy is below the Table 3.2 minimum of its dataset. */
export function belowMinimum(entry: GridEntry): boolean {
  return entryAccuracy(entry).mean < minimumAccuracy(entry.dataset);
}

/**
 * Explains the samples of every panel with every model and method and
 * renders the figure.
 *
 * @example
 * ```ts ignore
 * const fig = await heatmapFigure(grid, HEATMAP_FIGURES["3.4"]);
 * await publish(exp, fig);
 * ```
 */
export async function heatmapFigure(grid: RunGrid, spec: HeatmapSpec): Promise<HeatmapArtifact> {
  checkMethods(spec.methods);
  const explained: ExplainedSample[] = [];
  const blocks = [];
  const usedEntries: GridEntry[] = [];
  const notes: string[] = [];
  const shownSamples: Record<string, number[]> = {};
  const untrained: UntrainedModel[] = [];
  for (const panel of spec.panels) {
    const maj = panel.dataset.endsWith("-maj");
    const task = await cachedTask(panel.dataset, maj ? grid.ctx.profile.folds : undefined);
    if (panel.samples.length === 0) {
      throw new ExperimentInputError(`${spec.name}: the ${panel.dataset} block has no samples`);
    }
    const entries = spec.models.flatMap((m) => {
      const absent = untrainedModel(grid, panel.dataset, m.cell, m.T);
      if (absent) untrained.push(absent);
      return absent ? [] : [gridEntry(grid, panel.dataset, m.cell, m.T)];
    });
    if (entries.length === 0) continue;
    const modelFolds = entries.map((e) => e.runs.map((r) => r.key.fold!));
    const common = modelFolds[0].filter((k) => modelFolds.every((f) => f.includes(k)));
    const { samples: located, replaced } = samplesInFolds(task, panel.samples, common);
    if (replaced.length > 0) notes.push(replacementNote(panel.dataset, replaced, common));
    shownSamples[panel.dataset] = located.map((s) => s.position);
    const source = located[0].source;
    const inputs = makeBatch(source, located.map((s) => s.index));
    const width = inputs.width;
    const byKey = new Map<string, ExplainedSample>();
    const flagged = new Set<string>();
    for (const entry of entries) {
      usedEntries.push(entry);
      if (belowMinimum(entry)) flagged.add(`${entry.cell}/${entry.T}`);
      const folds = [...new Set(located.map((s) => s.fold))];
      for (const fold of folds) {
        const columns = located.map((s, j) => s.fold === fold ? j : -1).filter((j) => j >= 0);
        await withRunModel(entry, fold, (model) => {
          const batch = makeBatch(source, columns.map((j) => located[j].index));
          for (const method of spec.methods) {
            const e = explainBatch(model, batch, method);
            const size = 28 * width;
            columns.forEach((j, b) => {
              const item: ExplainedSample = {
                dataset: panel.dataset,
                position: located[j].position,
                fold,
                cell: entry.cell,
                T: entry.T,
                method,
                label: batch.labels[b],
                prediction: e.predictions[b],
                width,
                relevance: e.relevance.slice(b * size, (b + 1) * size),
              };
              byKey.set(`${entry.cell}/${entry.T}/${method}/${j}`, item);
              explained.push(item);
            });
          }
        });
      }
    }
    const rowKeys: { entry: GridEntry; method: string }[] = [];
    if ((spec.rowOrder ?? "model") === "model") {
      for (const entry of entries) {
        for (const method of spec.methods) rowKeys.push({ entry, method });
      }
    } else {
      for (const method of spec.methods) {
        for (const entry of entries) rowKeys.push({ entry, method });
      }
    }
    const rows: HeatmapRow[] = rowKeys.map(({ entry, method }) => {
      const flag = flagged.has(`${entry.cell}/${entry.T}`) ? " †" : "";
      const model = modelLabel(entry.cell, entry.T) + flag;
      const label = spec.models.length === 1
        ? `${methodLabel(method)}${flag}`
        : spec.methods.length === 1
        ? model
        : `${model} · ${methodLabel(method)}`;
      return {
        label,
        cells: located.map((_, j) => {
          const item = byKey.get(`${entry.cell}/${entry.T}/${method}/${j}`)!;
          return {
            relevance: item.relevance,
            width,
            input: inputs.x.subarray(j * 28 * width, (j + 1) * 28 * width),
            faded: item.prediction !== item.label,
          };
        }),
      };
    });
    const classNames = task.classNames;
    const columnLabels = located.map((s, j) => `${classNames[inputs.labels[j]]} (#${s.position})`);
    const title = datasetLabel(panel.dataset) +
      (flagged.size > 0 ? " (†: below the Table 3.2 minimum accuracy in this run)" : "");
    blocks.push(heatmapGrid({
      rows,
      columnLabels,
      title,
      positiveOnly: spec.positiveOnly ?? false,
      scale: spec.scale ?? (width > 28 ? 2 : 4),
      inputRow: true,
    }));
  }
  if (blocks.length === 0) {
    throw new GridLookupError(
      `${spec.name}: none of its models has a stored run (${untrainedList(untrained)})`,
    );
  }
  if (untrained.length > 0) {
    notes.push(
      `Not shown: no stored run under profile ${grid.ctx.profile.name} (this build trains ` +
        `nothing) for ${untrainedList(untrained)}.`,
    );
  }
  const figure = await stackFigures(blocks);
  return {
    kind: "figure",
    name: spec.name,
    caption: [spec.caption, ...notes].join(" "),
    figure,
    runs: [...new Set(runIds(grid, usedEntries))],
    extra: {
      datasets: spec.panels.map((p) => p.dataset),
      samples: shownSamples,
      askedSamples: Object.fromEntries(spec.panels.map((p) => [p.dataset, [...p.samples]])),
      models: spec.models.map((m) => m.T === undefined ? m.cell : `${m.cell}-T${m.T}`),
      methods: [...spec.methods],
      positiveOnly: spec.positiveOnly ?? false,
      convPlusFirstLayer: "conservative",
    },
    data: explainedTable(explained),
    explained,
  };
}

/**
 * The caption sentence on MAJ samples shown in place of the asked ones.
 *
 * @example
 * ```ts
 * import { replacementNote } from "./heatmaps.ts";
 * const text = replacementNote("mnist-maj", [{ asked: 99, fold: 3, shown: 134 }], [0, 1, 2]);
 * if (!text.startsWith("MNIST-MAJ: position 99 is held out by fold 3, which has no model here;")) {
 *   throw new Error(text);
 * }
 * ```
 */
export function replacementNote(
  dataset: string,
  replaced: FoldSamples["replaced"],
  trained: readonly number[],
): string {
  const list = (xs: readonly number[]) => xs.join(", ");
  const one = replaced.length === 1;
  const s = one ? "" : "s";
  return `${datasetLabel(dataset)}: position${s} ${list(replaced.map((r) => r.asked))} ` +
    `${one ? "is" : "are"} held out by fold${s} ${list(replaced.map((r) => r.fold))}, which ` +
    `${one ? "has" : "have"} no model here; the next position${s} held out by a fold with a ` +
    `model (fold${trained.length === 1 ? "" : "s"} ${list(trained)}) ${
      one ? "is" : "are"
    } shown instead: ${list(replaced.map((r) => r.shown))}.`;
}

/**
 * The numbers behind a heatmap figure: one row per explained (sample, model,
 * method) with the true and predicted class, the sum of relevance and of
 * its positive part, and (MAJ) the positive-relevance share of each block.
 */
export function explainedTable(explained: readonly ExplainedSample[]): Record<string, unknown>[] {
  return explained.map((e) => {
    let total = 0;
    let positive = 0;
    for (const r of e.relevance) {
      total += r;
      if (r > 0) positive += r;
    }
    const shares = e.width === 84 ? blockShares(e.relevance, 84) : null;
    return {
      dataset: e.dataset,
      model: modelLabel(e.cell, e.T),
      method: methodLabel(e.method),
      fold: e.fold,
      sample: e.position,
      label: e.label,
      prediction: e.prediction,
      misclassified: e.prediction !== e.label,
      "relevance sum": total,
      "positive relevance sum": positive,
      "block 1 share": shares ? shares[0] : null,
      "block 2 share": shares ? shares[1] : null,
      "block 3 share": shares ? shares[2] : null,
    };
  });
}

/** The four methods of Experiments 1–3. */
export const EXPERIMENT_METHODS: readonly string[] = ["sa", "gb", "dtd", "lrp-a1.5b0.5"];

/** The seven methods of Fig 2.14. */
export const FIG_2_14_METHODS: readonly string[] = [
  "sa",
  "taylor",
  "gb",
  "dtd",
  "lrp-a1b0",
  "lrp-a1.5b0.5",
  "lrp-a2b1",
];

const FADED = "Red frames (lighter colours): the model misclassifies the sample (the true " +
  "class is explained).";
const MAJ_NOTE = "MAJ samples are the positions the thesis used, taken from this project's MAJ " +
  "test set (other digit triples than the thesis's); each is explained by the model of the " +
  "fold that held it out.";

const exp1Models = (["shallow", "deep"] as const).flatMap((cell) =>
  [1, 4, 7].map((T) => ({ cell, T }))
);

/** The heatmap figures of the thesis, by figure number. */
export const HEATMAP_FIGURES: Readonly<Record<string, HeatmapSpec>> = {
  "2.14": {
    name: "fig-2.14",
    caption: "Heatmaps of LeNet-5 decisions on MNIST (top) and FashionMNIST (bottom) by SA, " +
      "simple Taylor, GB, DTD and LRP-αβ (α1β0, α1.5β0.5, α2β1). Red: positive relevance, " +
      "blue: negative. " + FADED,
    panels: [
      { dataset: "mnist", samples: fig214MnistSamples() },
      { dataset: "fashion-mnist", samples: FIG_2_14_FASHION },
    ],
    models: [{ cell: "lenet5", T: 1 }],
    methods: FIG_2_14_METHODS,
    scale: 3,
  },
  "3.4": {
    name: "fig-3.4",
    caption: "Heatmaps of Shallow and Deep trained on MNIST with T = 1, 4, 7, explained by SA, " +
      "GB, DTD and LRP-α1.5β0.5. " + FADED,
    panels: [{ dataset: "mnist", samples: EXP1_SAMPLES["mnist"] }],
    models: exp1Models,
    methods: EXPERIMENT_METHODS,
    scale: 3,
  },
  "3.5": {
    name: "fig-3.5",
    caption: "Heatmaps of Shallow and Deep trained on FashionMNIST with T = 1, 4, 7, explained " +
      "by SA, GB, DTD and LRP-α1.5β0.5. " + FADED,
    panels: [{ dataset: "fashion-mnist", samples: EXP1_SAMPLES["fashion-mnist"] }],
    models: exp1Models,
    methods: EXPERIMENT_METHODS,
    scale: 3,
  },
  "3.6": {
    name: "fig-3.6",
    caption: "MNIST class-1 (top) and FashionMNIST Trouser (bottom) samples explained for " +
      "Shallow-7 and Deep-7 by DTD and LRP-α1.5β0.5. " + FADED,
    panels: [
      { dataset: "mnist", samples: CLASS1_SAMPLES["mnist"] },
      { dataset: "fashion-mnist", samples: CLASS1_SAMPLES["fashion-mnist"] },
    ],
    models: [{ cell: "shallow", T: 7 }, { cell: "deep", T: 7 }],
    methods: ["dtd", "lrp-a1.5b0.5"],
  },
  "3.11": {
    name: "fig-3.11",
    caption: "MNIST-MAJ (top) and FashionMNIST-MAJ (bottom) heatmaps of Shallow, Deep, DeepV2 " +
      "and ConvDeep (T = 12) by SA, GB, DTD and LRP-α1.5β0.5. " + MAJ_NOTE + " " + FADED,
    panels: [
      { dataset: "mnist-maj", samples: EXP2_SAMPLES["mnist-maj"] },
      { dataset: "fashion-mnist-maj", samples: EXP2_SAMPLES["fashion-mnist-maj"] },
    ],
    models: [{ cell: "shallow" }, { cell: "deep" }, { cell: "deepv2" }, { cell: "convdeep" }],
    methods: EXPERIMENT_METHODS,
    rowOrder: "method",
  },
  "3.17": {
    name: "fig-3.17",
    caption: "MAJ heatmaps of Deep, Deep-SD, R-LSTM and R-LSTM-SD by SA, GB, DTD and " +
      "LRP-α1.5β0.5. " + MAJ_NOTE + " " + FADED,
    panels: [
      { dataset: "mnist-maj", samples: EXP2_SAMPLES["mnist-maj"] },
      { dataset: "fashion-mnist-maj", samples: EXP2_SAMPLES["fashion-mnist-maj"] },
    ],
    models: [{ cell: "deep" }, { cell: "deep-sd" }, { cell: "rlstm" }, { cell: "rlstm-sd" }],
    methods: EXPERIMENT_METHODS,
    rowOrder: "method",
  },
  "3.19": {
    name: "fig-3.19",
    caption: "MAJ heatmaps of ConvDeep, Conv⁺Deep, R-LSTM-SD, ConvR-LSTM-SD and " +
      "Conv⁺R-LSTM-SD by SA, GB, DTD and LRP-α1.5β0.5 (conservative Conv⁺ first-layer rule). " +
      MAJ_NOTE + " " + FADED,
    panels: [
      { dataset: "mnist-maj", samples: EXP2_SAMPLES["mnist-maj"] },
      { dataset: "fashion-mnist-maj", samples: EXP2_SAMPLES["fashion-mnist-maj"] },
    ],
    models: [
      { cell: "convdeep" },
      { cell: "conv+deep" },
      { cell: "rlstm-sd" },
      { cell: "convrlstm-sd" },
      { cell: "conv+rlstm-sd" },
    ],
    methods: EXPERIMENT_METHODS,
    rowOrder: "method",
  },
  "3.20": {
    name: "fig-3.20",
    caption: "Positive relevance only (normalised, negatives set to zero) of LRP-α1.5β0.5 for " +
      "R-LSTM-SD and ConvR-LSTM-SD on MNIST-MAJ (top) and FashionMNIST-MAJ (bottom). " +
      MAJ_NOTE + " " + FADED,
    panels: [
      { dataset: "mnist-maj", samples: EXP2_SAMPLES["mnist-maj"] },
      { dataset: "fashion-mnist-maj", samples: EXP2_SAMPLES["fashion-mnist-maj"] },
    ],
    models: [{ cell: "rlstm-sd" }, { cell: "convrlstm-sd" }],
    methods: ["lrp-a1.5b0.5"],
    positiveOnly: true,
    scale: 3,
  },
};

/**
 * The heatmap figure of the thesis with the given number (`"3.4"`, ...);
 * unknown numbers list the valid ones.
 */
export function thesisHeatmap(grid: RunGrid, figure: string): Promise<HeatmapArtifact> {
  const spec = Object.hasOwn(HEATMAP_FIGURES, figure) ? HEATMAP_FIGURES[figure] : undefined;
  if (!spec) throw new UnknownArtifactError("heatmap figure", figure, Object.keys(HEATMAP_FIGURES));
  return heatmapFigure(grid, spec);
}
