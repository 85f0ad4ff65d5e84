/**
 * The quantitative figures: per-step relevance distributions (Fig 3.7), the
 * percentage-vs-cosine illustration (Fig 3.10) and the mean cosine similarity
 * per method and architecture with 95% intervals over folds (Figs 3.12,
 * 3.18, 3.21).
 *
 * @module
 */
import pl from "nodejs-polars";
import { makeBatch } from "../data/mod.ts";
import {
  cellLabel,
  chanceLevels,
  cosineSimilarity,
  datasetLabel,
  indicesOfLabel,
  methodLabel,
  percentageCorrect,
  pixelDistribution,
  relevanceDistribution,
} from "../eval/mod.ts";
import {
  chartFigure,
  cosineChartSpec,
  distributionChartSpec,
  type DistributionSeries,
  FIG_3_10_EXAMPLES,
  percentageCosineChartSpec,
} from "../plot/mod.ts";
import type { FigureArtifact, TableArtifact } from "./artifact.ts";
import { explainSampleCount } from "./context.ts";
import { UnknownArtifactError } from "./errors.ts";
import { explainBatch, withRunModel } from "./explanations.ts";
import type { ChancePoint, EvaluationResult } from "./evaluation.ts";
import {
  cachedTask,
  gridEntry,
  modelLabel,
  type RunGrid,
  runIds,
  untrainedList,
  untrainedModel,
} from "./grid.ts";
import { belowMinimum } from "./heatmaps.ts";
import { FIG_3_7_CLASS, pickSamples } from "./samples.ts";
import { minimumAccuracy } from "./thesis.ts";

/** The mean cosine of one (dataset, cell, method) with its interval over folds. */
export interface CosinePoint {
  /** Task id. */
  dataset: string;
  /** Cell id. */
  cell: string;
  /** Method id. */
  method: string;
  /** Mean over folds of the fold-mean cosine. */
  mean: number;
  /** Lower end of the 95% t interval (null with one fold). */
  ci_lo: number | null;
  /** Upper end (null with one fold). */
  ci_hi: number | null;
  /** Folds with a mean. */
  n_folds: number;
}

/** The cosine rows of an aggregate table as plain records. */
export function cosinePoints(evaluation: Pick<EvaluationResult, "aggregate">): CosinePoint[] {
  return (evaluation.aggregate.filter(pl.col("metric").eq(pl.lit("cosine"))).toRecords() as Record<
    string,
    unknown
  >[]).map((r) => ({
    dataset: String(r.dataset),
    cell: String(r.cell),
    method: String(r.method),
    mean: Number(r.mean),
    ci_lo: typeof r.ci_lo === "number" ? r.ci_lo : null,
    ci_hi: typeof r.ci_hi === "number" ? r.ci_hi : null,
    n_folds: Number(r.n_folds),
  }));
}

/** What a cosine figure compares. */
export interface CosineFigureSpec {
  /** File name. */
  name: string;
  /** Caption. */
  caption: string;
  /** Cells, in display order. */
  cells: readonly string[];
  /** Baseline cells (blue, dotted). */
  baseline: readonly string[];
}

/** The MAJ datasets in panel order. */
export const MAJ_DATASETS: readonly string[] = ["mnist-maj", "fashion-mnist-maj"];

