/**
 * Each rule against a naive reference written straight from the thesis
 * formulas (explicit loops over inputs j and outputs k), on tiny dense and
 * conv layers, plus pooling and the LSTM split.
 */
import * as tf from "@tensorflow/tfjs";
import { assert, assertLessOrEqual } from "@std/assert";
import {
  buildCell,
  type CellNode,
  createModel,
  describeCell,
  disposeModel,
  disposeTrace,
  type PoolNode,
  traceForward,
} from "../lib/cells/mod.ts";
import {
  alphaBeta,
  applyPool,
  conservationResidual,
  convMap,
  convPlusOriginal,
  denseMap,
  explain,
  flat,
  gatedSumRelevance,
  type InputBlock,
  type LinearMap,
  lrpEpsilon,
  lrpGamma,
  mixed,
  poolOperator,
  poolRelevance,
  propagateRelevance,
  redistribute,
  redistributeAbsorbing,
  redistributeBlocks,
  resolveMethod,
  type Rule,
  wSquare,
  zBeta,
  zPlus,
} from "../lib/relevance/mod.ts";
import { Prng } from "../lib/data/prng.ts";
import { maxAbs, maxAbsDiff, setupBackend } from "./relevance_fixtures.ts";

await setupBackend();

/** A normaliser at most this large in magnitude counts as zero (lib: ZERO_NORMALISER). */
const ZERO = 1e-30;
const pos = (w: number) => Math.max(0, w);
const neg = (w: number) => Math.min(0, w);

/** One connection of a linear layer: input j, output k, weight w. */
interface Edge {
  j: number;
  k: number;
  w: number;
}

/** A tiny linear layer for one sample, as a list of edges. */
interface Layer {
  nIn: number;
  nOut: number;
  edges: Edge[];
  /** Last-axis index of input j (feature or channel). */
  channel: (j: number) => number;
}

function denseLayer(w: number[][]): Layer {
  const edges: Edge[] = [];
  for (let j = 0; j < w.length; j++) {
    for (let k = 0; k < w[0].length; k++) edges.push({ j, k, w: w[j][k] });
  }
  return { nIn: w.length, nOut: w[0].length, edges, channel: (j) => j };
}

/** A stride-1 SAME conv on an H×W×C input, kernel kh×kw, F filters; w[a][b][c][f]. */
function convLayer(H: number, W: number, C: number, w: number[][][][]): Layer {
  const kh = w.length;
  const kw = w[0].length;
  const F = w[0][0][0].length;
  const top = Math.floor((kh - 1) / 2);
  const left = Math.floor((kw - 1) / 2);
  const edges: Edge[] = [];
  for (let i = 0; i < H; i++) {
    for (let jj = 0; jj < W; jj++) {
      for (let a = 0; a < kh; a++) {
        for (let b = 0; b < kw; b++) {
          const r = i + a - top;
          const c = jj + b - left;
          if (r < 0 || r >= H || c < 0 || c >= W) continue;
          for (let ch = 0; ch < C; ch++) {
            for (let f = 0; f < F; f++) {
              edges.push({ j: (r * W + c) * C + ch, k: (i * W + jj) * F + f, w: w[a][b][ch][f] });
            }
          }
        }
      }
    }
  }
  return { nIn: H * W * C, nOut: H * W * F, edges, channel: (j) => j % C };
}

/**
 * Generic naive proportional rule: R_j = Σ_k Σ_g share'_g(k) · r_g(j,k) / (z_g(k) + ε·sign) · R_k
 * with z_g(k) = Σ_j n_g(j,k) (+ b(k) for a group that absorbs the bias; sign(0) = +1), where
 * share'_g(k) hands the shares of the groups whose z_g(k) is zero to the other groups of
 * output k in proportion to their shares (Σ_g share'_g = Σ_g share_g).
 */
