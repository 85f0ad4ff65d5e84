/**
 * `explain`: heatmaps for a batch of images with any registered method.
 *
 * The explained scalar is the logit f_y of the target class y. The thesis
 * explains the TRUE class, so pass the labels as `targets`; without targets
 * the predicted class (argmax of the logits) is explained instead, and the
 * returned `targetSource` says so.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { disposeTrace, forward, traceForward } from "../cells/engine.ts";
import type { CellGraph } from "../cells/graph.ts";
import type { CellModel } from "../cells/model.ts";
import { ExplainInputError } from "./errors.ts";
import { inputGradient } from "./gradient.ts";
import { imagesToStepsBatchMajor, stepsBatchMajor, stepsToImages } from "./heatmap.ts";
import { type MethodOptions, type ResolvedMethod, resolveMethod } from "./methods.ts";
import { propagateRelevance } from "./propagate.ts";

/**
 * Traced values (float32) an internal batch of {@link explain} may hold, 64 MiB:
 * the step values of every sample at every step; the relevance pass's
 * temporaries come on top.
 */
export const EXPLAIN_CHUNK_FLOATS = 1 << 24;

/** Fewest samples per internal batch: below this the rate falls off on every cell. */
export const MIN_EXPLAIN_CHUNK = 100;

/** Most samples per internal batch: beyond this no cell explains faster. */
export const MAX_EXPLAIN_CHUNK = 500;

/**
 * Samples per internal batch of {@link explain} for a cell: as many as fit
 * {@link EXPLAIN_CHUNK_FLOATS} traced values (every step node's value at every
 * step), between {@link MIN_EXPLAIN_CHUNK} and {@link MAX_EXPLAIN_CHUNK}. The
 * dense cells, with few values per step, explain 500 at a time (their
 * products get large enough to run near the BLAS's speed); the conv cells,
 * whose traces are 5–10 times larger, 100–141.
 *
 * @example
 * ```ts
 * import { analyseCell, buildCell } from "../cells/mod.ts";
 * import { explainChunkSize } from "./explain.ts";
 * if (explainChunkSize(analyseCell(buildCell("deep", 12))) !== 500) throw new Error();
 * if (explainChunkSize(analyseCell(buildCell("convdeep", 12))) !== 136) throw new Error();
 * if (explainChunkSize(analyseCell(buildCell("conv+deep", 12))) !== 100) throw new Error();
 * ```
 */
export function explainChunkSize(graph: CellGraph): number {
  let stepValues = 0;
  for (const node of graph.spec.step) {
    stepValues += graph.values.get(node.name)!.shape.reduce((a, b) => a * b, 1);
  }
  const fit = Math.floor(EXPLAIN_CHUNK_FLOATS / (stepValues * graph.spec.T));
  return Math.min(MAX_EXPLAIN_CHUNK, Math.max(MIN_EXPLAIN_CHUNK, fit));
}

/** Options of {@link explain}. */
export interface ExplainOptions extends MethodOptions {
  /**
   * The class explained for each sample ([B], 0..9). Pass the true labels, as
   * the thesis does; when absent the predicted class is used.
   */
  targets?: Int32Array | readonly number[];
  /** Relevance methods: run the state-free part once over all steps stacked (default false). */
  batched?: boolean;
  /** Samples per internal batch, to bound memory (default {@link explainChunkSize} of the cell). */
  chunkSize?: number;
}

/** Heatmaps and what they explain, as typed arrays. */
export interface Explanation {
  /** Heatmaps [B, 28, W], row-major. */
  relevance: Float32Array;
  /** Relevance of each step input [B, T, 28·c] (a step's 28×c block read row-major). */
  perStep: Float32Array;
  /** Logits [B, 10]. */
  logits: Float32Array;
  /** The explained class of each sample [B]. */
  targets: Int32Array;
  /** Whether `targets` were given (`given`) or are the predictions (`predicted`). */
  targetSource: "given" | "predicted";
  /** Relevance methods: ReLU(f_y) per sample [B], the total a conservative rule distributes. */
  start?: Float32Array;
  /**
   * Relevance methods: what the linear layers kept per sample [B] (the biases' and the
   * stabilisers' shares; 0 for the conservative rules), so Σ relevance + absorbed = start.
   */
  absorbed?: Float32Array;
  /** Batch size B. */
  batch: number;
  /** 28. */
  height: number;
  /** W. */
  width: number;
  /** Number of steps T. */
  steps: number;
  /** Inputs per step, 28·c. */
  stepSize: number;
  /** The method and its settings. */
  settings: Record<string, string | number | boolean>;
}

function toImages(model: CellModel, x: tf.Tensor | Float32Array): tf.Tensor3D {
  const { height, width } = model.spec;
  const per = height * width;
  if (x instanceof Float32Array) {
    if (x.length === 0 || x.length % per !== 0) {
      throw new ExplainInputError(
        `${model.spec.id} (T=${model.spec.T}) expects ${height}×${width} images; ` +
          `${x.length} floats is not a positive multiple of ${per}`,
      );
    }
    return tf.tensor3d(x, [x.length / per, height, width]);
  }
  const perSample = x.shape.slice(1).reduce((a, b) => a * b, 1);
  if (x.shape.length < 2 || perSample !== per) {
    throw new ExplainInputError(
      `${model.spec.id} (T=${model.spec.T}) expects images [B, ${height}, ${width}], ` +
        `found shape [${x.shape}]`,
    );
  }
  return tf.reshape(x, [x.shape[0], height, width]) as tf.Tensor3D;
}