/** Figs 3.12, 3.18 and 3.21, and Fig s.1 (R-LSTM beside the standard LSTM and GRU). */
export const COSINE_FIGURES: Readonly<Record<string, CosineFigureSpec>> = {
  "3.12": {
    name: "fig-3.12",
    caption: "Mean cosine similarity between the mark vector m and the block shares v of " +
      "positive relevance, per explanation method, for Shallow, Deep, DeepV2 and ConvDeep. " +
      "Means over folds of the per-fold mean; bars: 95% Student t intervals over the folds " +
      "(clipped to [0, 1]). " +
      "Baseline: Shallow (blue, dotted).",
    cells: ["shallow", "deep", "deepv2", "convdeep"],
    baseline: ["shallow"],
  },
  "3.18": {
    name: "fig-3.18",
    caption: "Mean cosine similarity per method for Deep, Deep-SD, R-LSTM and R-LSTM-SD; " +
      "bars: 95% t intervals over folds. Baseline: Deep (blue, dotted).",
    cells: ["deep", "deep-sd", "rlstm", "rlstm-sd"],
    baseline: ["deep"],
  },
  "3.21": {
    name: "fig-3.21",
    caption: "Mean cosine similarity per method for ConvDeep, Conv⁺Deep, ConvR-LSTM-SD and " +
      "Conv⁺R-LSTM-SD (conservative Conv⁺ first-layer rule); bars: 95% t intervals over folds. " +
      "Baselines as in the thesis's caption: Deep and R-LSTM-SD (blue, dotted); the thesis's " +
      "text names ConvDeep and R-LSTM-SD, so ConvDeep is shown too.",
    cells: ["deep", "rlstm-sd", "convdeep", "conv+deep", "convrlstm-sd", "conv+rlstm-sd"],
    baseline: ["deep", "rlstm-sd"],
  },
  "s.1": {
    name: "fig-s.1",
    caption: "Mean cosine similarity per method for R-LSTM and R-LSTM-SD beside the standard " +
      "LSTM and GRU (not in the thesis), trained the same way; bars: 95% t intervals over " +
      "folds. DTD and LRP-α1.5β0.5 do not apply to LSTM and GRU, whose states are real-valued; " +
      "they are explained by SA, GB and LRP-ε (the published LRP rule for LSTMs and GRUs). " +
      "Baseline: Deep (blue, dotted).",
    cells: ["deep", "rlstm", "rlstm-sd", "lstm", "gru"],
    baseline: ["deep"],
  },
};

/** A figure with the numbers it plots. */
export interface CosineArtifact extends FigureArtifact {
  /** The plotted points. */
  points: CosinePoint[];
}

/**
 * A mean-cosine chart (one panel per MAJ dataset) of the given cells from an
 * evaluation; models below the Table 3.2 minimum are listed in the subtitle.
 */
export async function cosineFigure(
  grid: RunGrid,
  evaluation: EvaluationResult,
  spec: CosineFigureSpec | string,
): Promise<CosineArtifact> {
  const s = typeof spec === "string"
    ? (Object.hasOwn(COSINE_FIGURES, spec) ? COSINE_FIGURES[spec] : undefined)
    : spec;
  if (!s) {
    throw new UnknownArtifactError("cosine figure", String(spec), Object.keys(COSINE_FIGURES));
  }
  const points = cosinePoints(evaluation).filter((p) => s.cells.includes(p.cell));
  // The cosine of non-negative vectors lies in [0, 1]; with few folds the t interval
  // reaches far beyond, so the plotted bars are clipped to that range.
  const agg = evaluation.aggregate.filter(
    pl.col("metric").eq(pl.lit("cosine")).and(pl.col("cell").isIn([...s.cells])),
  ).withColumns(
    pl.col("ci_lo").clip(0, 1).alias("ci_lo"),
    pl.col("ci_hi").clip(0, 1).alias("ci_hi"),
  );
  const datasets = MAJ_DATASETS.filter((d) => points.some((p) => p.dataset === d));
  const flagged = datasets.flatMap((d) => {
    const below = grid.entries.filter((e) =>
      e.dataset === d && s.cells.includes(e.cell) && belowMinimum(e)
    );
    const shown = new Set(grid.entries.filter((e) => e.dataset === d && s.cells.includes(e.cell)));
    const names = below.length === shown.size
      ? "all models"
      : below.map((e) => cellLabel(e.cell)).join(", ");
    return below.length
      ? [
        `below the Table 3.2 minimum accuracy (${minimumAccuracy(d)}%) on ${
          datasetLabel(d)
        }: ${names}`,
      ]
      : [];
  });
  const chance = datasets.flatMap((d) => {
    const here = evaluation.chance.filter((c) => c.dataset === d && s.cells.includes(c.cell));
    const mean = (f: (c: ChancePoint) => number) =>
      here.reduce((a, c) => a + f(c) * c.samples, 0) / here.reduce((a, c) => a + c.samples, 0);
    return here.length
      ? [
        { dataset: d, label: "uniform relevance", value: mean((c) => c.uniform.cosine) },
        { dataset: d, label: "random relevance", value: mean((c) => c.random.cosine) },
      ]
      : [];
  });
  const listed = (whole: boolean) =>
    untrainedList((grid.untrained ?? []).filter((u) => u.whole === whole), {
      datasets: MAJ_DATASETS,
      cells: s.cells,
    });
  const untrained = listed(true);
  const partly = listed(false);
  const vl = cosineChartSpec(agg, { baseline: [...s.baseline], datasets, chance });
  const folds = Math.max(0, ...points.map((p) => p.n_folds));
  const subtitle = [
    `${folds} folds, profile ${grid.ctx.profile.name}; intervals clipped to [0, 1]`,
    ...(chance.length ? ["grey dashed lines: uniform and random relevance, same samples"] : []),
    ...flagged,
    ...(untrained ? [`not shown, no stored run (this build trains nothing): ${untrained}`] : []),
    ...(partly ? [`mean of the stored folds only, these without a stored run: ${partly}`] : []),
  ];
  (vl as unknown as Record<string, unknown>).title = {
    text: `Fig ${s.name.replace(/^fig-/, "")}: mean cosine similarity`,
    subtitle,
    anchor: "start",
  };
  const entries = grid.entries.filter((e) =>
    datasets.includes(e.dataset) && s.cells.includes(e.cell)
  );
  return {
    kind: "figure",
    name: s.name,
    caption: s.caption,
    figure: await chartFigure(vl),
    runs: runIds(grid, entries),
    extra: { cells: [...s.cells], baseline: [...s.baseline], datasets, folds },
    data: cosineTable(evaluation, s).table,
    points,
  };
}