function naive(
  layer: Layer,
  R: number[],
  groups: {
    share: number;
    n: (e: Edge) => number;
    r?: (e: Edge) => number;
    bias?: (k: number) => number;
  }[],
  epsilon = 0,
): number[] {
  const out = new Array(layer.nIn).fill(0);
  const z = groups.map((g) => {
    const zg = Array.from({ length: layer.nOut }, (_, k) => g.bias?.(k) ?? 0);
    for (const e of layer.edges) zg[e.k] += g.n(e);
    return zg;
  });
  const stab = (v: number) => v + (v >= 0 ? epsilon : -epsilon);
  const total = groups.reduce((a, g) => a + g.share, 0);
  groups.forEach((g, gi) => {
    for (const e of layer.edges) {
      if (Math.abs(z[gi][e.k]) <= ZERO) continue;
      const live = groups.reduce((a, h, hi) => a + (Math.abs(z[hi][e.k]) > ZERO ? h.share : 0), 0);
      if (live === 0) continue;
      const share = g.share * total / live;
      out[e.j] += share * (g.r ?? g.n)(e) * R[e.k] / stab(z[gi][e.k]);
    }
  });
  return out;
}

const zPlusNaive = (x: number[]) => [{ share: 1, n: (e: Edge) => x[e.j] * pos(e.w) }];
const alphaBetaNaive = (x: number[], a: number, b: number) => [
  { share: a, n: (e: Edge) => x[e.j] * pos(e.w) },
  { share: -b, n: (e: Edge) => x[e.j] * neg(e.w) },
];
const zBetaNaive = (x: number[], l: number, h: number) => [
  { share: 1, n: (e: Edge) => x[e.j] * e.w - l * pos(e.w) - h * neg(e.w) },
];
const wSquareNaive = () => [{ share: 1, n: (e: Edge) => e.w * e.w }];
/** THESIS_SPEC §4 mixed rule: one normaliser; pixels z^β (l, h), the rest αβ folded in. */
const mixedNaive = (
  x: number[],
  isPixel: (j: number) => boolean,
  a: number,
  b: number,
  original = false,
) => [{
  share: 1,
  n: (e: Edge) =>
    isPixel(e.j)
      ? x[e.j] * e.w + pos(e.w) - neg(e.w) // l = −1, h = 1
      : a * x[e.j] * pos(e.w) - b * x[e.j] * neg(e.w),
  r: (e: Edge) =>
    isPixel(e.j) ? x[e.j] * e.w + pos(e.w) - neg(e.w) : original
      ? x[e.j] * e.w // full weights: w⁺ + w⁻
      : a * x[e.j] * pos(e.w) - b * x[e.j] * neg(e.w),
}];

function uniform(prng: Prng, n: number, low: number, high: number): number[] {
  return Array.from({ length: n }, () => low + (high - low) * prng.next());
}

function blocksOf(parts: [InputBlock["domain"], number][]): InputBlock[] {
  let start = 0;
  return parts.map(([domain, size], i) => {
    const b: InputBlock = { domain, start, size, sources: [`part${i}`] };
    if (domain === "pixels") Object.assign(b, { low: -1, high: 1 });
    start += size;
    return b;
  });
}

interface Case {
  rule: Rule;
  /** Input values for one sample, given the channel of each input. */
  input: (prng: Prng, channel: number) => number;
  blocks: InputBlock[];
  /** The groups of the naive formula; `bias` is the layer's bias b(k) for a group that absorbs it. */
  reference: (
    x: number[],
    layer: Layer,
    bias: (k: number) => number,
  ) => { share: number; n: (e: Edge) => number; bias?: (k: number) => number }[];
}