function checkTargets(targets: Int32Array | readonly number[], B: number): Int32Array {
  if (targets.length !== B) {
    throw new ExplainInputError(`expected ${B} targets (one per sample), found ${targets.length}`);
  }
  const out = Int32Array.from(targets);
  for (let i = 0; i < B; i++) {
    if (!Number.isInteger(targets[i]) || targets[i] < 0 || targets[i] > 9) {
      throw new ExplainInputError(`target ${i} must be a class 0..9, found ${targets[i]}`);
    }
  }
  return out;
}

interface Chunk {
  relevance: tf.Tensor;
  perStep: tf.Tensor;
  logits: tf.Tensor;
  start?: tf.Tensor;
  absorbed?: tf.Tensor;
}

function explainChunk(
  model: CellModel,
  x: tf.Tensor3D,
  targets: tf.Tensor1D,
  method: ResolvedMethod,
  batched: boolean,
): Chunk {
  const { spec } = model;
  const plan = method.plan;
  if (plan.kind === "gradient") {
    return tf.tidy(() => {
      const logits = forward(model, x);
      const g = inputGradient(model, x, targets, plan.hooks);
      const relevance = plan.attribute(g, x);
      return { relevance, perStep: imagesToStepsBatchMajor(spec, relevance), logits };
    });
  }
  const trace = traceForward(model, x);
  try {
    return tf.tidy(() => {
      const r = propagateRelevance(model, trace, targets, plan.composite, {
        requireConservation: plan.requireConservation,
        batched,
      });
      return {
        relevance: stepsToImages(spec, r.perStep),
        perStep: stepsBatchMajor(spec, r.perStep),
        logits: tf.clone(trace.logits),
        start: r.start,
        absorbed: r.absorbed,
      };
    });
  } finally {
    disposeTrace(trace);
  }
}

/**
 * Explains images `x` ([B, 28, W] tensor, or B·28·W floats) with a method.
 * No tensors are left behind.
 *
 * @example
 * ```ts
 * import { buildCell, createModel } from "../cells/mod.ts";
 * import { explain } from "./explain.ts";
 * const model = createModel(buildCell("deep", 4), { seed: 1 });
 * const x = new Float32Array(2 * 28 * 28).fill(0.5);
 * const e = explain(model, x, { method: "dtd", targets: [3, 7] });
 * e.relevance.length; // 2 · 28 · 28
 * ```
 */
export function explain(
  model: CellModel,
  x: tf.Tensor | Float32Array,
  opts: ExplainOptions,
): Explanation {
  const { targets: given, batched, chunkSize: chunk, ...methodOptions } = opts;
  const method = resolveMethod(methodOptions);
  const { spec } = model;
  const chunkSize = chunk ?? explainChunkSize(model.graph);
  if (!Number.isInteger(chunkSize) || chunkSize < 1) {
    throw new ExplainInputError(`chunkSize must be a positive integer, found ${chunkSize}`);
  }
  const images = toImages(model, x);
  try {
    const B = images.shape[0];
    let targets: Int32Array;
    let targetSource: "given" | "predicted";
    if (given !== undefined) {
      targets = checkTargets(given, B);
      targetSource = "given";
    } else {
      const predicted = tf.tidy(() => tf.argMax(forward(model, images), 1));
      targets = Int32Array.from(predicted.dataSync());
      predicted.dispose();
      targetSource = "predicted";
    }
    const stepSize = spec.height * spec.columns;
    const out: Explanation = {
      relevance: new Float32Array(B * spec.height * spec.width),
      perStep: new Float32Array(B * spec.T * stepSize),
      logits: new Float32Array(B * 10),
      targets,
      targetSource,
      batch: B,
      height: spec.height,
      width: spec.width,
      steps: spec.T,
      stepSize,
      settings: { ...method.plan.settings, targets: targetSource },
    };
    if (method.plan.kind === "relevance") {
      out.start = new Float32Array(B);
      out.absorbed = new Float32Array(B);
    }
    for (let from = 0; from < B; from += chunkSize) {
      const n = Math.min(chunkSize, B - from);
      const xs = tf.slice(images, [from, 0, 0], [n, spec.height, spec.width]);
      const ts = tf.tensor1d(targets.subarray(from, from + n), "int32");
      try {
        const c = explainChunk(model, xs, ts, method, batched ?? false);
        out.relevance.set(c.relevance.dataSync(), from * spec.height * spec.width);
        out.perStep.set(c.perStep.dataSync(), from * spec.T * stepSize);
        out.logits.set(c.logits.dataSync(), from * 10);
        if (c.start) out.start!.set(c.start.dataSync(), from);
        if (c.absorbed) out.absorbed!.set(c.absorbed.dataSync(), from);
        tf.dispose([c.relevance, c.perStep, c.logits, ...(c.start ? [c.start, c.absorbed!] : [])]);
      } finally {
        tf.dispose([xs, ts]);
      }
    }
    return out;
  } finally {
    if (images !== x) images.dispose();
  }
}
