/**
 * The standard LSTM and GRU under the published LRP rules (Arras et al.): LRP-ε
 * with the bias absorbed or redistributed, signal-take-all products, the
 * proportional cell-state split, tanh passed through. Σ R + absorbed = ReLU(f_y)
 * for both cells at every length, on random and on briefly trained weights, and
 * the LSTM's relevance equals a naive per-sample implementation of the rules.
 */
import * as tf from "@tensorflow/tfjs";
import { assert, assertGreater, assertLessOrEqual } from "@std/assert";
import {
  allCellVariants,
  buildCell,
  type CellModel,
  createModel,
  disposeModel,
  STANDARD_CELL_IDS,
} from "../lib/cells/mod.ts";
import { loadTask, makeBatch } from "../lib/data/mod.ts";
import { Prng } from "../lib/data/prng.ts";
import { explain, type ExplainOptions } from "../lib/relevance/mod.ts";
import { sampleSubset, trainModel } from "../lib/train/mod.ts";
import {
  argmaxRows,
  lively,
  logitsOf,
  maxAbs,
  maxAbsDiff,
  randomImages,
  rowSums,
  setupBackend,
} from "./relevance_fixtures.ts";
import { ensureDataMirror } from "./train_fixtures.ts";

await setupBackend();

const SEEDS = [1, 2, 3];
const BATCH = 4;
const METHODS: ExplainOptions[] = [
  { method: "lrp-epsilon" },
  { method: "lrp-epsilon", bias: "redistribute", epsilon: 0.01 },
  // On real inputs γ's normaliser is not sign-definite: near zero, float32 cancellation in
  // Σ_j x_j w_j s_k grows as 1/|z_k + ε|, so γ needs an ε there as well.
  { method: "lrp-gamma", gamma: 0.25, epsilon: 0.01 },
];

/** Replaces every bias of `model` by seeded normal values (σ = 0.3), so the biases absorb. */
function randomBiases(model: CellModel, seed: number): void {
  const prng = new Prng(`biases/${seed}`);
  for (const [name, v] of model.params) {
    if (!name.endsWith(".bias")) continue;
    const values = Float32Array.from({ length: v.size }, () => 0.3 * prng.normal());
    v.assign(tf.tensor(values, v.shape));
  }
}

/** Checks Σ R + absorbed = start = ReLU(f_y) per sample; returns the total |absorbed|. */
function checkConservation(
  model: CellModel,
  x: Float32Array,
  targets: Int32Array | number[],
  opts: ExplainOptions,
  where: string,
): number {
  const B = targets.length;
  const logits = logitsOf(model, x);
  const e = explain(model, x, { ...opts, targets });
  const sums = rowSums(e.perStep, B);
  let absorbed = 0;
  for (let b = 0; b < B; b++) {
    const fy = logits[b * 10 + targets[b]];
    assertLessOrEqual(Math.abs(e.start![b] - Math.max(0, fy)), 1e-6 * Math.max(1, Math.abs(fy)));
    const total = sums[b] + e.absorbed![b];
    assertLessOrEqual(
      Math.abs(total - e.start![b]),
      2e-4 * Math.max(1, Math.abs(fy)),
      `${where} ${opts.method} sample ${b}: Σ R = ${sums[b]}, absorbed = ${
        e.absorbed![b]
      }, ReLU(f_y) = ${e.start![b]}`,
    );
    absorbed += Math.abs(e.absorbed![b]);
  }
  return absorbed;
}

Deno.test("LSTM and GRU: Σ R + absorbed = ReLU(f_y) at every length, random weights", () => {
  let absorbedByBias = 0;
  for (const { id, T } of allCellVariants(STANDARD_CELL_IDS)) {
    const spec = buildCell(id, T);
    for (const seed of SEEDS) {
      const x = randomImages(BATCH, spec.width, `${id}/${T}/${seed}`);
      const model = lively(spec, seed, x, "code");
      randomBiases(model, seed);
      try {
        const targets = argmaxRows(logitsOf(model, x));
        for (const opts of METHODS) {
          const a = checkConservation(model, x, targets, opts, `${id} T=${T} seed ${seed}`);
          if (opts.method === "lrp-epsilon" && opts.bias === undefined) absorbedByBias += a;
        }
      } finally {
        disposeModel(model);
      }
    }
  }
  // The biases are not zero, so the published rule must have absorbed something.
  assertGreater(absorbedByBias, 1e-2);
});