function checkCase(
  c: Case,
  layer: Layer,
  map: LinearMap,
  xShape: number[],
  wTensor: tf.Tensor,
  seed: string,
) {
  const prng = new Prng(seed);
  const B = 2;
  const xs: number[][] = [];
  const Rs: number[][] = [];
  for (let b = 0; b < B; b++) {
    xs.push(Array.from({ length: layer.nIn }, (_, j) => c.input(prng, layer.channel(j))));
    Rs.push(uniform(prng, layer.nOut, 0, 1));
  }
  const outChannels = wTensor.shape.at(-1)!;
  const b = uniform(prng, outChannels, -0.5, 0.5);
  const bias = (k: number) => b[k % outChannels];
  const got = tf.tidy(() => {
    const x = tf.tensor(xs.flat(), [B, ...xShape]);
    const outShape = [B, ...map.forward(x, wTensor).shape.slice(1)];
    const R = tf.tensor(Rs.flat(), outShape);
    return redistribute(map, c.rule, x, wTensor, R, c.blocks, { bias: tf.tensor1d(b) })
      .dataSync();
  });
  const expected = xs.flatMap((x, i) =>
    naive(layer, Rs[i], c.reference(x, layer, bias), c.rule.epsilon)
  );
  const diff = maxAbsDiff(got, expected);
  assertLessOrEqual(diff, 1e-5 * Math.max(1, maxAbs(expected)), `${c.rule.name}: diff ${diff}`);
}

const nonneg = (prng: Prng) => (prng.next() < 0.3 ? 0 : 2 * prng.next());
const pixel = (prng: Prng) => -1 + 2 * prng.next();

function cases(pixelChannels: (ch: number) => boolean, blocksAll: {
  nonneg: InputBlock[];
  pixels: InputBlock[];
  mixed: InputBlock[];
  real: InputBlock[];
}): Case[] {
  const isPixelJ = (layer: Layer) => (j: number) => pixelChannels(layer.channel(j));
  const mixedInput = (prng: Prng, ch: number) => (pixelChannels(ch) ? pixel(prng) : nonneg(prng));
  return [
    { rule: zPlus(), input: nonneg, blocks: blocksAll.nonneg, reference: (x) => zPlusNaive(x) },
    ...([[1, 0], [1.5, 0.5], [2, 1]] as const).map(([a, b]) => ({
      rule: alphaBeta(a, b),
      input: nonneg,
      blocks: blocksAll.nonneg,
      reference: (x: number[]) => alphaBetaNaive(x, a, b),
    })),
    {
      rule: zBeta(),
      input: pixel,
      blocks: blocksAll.pixels,
      reference: (x) => zBetaNaive(x, -1, 1),
    },
    {
      rule: zBeta([-0.5, 2]),
      input: (prng) => -0.5 + 2.5 * prng.next(),
      blocks: blocksAll.pixels,
      reference: (x) => zBetaNaive(x, -0.5, 2),
    },
    {
      rule: wSquare(),
      input: (prng) => -3 + 6 * prng.next(),
      blocks: blocksAll.real,
      reference: () => wSquareNaive(),
    },
    {
      rule: mixed({ pixels: zBeta(), nonneg: zPlus() }),
      input: mixedInput,
      blocks: blocksAll.mixed,
      reference: (x, layer) => mixedNaive(x, isPixelJ(layer), 1, 0),
    },
    ...([[1.5, 0.5], [2, 1]] as const).map(([a, b]) => ({
      rule: mixed({ pixels: zBeta(), nonneg: alphaBeta(a, b) }),
      input: mixedInput,
      blocks: blocksAll.mixed,
      reference: (x: number[], layer: Layer) => mixedNaive(x, isPixelJ(layer), a, b),
    })),
    ...([0.001, 0.1] as const).map((epsilon) => ({
      rule: lrpEpsilon({ epsilon }),
      input: (prng: Prng) => -2 + 4 * prng.next(),
      blocks: blocksAll.real,
      reference: (x: number[], _layer: Layer, bias: (k: number) => number) => [
        { share: 1, n: (e: Edge) => x[e.j] * e.w, bias },
      ],
    })),
    {
      rule: lrpEpsilon({ epsilon: 0.05, bias: "redistribute" }),
      input: (prng) => -2 + 4 * prng.next(),
      blocks: blocksAll.real,
      reference: (x) => [{ share: 1, n: (e: Edge) => x[e.j] * e.w }],
    },
    ...([[0.25, 0], [1, 0.01]] as const).map(([gamma, epsilon]) => ({
      rule: lrpGamma({ gamma, epsilon }),
      input: (prng: Prng) => -2 + 4 * prng.next(),
      blocks: blocksAll.real,
      reference: (x: number[]) => [
        { share: 1, n: (e: Edge) => x[e.j] * e.w + gamma * pos(x[e.j] * e.w) },
      ],
    })),
    {
      rule: zPlus({ epsilon: 0.1 }),
      input: nonneg,
      blocks: blocksAll.nonneg,
      reference: (x) => zPlusNaive(x),
    },
    {
      rule: flat(),
      input: (prng) => -2 + 4 * prng.next(),
      blocks: blocksAll.real,
      reference: () => [{ share: 1, n: () => 1 }],
    },
    ...([[1, 0], [1.5, 0.5]] as const).map(([a, b]) => ({
      rule: convPlusOriginal(a, b),
      input: mixedInput,
      blocks: blocksAll.mixed,
      reference: (x: number[], layer: Layer) => mixedNaive(x, isPixelJ(layer), a, b, true),
    })),
  ];
}