/** One per-step distribution of Fig 3.7. */
export interface DistributionPoint {
  /** Task id. */
  dataset: string;
  /** Cell id, or "pixels" for the pixel-intensity curve. */
  cell: string;
  /** Sequence length. */
  T: number;
  /** Method id, or "pixels". */
  method: string;
  /** Mean share per step t = 1..T. */
  shares: number[];
  /** Samples averaged. */
  n: number;
}

/** Fig 3.7 with the distributions it plots (and those of SA and GB, for the claims). */
export interface DistributionArtifact extends FigureArtifact {
  /** Every computed distribution. */
  points: DistributionPoint[];
}

/** Options of {@link distributionFigure}. */
export interface DistributionOptions {
  /** Datasets (default MNIST and FashionMNIST). */
  datasets?: readonly string[];
  /** Cells at T = 7 (default Shallow and Deep). */
  cells?: readonly string[];
  /** Methods plotted (default DTD and LRP-α1.5β0.5). */
  methods?: readonly string[];
  /** Methods computed in addition, not plotted (default SA and GB). */
  extraMethods?: readonly string[];
}

/**
 * Fig 3.7: mean per-step share of positive relevance over the test samples of
 * MNIST class 1 / FashionMNIST Trouser (a seeded subset of the profile's
 * explained-sample count), for Shallow-7 and Deep-7, next to the share of
 * pixel intensity (x+1)/2.
 */
