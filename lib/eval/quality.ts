/**
 * `evaluateExplanations`: every explanation-quality measure of a model's
 * heatmaps on a batch of samples, as tidy rows (see `quality_rows.ts`).
 *
 * - `perturbation`: MoRF, LeRF and random-order curves for each removal unit
 *   (one forward pass per step count over every method and order; the
 *   unperturbed and fully removed images once for all units), per-sample
 *   AOPC and MoRF–LeRF gap;
 * - `localisation` (MAJ samples, which carry marks): relevance mass
 *   accuracy, relevance rank accuracy, pointing game, and the thesis's cosine;
 * - `randomisation`: Spearman and SSIM of each heatmap to the original's as
 *   the layers are re-initialised, cascading from the output down and one
 *   layer at a time (each distinct randomised model built and explained once).
 *
 * The baselines `uniform`, `random` and `intensity` are scored like methods,
 * as the chance level of every measure (`uniform` is left out of the
 * randomisation test: a constant heatmap has no ranks).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type CellModel, disposeModel, forward } from "../cells/mod.ts";
import { explain, type ExplainOptions, parseMethod } from "../relevance/mod.ts";
import { BASELINE_METHODS, baselineRelevance, isBaselineMethod } from "./baseline_relevance.ts";
import { EvalShapeError, UnknownIdError } from "./errors.ts";
import { averageRanks, rankCorrelation, ssimAbs } from "./heatmap_similarity.ts";
import { METHOD_IDS } from "./labels.ts";
import { majLocalisationBatch } from "./localisation.ts";
import { sampleMetrics } from "./metrics.ts";
import {
  aopc,
  curveStepCounts,
  endpointLogits,
  type LogitFunction,
  perturbationCurves,
  randomOrders,
  relevanceOrders,
} from "./perturbation.ts";
import type { QualityRow } from "./quality_rows.ts";
import { randomisationLayers, randomisationPlan, randomisedModel } from "./randomisation.ts";
import { type RemovalUnit, removalUnits, unitRelevance } from "./removal_units.ts";
import { blockSharesBatch, IMAGE_ROWS } from "./shares.ts";

/** The measure groups. */
export const QUALITY_MEASURES = ["perturbation", "localisation", "randomisation"] as const;

/** A measure group. */
export type QualityMeasure = typeof QUALITY_MEASURES[number];

/** Samples to evaluate on. */
export interface QualitySamples {
  /** Images [B, 28, W] in [−1, 1]. */
  x: Float32Array;
  /** True classes [B]; the explained and perturbed class. */
  labels: ArrayLike<number>;
  /** MAJ marks [B, 3] (needed by `localisation`). */
  marks?: ArrayLike<number>;
  /** Sample ids [B] (default 0..B−1). */
  sampleIds?: ArrayLike<number>;
}

/** What the rows are labelled with (cell and T come from the model). */
export interface QualityContext {
  /** Dataset id (default ""). */
  dataset?: string;
  /** Fold (default 0). */
  fold?: number;
  /** Profile (default ""). */
  profile?: string;
  /** Run seed (default 0). */
  seed?: number;
}

/** Options of {@link evaluateExplanations}. */
export interface QualityOptions {
  /** Method ids (`sa`, `dtd`, `lrp-a1.5b0.5`, ...) and baselines. */
  methods: readonly string[];
  /** Measure groups (default: all; `localisation` needs marks). */
  measures?: readonly QualityMeasure[];
  /** Removal units (default: the model's time steps and 7×7 patches). */
  units?: readonly RemovalUnit[];
  /** Points per perturbation curve (default 13). */
  points?: number;
  /** Seed of random orders, random relevance and randomised layers (default 0). */
  seed?: number;
  /** Labels of the rows. */
  context?: QualityContext;
  /** Further options of `explain` for each method (e.g. `convPlusFirstLayer` for relevance methods). */
  explainOptions?: (method: string) => Omit<ExplainOptions, "method" | "targets">;
  /** Randomisation: only the first this many samples are re-explained (default all). */
  randomisationSamples?: number;
  /** Images per forward pass of the perturbation curves (default 500). */
  forwardChunk?: number;
}

/**
 * Spearman correlation of an original heatmap, given by its average ranks,
 * and a randomised one `r`: NaN when the original is constant (nothing to
 * compare), 0 when only `r` is (a constant heatmap shares no ranking with
 * the original).
 */
export function randomisedSpearman(originalRanks: ArrayLike<number>, r: ArrayLike<number>): number {
  if (isConstant(originalRanks)) return NaN;
  return isConstant(r) ? 0 : rankCorrelation(originalRanks, averageRanks(r));
}

function isConstant(h: ArrayLike<number>): boolean {
  for (let i = 1; i < h.length; i++) if (h[i] !== h[0]) return false;
  return true;
}

/** Default removal units of a model: its time steps and 7×7 patches. */
export function defaultRemovalUnits(model: CellModel): RemovalUnit[] {
  return [{ kind: "steps", steps: model.spec.T }, { kind: "patches", size: 7 }];
}