Deno.test("dense rules match their naive formulas", () => {
  const prng = new Prng("dense-weights");
  const nIn = 6;
  const nOut = 4;
  const w = Array.from({ length: nIn }, () => uniform(prng, nOut, -1, 1));
  const layer = denseLayer(w);
  const wTensor = tf.tensor2d(w);
  // Mixed layers: inputs 0..3 are pixels, 4..5 non-negative.
  const all = cases((j) => j < 4, {
    nonneg: blocksOf([["nonneg", nIn]]),
    pixels: blocksOf([["pixels", nIn]]),
    mixed: blocksOf([["pixels", 4], ["nonneg", 2]]),
    real: blocksOf([["real", nIn]]),
  });
  for (const c of all) checkCase(c, layer, denseMap(), [nIn], wTensor, `dense/${c.rule.name}`);
  wTensor.dispose();
});

Deno.test("conv rules match their naive formulas on a 4×3 input with 2 channels", () => {
  const prng = new Prng("conv-weights");
  const [H, W, C, F] = [4, 3, 2, 2];
  // A 2×3 kernel: SAME padding is asymmetric along the rows (0 before, 1 after).
  const w = Array.from(
    { length: 2 },
    () => Array.from({ length: 3 }, () => Array.from({ length: C }, () => uniform(prng, F, -1, 1))),
  );
  const layer = convLayer(H, W, C, w);
  const wTensor = tf.tensor4d(w.flat(3), [2, 3, C, F]);
  // Mixed layers: channel 0 pixels, channel 1 non-negative (the Conv⁺ first layer).
  const all = cases((ch) => ch === 0, {
    nonneg: blocksOf([["nonneg", C]]),
    pixels: blocksOf([["pixels", C]]),
    mixed: blocksOf([["pixels", 1], ["nonneg", 1]]),
    real: blocksOf([["real", C]]),
  });
  for (const c of all) {
    checkCase(c, layer, convMap("same"), [H, W, C], wTensor, `conv/${c.rule.name}`);
  }
  wTensor.dispose();
});