export async function distributionFigure(
  grid: RunGrid,
  options: DistributionOptions = {},
): Promise<DistributionArtifact> {
  const datasets = options.datasets ?? ["mnist", "fashion-mnist"];
  const cells = options.cells ?? ["shallow", "deep"];
  const methods = options.methods ?? ["dtd", "lrp-a1.5b0.5"];
  const all = [...new Set([...methods, ...(options.extraMethods ?? ["sa", "gb"])])];
  const T = 7;
  const points: DistributionPoint[] = [];
  const series: DistributionSeries[] = [];
  const entries = [];
  let samples = 0;
  for (const dataset of datasets) {
    const task = await cachedTask(dataset);
    if (task.kind !== "single") {
      throw new UnknownArtifactError("Fig 3.7 dataset", dataset, ["mnist", "fashion-mnist"]);
    }
    const pool = indicesOfLabel(task.test.labels, FIG_3_7_CLASS);
    const picked = pickSamples(
      pool,
      explainSampleCount(grid.ctx.profile, "deep"),
      `${dataset}/class-1`,
    );
    samples = picked.length;
    const batch = makeBatch(task.test, picked);
    const pixels = pixelDistribution(batch.x, 28, T);
    points.push({
      dataset,
      cell: "pixels",
      T,
      method: "pixels",
      shares: [...pixels.mean],
      n: pixels.n,
    });
    series.push({ dataset, series: "pixels", shares: pixels.mean });
    for (const cell of cells) {
      if (untrainedModel(grid, dataset, cell, T)) continue;
      const entry = gridEntry(grid, dataset, cell, T);
      entries.push(entry);
      await withRunModel(entry, null, (model) => {
        for (const method of all) {
          const e = explainBatch(model, batch, method);
          const d = relevanceDistribution(e.relevance, 28, T);
          points.push({ dataset, cell, T, method, shares: [...d.mean], n: d.n });
          if (methods.includes(method)) {
            const flag = belowMinimum(entry) ? " †" : "";
            series.push({
              dataset,
              series: `${modelLabel(cell, T)}${flag} · ${methodLabel(method)}`,
              shares: d.mean,
            });
          }
        }
      });
    }
  }
  const vl = distributionChartSpec(series);
  const flagged = entries.filter(belowMinimum);
  (vl as unknown as Record<string, unknown>).title = {
    text: "Fig 3.7: per-step share of positive relevance and of pixel intensity",
    subtitle: [
      `${samples} test samples of class 1 (MNIST digit 1, FashionMNIST Trouser) per dataset`,
      ...(flagged.length ? ["†: below the Table 3.2 minimum accuracy in this run"] : []),
    ],
    anchor: "start",
  };
  return {
    kind: "figure",
    name: "fig-3.7",
    caption: "Mean share of positive relevance per time step (T = 7) over MNIST class-1 and " +
      "FashionMNIST Trouser test samples, for Shallow-7 and Deep-7 explained by DTD and " +
      "LRP-α1.5β0.5, and the same share computed on pixel intensity (x+1)/2 (dashed; the " +
      "thesis's pixel curve is reconstructed this way). Grey line: the share 1/7 that uniform " +
      "relevance, or relevance on one step drawn at random, gives every step.",
    figure: await chartFigure(vl),
    runs: runIds(grid, entries),
    extra: { datasets: [...datasets], cells: [...cells], methods: [...methods], samples },
    data: points.flatMap((p) =>
      p.shares.map((share, t) => ({
        dataset: datasetLabel(p.dataset),
        series: p.cell === "pixels" ? "pixel intensity" : modelLabel(p.cell, p.T),
        method: p.method === "pixels" ? "" : methodLabel(p.method),
        step: t + 1,
        share,
        "uniform share": 1 / p.T,
        samples: p.n,
      }))
    ),
    points,
  };
}

/** Fig 3.10 with its numbers. */
export interface PercentageCosineArtifact extends FigureArtifact {
  /** For every example v: the percentage and the cosine for m = [1, 1, 0]. */
  values: { v: number[]; percentage: number; cosine: number }[];
}

/**
 * Fig 3.10: the percentage of correctly distributed relevance next to the
 * cosine similarity for the example block shares of the thesis (m = [1, 1, 0]).
 */