function checkMethod(method: string): void {
  if (isBaselineMethod(method)) return;
  try {
    parseMethod(method);
  } catch {
    throw new UnknownIdError("method or baseline", method, [...METHOD_IDS, ...BASELINE_METHODS]);
  }
}

/** The heatmaps of one method (or baseline) for a batch, targeting the labels. */
export function methodHeatmaps(
  model: CellModel,
  method: string,
  x: Float32Array,
  labels: ArrayLike<number>,
  options: { seed?: number | string; explainOptions?: QualityOptions["explainOptions"] } = {},
): Float32Array {
  if (isBaselineMethod(method)) return baselineRelevance(method, x, options.seed ?? 0);
  return explain(model, x, {
    ...options.explainOptions?.(method),
    method,
    targets: Array.from(labels),
  }).relevance;
}

/** Logits of a model in chunks of `chunk` images. */
export function modelLogits(model: CellModel, chunk = 500): LogitFunction {
  const { height, width } = model.spec;
  const per = height * width;
  return (x, n) => {
    const out = new Float32Array(n * 10);
    for (let from = 0; from < n; from += chunk) {
      const m = Math.min(chunk, n - from);
      const logits = tf.tidy(() =>
        forward(model, tf.tensor3d(x.subarray(from * per, (from + m) * per), [m, height, width]))
      );
      out.set(logits.dataSync(), from * 10);
      logits.dispose();
    }
    return out;
  };
}

/**
 * Scores the heatmaps of `methods` on `samples` by every requested measure
 * and returns tidy rows.
 *
 * @example
 * ```ts ignore
 * import { buildCell, createModel } from "../cells/mod.ts";
 * import { evaluateExplanations, qualityFrame, writeQualityRows } from "./mod.ts";
 * const model = createModel(buildCell("deep", 12), { seed: 1 });
 * const x = new Float32Array(4 * 28 * 84).fill(-1);
 * const rows = evaluateExplanations(model, { x, labels: [1, 2, 3, 4] }, {
 *   methods: ["dtd", "gb", "random"],
 *   measures: ["perturbation", "randomisation"],
 * });
 * await writeQualityRows("quality.parquet", qualityFrame(rows));
 * ```
 */