Deno.test({
  name: "LSTM and GRU: Σ R + absorbed = ReLU(f_y) at every length, briefly trained weights",
  ignore: !ensureDataMirror(),
  async fn() {
    const B = 8;
    for (const { id, T } of allCellVariants(STANDARD_CELL_IDS)) {
      const spec = buildCell(id, T);
      const task = await loadTask(spec.width === 84 ? "mnist-maj" : "mnist", { folds: 2 });
      const [train, test] = task.kind === "cv"
        ? [task.fold(0).train, task.fold(0).test]
        : [task.train, task.test];
      const model = createModel(spec, { seed: 4, biasMode: "code" });
      try {
        await trainModel(model, train, {
          epochs: 1,
          learningRate: 0.01,
          seed: 4,
          indices: sampleSubset(train.n, 256, `standard/${id}/${T}`),
        });
        const batch = makeBatch(
          test,
          Int32Array.from({ length: B }, (_, i) => i),
          new Float32Array(B * 28 * spec.width),
        );
        for (const opts of METHODS) {
          checkConservation(model, batch.x, batch.labels, opts, `trained ${id} T=${T}`);
        }
      } finally {
        disposeModel(model);
      }
    }
  },
});

/** A parameter of `model` as a plain array. */
function values(model: CellModel, name: string): Float32Array {
  return model.params.get(name)!.dataSync() as Float32Array;
}

/** z + ε·sign(z), sign(0) = +1, as in the rules. */
const stab = (z: number, eps: number) => z + (z >= 0 ? eps : -eps);

/**
 * LRP-ε for the LSTM written straight from Arras et al. for one sample (loops over units):
 * the bias and ε absorbed in every linear map, h = o ⊙ tanh(c) passes all to c, c = f ⊙ c′ +
 * i ⊙ g splits by f⊙c′ / (c + 1e-10) (the candidate takes the rest), the gates get nothing.
 */
