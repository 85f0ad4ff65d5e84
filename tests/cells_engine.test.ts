import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertGreater,
  assertLess,
  assertNotEquals,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import { initBackend, tf } from "../lib/backend/mod.ts";
import {
  allCellVariants,
  assignParameters,
  buildCell,
  CELL_IDS,
  type CellSpec,
  CellSpecError,
  createModel,
  disposeModel,
  forward,
  THESIS_BIAS_INIT,
} from "../lib/cells/mod.ts";

await initBackend({ quiet: true });

function images(batch: number, width: number, seed: number): tf.Tensor3D {
  return tf.randomUniform([batch, 28, width], -1, 1, "float32", seed) as tf.Tensor3D;
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

Deno.test("every cell variant maps a batch to [B, 10] logits", () => {
  for (const { id, T } of allCellVariants()) {
    const spec = buildCell(id, T);
    const model = createModel(spec, { seed: 1 });
    const x = images(3, spec.width, 2);
    const logits = forward(model, x);
    assertEquals(logits.shape, [3, 10], `${id} T=${T}`);
    assert(Array.from(logits.dataSync()).every(Number.isFinite), `${id} T=${T} finite`);
    tf.dispose([x, logits]);
    disposeModel(model);
  }
});

Deno.test("hoisting state-free nodes over time gives the same logits as step by step", () => {
  for (const { id, T } of allCellVariants()) {
    const spec = buildCell(id, T);
    const model = createModel(spec, { seed: 3, biasMode: "thesis" });
    const x = images(2, spec.width, 4);
    const a = forward(model, x);
    const b = forward(model, x, { hoist: false });
    assertLess(maxAbsDiff(a, b), 1e-5, `${id} T=${T}`);
    tf.dispose([x, a, b]);
    disposeModel(model);
  }
});

Deno.test("training-mode dropout changes the logits and is reproducible for a seed", () => {
  for (const id of ["deep", "rlstm", "deep-sd"]) {
    const spec = buildCell(id, 12);
    const model = createModel(spec, { seed: 5 });
    const x = images(4, spec.width, 6);
    const evalOut = forward(model, x);
    const a = forward(model, x, { training: true, seed: 11 });
    const b = forward(model, x, { training: true, seed: 11 });
    const c = forward(model, x, { training: true, seed: 12 });
    assertGreater(maxAbsDiff(evalOut, a), 1e-4, `${id}: dropout changes outputs`);
    assertEquals(maxAbsDiff(a, b), 0, `${id}: same seed, same masks`);
    assertGreater(maxAbsDiff(a, c), 1e-4, `${id}: another seed, other masks`);
    tf.dispose([x, evalOut, a, b, c]);
    disposeModel(model);
  }
});

/**
 * A probe cell: d = dropout(x); c_t = d ⊙ c_{t−1} + d ⊙ d; logits = the first
 * 10 entries of c_T (no bias: code mode). With an all-ones input and one mask per sequence, every
 * entry of d is 0 or 1/keep at every step, so c_T is 0 or Σ_{k=2}^{T+1} s^k
 * with s = 1/keep; fresh masks per step give other values.
 */
function probeSpec(mode: "step" | "stationary"): CellSpec {
  const base = buildCell("deep", 4);
  return {
    ...base,
    states: [{ name: "c_prev", next: "c", shape: [196] }],
    step: [
      { op: "dropout", name: "d", input: "x", mode },
      { op: "gatedSum", name: "c", keep: "d", prev: "c_prev", write: "d", candidate: "d" },
    ],
    output: [{
      op: "dense",
      name: "out",
      input: "c",
      units: 10,
      activation: "linear",
      bias: "negsoftplus",
    }],
    logits: "out",
  };
}

function probeValues(mode: "step" | "stationary", hoist: boolean): Float32Array {
  const model = createModel(probeSpec(mode), { seed: 1, keepProb: 0.8 });
  const select = new Float32Array(196 * 10);
  for (let j = 0; j < 10; j++) select[j * 10 + j] = 1;
  const w = tf.tensor2d(select, [196, 10]);
  assignParameters(model, new Map([["out.weight", w]]));
  const x = tf.ones([50, 28, 28]);
  const out = forward(model, x, { training: true, seed: 21, hoist });
  const values = out.dataSync() as Float32Array;
  tf.dispose([w, x, out]);
  disposeModel(model);
  return values;
}

Deno.test("stationary dropout reuses one mask for every step of a sequence", () => {
  const s = 1 / 0.8;
  let kept = 0;
  for (let k = 2; k <= 5; k++) kept += s ** k;
  for (const hoist of [true, false]) {
    const values = probeValues("stationary", hoist);
    let zeros = 0;
    for (const v of values) {
      if (v === 0) zeros++;
      else assertAlmostEquals(v, kept, 1e-4, `hoist=${hoist}: a kept entry sums s^2..s^5`);
    }
    assertGreater(zeros, 40, "about 20% of 500 entries are dropped");
    assertLess(zeros, 170);
  }
  const perStep = probeValues("step", true);
  const other = Array.from(perStep).filter((v) => v !== 0 && Math.abs(v - kept) > 1e-4);
  assertGreater(other.length, 50, "fresh masks per step give mixed values (the check can fail)");
});

Deno.test("stationary masks do not depend on whether steps are hoisted", () => {
  const spec = buildCell("deep-sd", 12);
  const model = createModel(spec, { seed: 8 });
  const x = images(3, spec.width, 9);
  const a = forward(model, x, { training: true, seed: 4 });
  const b = forward(model, x, { training: true, seed: 4, hoist: false });
  assertLess(maxAbsDiff(a, b), 1e-5);
  tf.dispose([x, a, b]);
  disposeModel(model);
});

Deno.test("tfjs avgPool 'same' on a 7-wide map averages the valid cells only, as TF does", () => {
  const values = Float32Array.from({ length: 2 * 7 }, (_, i) => i + 1);
  const x = tf.tensor4d(values, [1, 2, 7, 1]);
  const y = tf.avgPool(x, 2, 2, "same");
  assertEquals(y.shape, [1, 1, 4, 1]);
  const out = Array.from(y.dataSync());
  // windows: columns {0,1}, {2,3}, {4,5} over both rows, then column {6} alone
  const mean = (...v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const expected = [
    mean(1, 2, 8, 9),
    mean(3, 4, 10, 11),
    mean(5, 6, 12, 13),
    mean(7, 14),
  ];
  for (let i = 0; i < 4; i++) assertAlmostEquals(out[i], expected[i], 1e-5);
  assertNotEquals(out[3], (7 + 14) / 4, "the border window is not divided by 4");
  tf.dispose([x, y]);
});

Deno.test("weights are truncated normal with σ = 1/√fan_in, cut at 2σ", () => {
  const model = createModel(buildCell("convdeep", 12), { seed: 13 });
  const cases: [string, number][] = [
    ["in1.weight", 448],
    ["hidden.weight", 384],
    ["conv2.weight", 3 * 3 * 24],
    ["conv1.weight", 5 * 5 * 1],
  ];
  // std of a standard normal truncated at ±2
  const phi = Math.exp(-2) / Math.sqrt(2 * Math.PI);
  const truncStd = Math.sqrt(1 - (4 * phi) / 0.9544997361036416);
  for (const [name, fanIn] of cases) {
    const w = model.params.get(name)!.dataSync();
    const sigma = 1 / Math.sqrt(fanIn);
    let sum = 0;
    let sq = 0;
    let max = 0;
    for (const v of w) {
      sum += v;
      sq += v * v;
      max = Math.max(max, Math.abs(v));
    }
    const mean = sum / w.length;
    const std = Math.sqrt(sq / w.length - mean * mean);
    assert(max <= 2 * sigma * (1 + 1e-6), `${name}: max |w| ${max} ≤ 2σ = ${2 * sigma}`);
    const tolerance = w.length > 10000 ? 0.03 : 0.25;
    assertAlmostEquals(std / sigma, truncStd, tolerance, `${name}: std/σ`);
    assertGreater(max, 1.9 * sigma, `${name}: the tails reach close to 2σ`);
  }
  disposeModel(model);
});

Deno.test("thesis bias mode starts every −softplus bias at −0.01; code mode has none", () => {
  const thesis = createModel(buildCell("rlstm", 12), { seed: 1, biasMode: "thesis" });
  const raw = thesis.params.get("in1.bias")!;
  assertAlmostEquals(raw.dataSync()[0], Math.fround(THESIS_BIAS_INIT), 1e-7);
  const effective = tf.tidy(() => tf.neg(tf.softplus(raw)).dataSync());
  for (const v of effective) assertAlmostEquals(v, -0.01, 1e-6);
  assertEquals(
    Array.from(thesis.params.get("i_gate.bias")!.dataSync()).every((v) => v === 0),
    true,
  );
  const code = createModel(buildCell("rlstm", 12), { seed: 1, biasMode: "code" });
  assertEquals(code.params.has("in1.bias"), false);
  assertEquals(code.params.has("i_gate.bias"), true, "gate biases are trained in both modes");
  disposeModel(thesis);
  disposeModel(code);
});

Deno.test("an unknown cell id fails with the list of valid ids", () => {
  const e = assertThrows(() => buildCell("peephole-lstm"), CellSpecError);
  for (const id of CELL_IDS) assertStringIncludes(e.message, id);
  assertStringIncludes(e.message, '"peephole-lstm"');
});

Deno.test("two models of the same cell can live side by side", () => {
  const a = createModel(buildCell("deep", 7), { seed: 1 });
  const b = createModel(buildCell("deep", 7), { seed: 2 });
  assertNotEquals(
    a.params.get("in1.weight")!.dataSync()[0],
    b.params.get("in1.weight")!.dataSync()[0],
  );
  const before = tf.memory().numTensors;
  disposeModel(a);
  disposeModel(b);
  assertEquals(tf.memory().numTensors, before - 10);
});