for (const [size, stride] of [[2, 2], [3, 2]] as const) {
  Deno.test(`${size}×${size} stride-${stride} pooling redistributes in proportion to each input's share`, () => {
    const node: PoolNode = {
      op: "pool",
      name: "p",
      input: "c",
      size,
      stride,
      padding: "same",
      scale: 2,
    };
    // 3×5×2 with SAME windows: some windows are partial.
    const [H, W, C] = [3, 5, 2];
    const out = (n: number) => Math.ceil(n / stride);
    const before = (n: number) => Math.floor(Math.max((out(n) - 1) * stride + size - n, 0) / 2);
    const [oH, oW] = [out(H), out(W)];
    const prng = new Prng(`pool/${size}`);
    const x = Array.from({ length: H * W * C }, () => nonneg(prng));
    const R = uniform(prng, oH * oW * C, -1, 1);
    const at = (i: number, j: number, c: number) => (i * W + j) * C + c;
    const a: number[] = [];
    const expected = new Array(x.length).fill(0);
    for (let i = 0; i < oH; i++) {
      for (let j = 0; j < oW; j++) {
        for (let c = 0; c < C; c++) {
          const cells: number[] = [];
          for (let di = 0; di < size; di++) {
            for (let dj = 0; dj < size; dj++) {
              const r = i * stride - before(H) + di;
              const q = j * stride - before(W) + dj;
              if (r >= 0 && r < H && q >= 0 && q < W) cells.push(at(r, q, c));
            }
          }
          // TF SAME average pooling divides by the number of valid cells.
          const ak = node.scale * cells.reduce((sum, q) => sum + x[q], 0) / cells.length;
          a.push(ak);
          const k = (i * oW + j) * C + c;
          if (Math.abs(ak) <= ZERO) continue;
          for (const q of cells) {
            expected[q] += (node.scale / cells.length) * x[q] * R[k] / ak;
          }
        }
      }
    }
    const [pooled, viaOperator, got] = tf.tidy(() => {
      const xt = tf.tensor4d(x, [1, H, W, C]);
      const at = applyPool(node, xt);
      return [
        at.dataSync(),
        poolOperator(node, xt.shape).forward(xt).dataSync(),
        poolRelevance(node, xt, at, tf.tensor4d(R, [1, oH, oW, C])).dataSync(),
      ];
    });
    assertLessOrEqual(maxAbsDiff(pooled, a), 1e-5, "the engine's pool is TF SAME average pooling");
    assertLessOrEqual(
      maxAbsDiff(viaOperator, a),
      1e-5,
      "the pool operator equals the engine's pool",
    );
    assertLessOrEqual(maxAbsDiff(got, expected), 1e-5);
  });
}

Deno.test("the LSTM memory splits relevance by p = f⊙c' / (c + 1e-10)", () => {
  const prng = new Prng("lstm");
  const n = 8;
  const f = uniform(prng, n, 0, 1);
  const prev = uniform(prng, n, 0, 2);
  const i = uniform(prng, n, 0, 1);
  const g = uniform(prng, n, 0, 2);
  g[0] = 0;
  prev[1] = 0;
  const c = f.map((fv, q) => fv * prev[q] + i[q] * g[q]);
  const R = uniform(prng, n, -1, 1);
  const p = c.map((cv, q) => (f[q] * prev[q]) / (cv + 1e-10));
  const [toPrev, toCand] = tf.tidy(() => {
    const r = gatedSumRelevance(tf.tensor1d(f), tf.tensor1d(prev), tf.tensor1d(c), tf.tensor1d(R));
    return [r.prev.dataSync(), r.candidate.dataSync()];
  });
  assertLessOrEqual(maxAbsDiff(toPrev, p.map((pv, q) => pv * R[q])), 1e-6);
  assertLessOrEqual(maxAbsDiff(toCand, p.map((pv, q) => (1 - pv) * R[q])), 1e-6);
});