function naiveLstmRelevance(
  model: CellModel,
  image: Float32Array,
  target: number,
  eps: number,
): Float64Array {
  const { T, columns: c, width: W } = model.spec;
  const H = model.params.get("i.bias")!.shape[1]!;
  const D = 28 * c;
  const w = Object.fromEntries(["i", "f", "g", "o"].map((k) => [k, values(model, `${k}.weight`)]));
  const b = Object.fromEntries(["i", "f", "g", "o"].map((k) => [k, values(model, `${k}.bias`)]));
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  const xs: Float64Array[] = [];
  const hs: Float64Array[] = [new Float64Array(H)];
  const cs: Float64Array[] = [new Float64Array(H)];
  const gates: Record<string, Float64Array>[] = [];
  const gPre: Float64Array[] = [];
  for (let t = 0; t < T; t++) {
    const xh = new Float64Array(D + H);
    for (let r = 0; r < 28; r++) {
      for (let j = 0; j < c; j++) xh[r * c + j] = image[r * W + t * c + j];
    }
    xh.set(hs[t], D);
    xs.push(xh);
    const pre = (k: string) => {
      const out = new Float64Array(H);
      for (let u = 0; u < H; u++) {
        let s = b[k][u];
        for (let j = 0; j < D + H; j++) s += xh[j] * w[k][j * H + u];
        out[u] = s;
      }
      return out;
    };
    const gp = pre("g");
    const g = {
      i: pre("i").map(sig),
      f: pre("f").map(sig),
      o: pre("o").map(sig),
      g: gp.map(Math.tanh),
    };
    gates.push(g);
    gPre.push(gp);
    const cell = new Float64Array(H);
    const h = new Float64Array(H);
    for (let u = 0; u < H; u++) {
      cell[u] = g.f[u] * cs[t][u] + g.i[u] * g.g[u];
      h[u] = g.o[u] * Math.tanh(cell[u]);
    }
    cs.push(cell);
    hs.push(h);
  }
  const wOut = values(model, "out.weight");
  const bOut = values(model, "out.bias");
  let fy = bOut[target];
  for (let u = 0; u < H; u++) fy += hs[T][u] * wOut[u * 10 + target];
  const Rfy = Math.max(0, fy);
  let Rh = new Float64Array(H);
  for (let u = 0; u < H; u++) Rh[u] = hs[T][u] * wOut[u * 10 + target] * Rfy / stab(fy, eps);
  let Rc = new Float64Array(H);
  const Rx = new Float64Array(T * D);
  for (let t = T - 1; t >= 0; t--) {
    const g = gates[t];
    const RcPrev = new Float64Array(H);
    const Rg = new Float64Array(H);
    for (let u = 0; u < H; u++) {
      const R = Rc[u] + Rh[u];
      RcPrev[u] = g.f[u] * cs[t][u] / stab(cs[t + 1][u], 1e-10) * R;
      Rg[u] = R - RcPrev[u];
    }
    const RhPrev = new Float64Array(H);
    for (let j = 0; j < D + H; j++) {
      let s = 0;
      for (let u = 0; u < H; u++) s += xs[t][j] * w.g[j * H + u] * Rg[u] / stab(gPre[t][u], eps);
      if (j < D) Rx[t * D + j] = s;
      else RhPrev[j - D] = s;
    }
    Rh = RhPrev;
    Rc = RcPrev;
  }
  return Rx;
}

Deno.test("LSTM relevance under LRP-ε equals a naive implementation of Arras et al.'s rules", () => {
  for (const T of [4, 12]) {
    const spec = buildCell("lstm", T);
    const x = randomImages(2, spec.width, `naive/${T}`);
    const model = lively(spec, 9, x, "code");
    randomBiases(model, 9);
    try {
      const targets = argmaxRows(logitsOf(model, x));
      const e = explain(model, x, { method: "lrp-epsilon", epsilon: 0.01, targets });
      const n = T * 28 * spec.columns;
      for (let b = 0; b < 2; b++) {
        const image = x.subarray(b * 28 * spec.width, (b + 1) * 28 * spec.width);
        const naive = naiveLstmRelevance(model, image, targets[b], 0.01);
        const ours = e.perStep.subarray(b * n, (b + 1) * n);
        const scale = Math.max(1e-3, maxAbs(naive));
        assert(maxAbs(naive) > 0, "the naive relevance is not all zero");
        assertLessOrEqual(maxAbsDiff(ours, naive), 1e-3 * scale, `T=${T} sample ${b}`);
      }
    } finally {
      disposeModel(model);
    }
  }
});

Deno.test("the GRU's state-free input layer run over all steps at once absorbs the same", () => {
  const spec = buildCell("gru", 7);
  const x = randomImages(3, spec.width, "batched-gru");
  const model = lively(spec, 5, x, "code");
  randomBiases(model, 5);
  try {
    const targets = argmaxRows(logitsOf(model, x));
    const a = explain(model, x, { method: "lrp-epsilon", targets });
    const b = explain(model, x, { method: "lrp-epsilon", targets, batched: true });
    assertLessOrEqual(maxAbsDiff(a.relevance, b.relevance), 1e-5 * maxAbs(a.relevance));
    assertLessOrEqual(
      maxAbsDiff(a.absorbed!, b.absorbed!),
      1e-5 * Math.max(1, maxAbs(a.absorbed!)),
    );
    assertGreater(maxAbs(a.absorbed!), 1e-3);
  } finally {
    disposeModel(model);
  }
});