export async function percentageCosineFigure(): Promise<PercentageCosineArtifact> {
  const m = [1, 1, 0];
  const chance = chanceLevels(m);
  const values = FIG_3_10_EXAMPLES.map((v) => ({
    v: [...v],
    percentage: percentageCorrect(m, v),
    cosine: cosineSimilarity(m, v),
  }));
  return {
    kind: "figure",
    name: "fig-3.10",
    caption: "Percentage of correctly distributed relevance Σₖ mₖvₖ versus cosine similarity " +
      "cos(m, v) for example block shares v and the mark vector m = [1, 1, 0] (blocks 1 and 2 " +
      "show the majority class). Relevance concentrated on one correct block still scores a high " +
      "percentage; only the cosine rewards spreading it over both correct blocks. Grey lines: " +
      "what uniform relevance and random relevance (all on one block drawn at random) score.",
    figure: await chartFigure(percentageCosineChartSpec(FIG_3_10_EXAMPLES, {
      levels: [
        {
          label: `uniform relevance: cosine ${chance.uniform.cosine.toFixed(3)}`,
          value: chance.uniform.cosine,
        },
        {
          label: `uniform or random relevance: percentage ${chance.uniform.percentage.toFixed(3)}`,
          value: chance.uniform.percentage,
        },
        {
          label: `random relevance: cosine ${chance.random.cosine.toFixed(3)}`,
          value: chance.random.cosine,
        },
      ],
    })),
    runs: [],
    extra: { marks: m },
    data: [
      ...values.map((x) => ({
        v1: x.v[0],
        v2: x.v[1],
        v3: x.v[2],
        percentage: x.percentage,
        cosine: x.cosine,
        chance: "",
      })),
      ...[1 / 3, null].map((u) => {
        const level = u === null ? chance.random : chance.uniform;
        return {
          v1: u,
          v2: u,
          v3: u,
          percentage: level.percentage,
          cosine: level.cosine,
          chance: u === null
            ? "random relevance (one block at random, expected)"
            : "uniform relevance",
        };
      }),
    ],
    values,
  };
}

/**
 * The numbers behind a cosine figure as a table: per dataset, cell and
 * method, the folds, explained samples (and those without positive
 * relevance), the mean cosine with its 95% t interval and the mean
 * percentage of correctly distributed relevance.
 */
export function cosineTable(
  evaluation: Pick<EvaluationResult, "aggregate" | "chance">,
  spec: CosineFigureSpec | string,
): TableArtifact {
  const s = typeof spec === "string"
    ? (Object.hasOwn(COSINE_FIGURES, spec) ? COSINE_FIGURES[spec] : undefined)
    : spec;
  if (!s) {
    throw new UnknownArtifactError("cosine figure", String(spec), Object.keys(COSINE_FIGURES));
  }
  const records = evaluation.aggregate.filter(pl.col("cell").isIn([...s.cells]))
    .toRecords() as Record<string, unknown>[];
  const find = (d: unknown, c: unknown, m: unknown, metric: string) =>
    records.find((r) => r.dataset === d && r.cell === c && r.method === m && r.metric === metric);
  const num = (v: unknown): number | null =>
    typeof v === "number" && Number.isFinite(v) ? Math.round(v * 1e4) / 1e4 : null;
  const rows = records.filter((r) => r.metric === "cosine").map((r) => {
    const pct = find(r.dataset, r.cell, r.method, "percentage");
    const chance = evaluation.chance.find((c) => c.dataset === r.dataset && c.cell === r.cell);
    return {
      "Dataset": datasetLabel(String(r.dataset)),
      "Architecture": cellLabel(String(r.cell)),
      "Method": methodLabel(String(r.method)),
      "folds": Number(r.n_folds),
      "samples": Number(r.n_samples),
      "no positive relevance": Number(r.n_excluded),
      "mean cosine": num(r.mean),
      "95% CI low": num(r.ci_lo),
      "95% CI high": num(r.ci_hi),
      "mean percentage": num(pct?.mean),
      "uniform cosine": num(chance?.uniform.cosine),
      "random cosine": num(chance?.random.cosine),
      "chance percentage": num(chance?.uniform.percentage),
    };
  });
  return {
    kind: "table",
    name: `${s.name}-data`,
    caption: `The numbers of ${s.name}: mean over folds of the per-fold mean cosine and ` +
      "percentage of correctly distributed relevance, 95% Student t interval over folds " +
      "(unclipped). Samples without positive relevance are counted and left out of the means. " +
      "Chance levels on the same samples: uniform relevance (spread evenly over the pixels) " +
      "and random relevance (all on one block drawn at random, expected value); both give the " +
      "same percentage.",
    table: rows,
    runs: [],
    digits: 4,
  };
}