Deno.test("αβ conserves at units whose z⁻ or z⁺ is zero: the other group takes the whole share", () => {
  // x ≥ 0; unit 0 meets only w ≥ 0 (z⁻ = 0), unit 1 only w ≤ 0 (z⁺ = 0), unit 2's one negative
  // weight meets a zero input (z⁻ = 0 again), unit 3 has no weights (both zero).
  const x = [1, 2, 0, 0.5];
  const w = [
    [0.5, -0.2, 0.3, 0],
    [0.25, -0.1, 0.7, 0],
    [0.1, -0.4, -0.9, 0],
    [0, -0.3, 0.2, 0],
  ];
  const R = [1, 0.7, 0.5, 0.3];
  const layer = denseLayer(w);
  const blocks = blocksOf([["nonneg", 4]]);
  for (const [a, b] of [[1.5, 0.5], [2, 1], [1, 0]]) {
    const got = tf.tidy(() =>
      redistribute(
        denseMap(),
        alphaBeta(a, b),
        tf.tensor2d([x]),
        tf.tensor2d(w),
        tf.tensor2d([R]),
        blocks,
      ).dataSync()
    );
    assert(got.every(Number.isFinite), `α=${a} β=${b}: non-finite relevance ${got}`);
    const expected = naive(layer, R, alphaBetaNaive(x, a, b));
    assertLessOrEqual(maxAbsDiff(got, expected), 1e-6, `α=${a} β=${b}: ${got} vs ${expected}`);
    // Units 0..2 pass on all of their relevance (the additive ε kept only α·R_0 of unit 0);
    // unit 3 has nothing to redistribute by.
    const sum = Array.from(got).reduce((s, v) => s + v, 0);
    const passed = a === 1 ? R[0] + R[2] : R[0] + R[1] + R[2];
    assertLessOrEqual(
      Math.abs(sum - passed),
      1e-6,
      `α=${a} β=${b}: Σ R = ${sum}, expected ${passed}`,
    );
  }
  // Unit 0 alone (z⁻ = 0) is explained by its excitatory inputs, as the z⁺ rule would.
  const only0 = tf.tidy(() =>
    redistribute(
      denseMap(),
      alphaBeta(2, 1),
      tf.tensor2d([x]),
      tf.tensor2d(w),
      tf.tensor2d([[1, 0, 0, 0]]),
      blocks,
    ).dataSync()
  );
  const z0 = 1 * 0.5 + 2 * 0.25 + 0 * 0.1;
  const zplus = [0.5 / z0, 0.5 / z0, 0, 0];
  assertLessOrEqual(maxAbsDiff(only0, zplus), 1e-6, `${only0} vs ${zplus}`);
});

Deno.test("a layer input given block by block gives the bits of its concatenation", () => {
  const prng = new Prng("blocks");
  const layers: [LinearMap, number[], number[]][] = [
    [denseMap(), [3, 6], [6, 4]],
    [convMap("same"), [3, 4, 3, 3], [2, 3, 3, 2]],
  ];
  for (const [map, xShape, wShape] of layers) {
    const C = xShape.at(-1)!;
    const blocks = blocksOf([["pixels", C - 2], ["nonneg", 2]]);
    for (const rule of [mixed({ pixels: zBeta(), nonneg: zPlus() }), convPlusOriginal(1.5, 0.5)]) {
      tf.tidy(() => {
        const count = (shape: number[]) => shape.reduce((a, d) => a * d, 1);
        const lead = xShape.slice(0, -1);
        const pixels = tf.tensor([...uniform(prng, count([...lead, C - 2]), -1, 1)], [
          ...lead,
          C - 2,
        ]);
        const nonneg = tf.relu(tf.tensor(uniform(prng, count([...lead, 2]), -1, 1), [...lead, 2]));
        const w = tf.tensor(uniform(prng, count(wShape), -1, 1), wShape);
        const x = tf.concat([pixels, nonneg], -1);
        const R = tf.relu(tf.randomUniform(map.forward(x, w).shape, -1, 1, "float32", 7));
        const whole = redistributeAbsorbing(map, rule, x, w, R, blocks);
        const parts = [pixels, nonneg];
        const byBlock = redistributeBlocks(
          map,
          rule,
          { shape: lead, block: (b) => parts[blocks.indexOf(b)] },
          w,
          R,
          blocks,
        );
        const split = tf.split(whole.relevance, [C - 2, 2], -1);
        for (const i of [0, 1]) {
          assert(
            split[i].dataSync().every((v, j) => Object.is(v, byBlock.relevance[i].dataSync()[j])),
            `${map.kind} ${rule.name}: block ${i} differs`,
          );
        }
        assert(
          whole.absorbed.dataSync().every((v, j) => Object.is(v, byBlock.absorbed.dataSync()[j])),
          `${map.kind} ${rule.name}: absorbed differs`,
        );
      });
    }
  }
});