export function evaluateExplanations(
  model: CellModel,
  samples: QualitySamples,
  options: QualityOptions,
): QualityRow[] {
  const { spec } = model;
  const size = IMAGE_ROWS * spec.width;
  const B = samples.x.length / size;
  if (!Number.isInteger(B) || B < 1) {
    throw new EvalShapeError(
      `${spec.id} (T=${spec.T}) reads 28×${spec.width} images; ${samples.x.length} values ` +
        `is not a positive multiple of ${size}`,
    );
  }
  if (samples.labels.length !== B) {
    throw new EvalShapeError(`${B} samples need ${B} labels, got ${samples.labels.length}`);
  }
  if (options.methods.length === 0) throw new EvalShapeError("evaluateExplanations: no methods");
  options.methods.forEach(checkMethod);
  const measures = options.measures ??
    QUALITY_MEASURES.filter((m) => m !== "localisation" || samples.marks !== undefined);
  for (const m of measures) {
    if (!(QUALITY_MEASURES as readonly string[]).includes(m)) {
      throw new UnknownIdError("quality measure", m, QUALITY_MEASURES);
    }
  }
  if (measures.includes("localisation") && samples.marks === undefined) {
    throw new EvalShapeError("the localisation measures need the samples' MAJ marks");
  }
  const seed = options.seed ?? 0;
  const ids = samples.sampleIds ?? Array.from({ length: B }, (_, i) => i);
  const ctx = options.context ?? {};
  const base = {
    dataset: ctx.dataset ?? "",
    cell: spec.id,
    T: spec.T,
    fold: ctx.fold ?? 0,
    profile: ctx.profile ?? "",
    seed: ctx.seed ?? 0,
  };
  const rows: QualityRow[] = [];
  const push = (
    method: string,
    measure: string,
    value: number,
    more: Partial<Pick<QualityRow, "setting" | "order" | "step" | "layer" | "sample">> = {},
  ) =>
    rows.push({
      ...base,
      method,
      measure,
      setting: more.setting ?? "",
      order: more.order ?? "",
      step: more.step ?? -1,
      layer: more.layer ?? "",
      sample: more.sample ?? -1,
      value,
    });
  const heatmaps = new Map<string, Float32Array>();
  for (const method of options.methods) {
    heatmaps.set(
      method,
      methodHeatmaps(model, method, samples.x, samples.labels, {
        seed: `${seed}`,
        explainOptions: options.explainOptions,
      }),
    );
  }
  if (measures.includes("perturbation")) {
    const logitsOf = modelLogits(model, options.forwardChunk);
    const endpoints = endpointLogits(logitsOf, samples.x, B);
    for (const unit of options.units ?? defaultRemovalUnits(model)) {
      const map = removalUnits(spec.width, unit);
      const orders: Int32Array[] = [randomOrders(B, map.count, `${seed}/${map.name}`)];
      for (const method of options.methods) {
        const scores = unitRelevance(heatmaps.get(method)!, map);
        orders.push(relevanceOrders(scores, map.count, "morf"));
        orders.push(relevanceOrders(scores, map.count, "lerf"));
      }
      const curves = perturbationCurves(logitsOf, samples.x, samples.labels, orders, map, {
        stepCounts: curveStepCounts(map.count, options.points),
        endpoints,
      });
      const K = curves.stepCounts.length;
      const random = aopc(curves, 0);
      options.methods.forEach((method, i) => {
        const sets = { random: 0, morf: 1 + 2 * i, lerf: 2 + 2 * i };
        const morf = aopc(curves, sets.morf);
        const lerf = aopc(curves, sets.lerf);
        for (let b = 0; b < B; b++) {
          const at = { setting: map.name, sample: ids[b] };
          push(method, "aopc", morf[b], { ...at, order: "morf" });
          push(method, "aopc", lerf[b], { ...at, order: "lerf" });
          push(method, "aopc", random[b], { ...at, order: "random" });
          push(method, "morf_lerf_gap", morf[b] - lerf[b], at);
        }
        for (const [order, s] of Object.entries(sets)) {
          for (let k = 0; k < K; k++) {
            let logit = 0;
            let correct = 0;
            for (let b = 0; b < B; b++) {
              logit += curves.logits[(s * K + k) * B + b];
              correct += curves.correct[(s * K + k) * B + b];
            }
            const at = { setting: map.name, order, step: curves.stepCounts[k] };
            push(method, "logit", logit / B, at);
            push(method, "accuracy", correct / B, at);
          }
        }
      });
    }
  }
  if (measures.includes("localisation")) {
    const marks = samples.marks!;
    for (const method of options.methods) {
      const h = heatmaps.get(method)!;
      const loc = majLocalisationBatch(h, marks, spec.width);
      const shares = blockSharesBatch(h, spec.width);
      const blocks = shares.length / B;
      for (let b = 0; b < B; b++) {
        const m = Array.from({ length: blocks }, (_, k) => marks[b * blocks + k]);
        const cos = sampleMetrics(m, shares.subarray(b * blocks, (b + 1) * blocks)).cosine;
        const at = { sample: ids[b] };
        push(method, "mass_accuracy", loc.mass[b], at);
        push(method, "rank_accuracy", loc.rank[b], at);
        push(method, "pointing_game", loc.pointing[b], at);
        push(method, "cosine", cos, at);
      }
    }
  }
  if (measures.includes("randomisation")) {
    const layers = randomisationLayers(model);
    const methods = options.methods.filter((m) => m !== "uniform");
    const n = Math.min(B, options.randomisationSamples ?? B);
    if (!Number.isInteger(n) || n < 1) {
      throw new EvalShapeError(
        `randomisationSamples must be a positive integer, got ${options.randomisationSamples}`,
      );
    }
    const x = samples.x.subarray(0, n * size);
    const labels = Array.from(samples.labels).slice(0, n);
    // every original heatmap is ranked once and compared with all its randomised versions
    const ranks = new Map(methods.map((method) => {
      const h = heatmaps.get(method)!;
      const out = new Float32Array(n * size);
      for (let b = 0; b < n; b++) {
        out.set(averageRanks(h.subarray(b * size, (b + 1) * size)), b * size);
      }
      return [method, out];
    }));
    const plan = randomisationPlan(layers);
    const explained = methods.filter((m) => !isBaselineMethod(m));
    // the model methods' heatmaps of each distinct randomised model, kept where a later stage shares them
    const shared = new Map<number, Map<string, Float32Array>>();
    plan.forEach(({ mode, stage, randomised, sameAs }, i) => {
      let heat = shared.get(sameAs);
      if (heat === undefined) {
        const random = randomisedModel(model, randomised, seed);
        try {
          heat = new Map(explained.map((method) => [
            method,
            methodHeatmaps(random, method, x, labels, { explainOptions: options.explainOptions }),
          ]));
        } finally {
          disposeModel(random);
        }
        if (plan.some((later, j) => j > i && later.sameAs === sameAs)) shared.set(sameAs, heat);
      }
      for (const method of methods) {
        const original = heatmaps.get(method)!;
        const h = heat.get(method) ??
          methodHeatmaps(model, method, x, labels, { seed: `${seed}/${mode}/${stage}` });
        for (let b = 0; b < n; b++) {
          const a = original.subarray(b * size, (b + 1) * size);
          const r = h.subarray(b * size, (b + 1) * size);
          const at = { setting: mode, step: stage, layer: layers[stage], sample: ids[b] };
          const ra = ranks.get(method)!.subarray(b * size, (b + 1) * size);
          push(method, "spearman", randomisedSpearman(ra, r), at);
          push(method, "ssim", ssimAbs(a, r, spec.width), at);
        }
      }
    });
  }
  return rows;
}