Deno.test("a layer reading a concatenation block by block neither slices nor reassembles it", async () => {
  // Shallow: its hidden layer reads [x, r_prev] with z^β on the pixels and z⁺ on the state.
  const T = 7;
  const model = createModel(buildCell("shallow", T), { seed: 3 });
  const x = tf.randomUniform([2, 28, 28], -1, 1, "float32", 5);
  const trace = traceForward(model, x);
  const method = resolveMethod({ method: "dtd" });
  if (method.plan.kind !== "relevance") throw new Error("dtd is a relevance method");
  const composite = method.plan.composite;
  const targets = tf.tensor1d([3, 8], "int32");
  const before = tf.memory().numTensors;
  const profile = await tf.profile(() => {
    const r = propagateRelevance(model, trace, targets, composite);
    return [r.perStep, r.start, r.absorbed];
  });
  const counts = new Map<string, number>();
  for (const k of profile.kernels) counts.set(k.name, (counts.get(k.name) ?? 0) + 1);
  // Before, every step sliced the input into its two blocks, concatenated their relevance and
  // split it again into x and r_prev: 2T slices, T concatenations and T splits.
  assert(!counts.has("Concat") && !counts.has("SplitV"), JSON.stringify([...counts]));
  assertLessOrEqual(counts.get("Slice") ?? 0, 3, JSON.stringify([...counts]));
  assert(tf.memory().numTensors <= before + 3, "only the three results are left");
  disposeTrace(trace);
  tf.dispose([x, targets]);
});

Deno.test("a block made of several parts of a concatenation gets the relevance it gets when they are one part", () => {
  // hidden reads [x | in1, h_prev]: pixels, then one non-negative block of two parts; the twin
  // concatenates in1 and h_prev first, so that block is one part. Same parameters, same numbers.
  const cell = (nested: boolean) => {
    const concat: CellNode[] = nested
      ? [
        { op: "concat", name: "ih", inputs: ["in1", "h_prev"] },
        { op: "concat", name: "xih", inputs: ["x", "ih"] },
      ]
      : [{ op: "concat", name: "xih", inputs: ["x", "in1", "h_prev"] }];
    return describeCell({
      id: nested ? "parts-nested" : "parts-flat",
      T: 7,
      states: [{ name: "h_prev", next: "h", shape: [24] }],
      step: [
        { op: "dense", name: "in1", input: "x", units: 40, activation: "relu", bias: "free" },
        ...concat,
        { op: "dense", name: "h", input: "xih", units: 24, activation: "relu", bias: "free" },
      ],
      output: [
        { op: "dense", name: "out", input: "h", units: 10, activation: "linear", bias: "free" },
      ],
      logits: "out",
    });
  };
  const flat = createModel(cell(false), { seed: 4 });
  const nested = createModel(cell(true), { seed: 4 });
  try {
    const x = new Float32Array(3 * 28 * 28).map((_, i) => Math.sin(0.37 * i));
    for (const method of ["dtd", "lrp-a1.5b0.5"]) {
      const a = explain(flat, x, { method, targets: [1, 4, 7] });
      const b = explain(nested, x, { method, targets: [1, 4, 7] });
      assert(a.relevance.some((v) => v !== 0), `${method}: some relevance`);
      assert(a.relevance.every((v, i) => Object.is(v, b.relevance[i])), `${method}: same bits`);
      assertLessOrEqual(Math.max(...conservationResidual(a).map(Math.abs)), 1e-5, method);
    }
  } finally {
    disposeModel(flat);
    disposeModel(nested);
  }
});
