import { assert, assertEquals, assertLessOrEqual } from "@std/assert";
import { ADAM_UPDATE, adamStep, backendInfo, initBackend, tf } from "../lib/backend/mod.ts";
import { buildCell, type CellModel, createModel, disposeModel } from "../lib/cells/mod.ts";
import { Prng } from "../lib/data/mod.ts";
import { Adam, ADAM_DEFAULTS, trainStep } from "../lib/train/mod.ts";
import { BandSource } from "./train_fixtures.ts";

await initBackend({ quiet: true });

function snapshot(model: CellModel): Map<string, Float32Array> {
  return new Map([...model.params].map(([k, v]) => [k, Float32Array.from(v.dataSync())]));
}

/**
 * Applies `steps` seeded gradients to the parameters of a small Deep cell and returns
 * the parameters and Adam's state.
 */
function optimise(fused: boolean, steps: number) {
  const model = createModel(buildCell("deep", 4), { seed: 3, biasMode: "thesis" });
  const adam = new Adam(model.params, { learningRate: 0.002, ...ADAM_DEFAULTS }, { fused });
  const prng = new Prng("adam-gradients");
  const usedFused = adam.fused;
  for (let i = 0; i < steps; i++) {
    const scale = 10 ** (prng.int(5) - 3);
    const grads = new Map(
      [...model.params].map(([k, p]) => [
        k,
        tf.tensor(Float32Array.from({ length: p.size }, () => scale * prng.normal()), p.shape),
      ]),
    );
    adam.apply(grads);
    tf.dispose([...grads.values()]);
  }
  const out = { params: snapshot(model), state: adam.state(), usedFused };
  adam.dispose();
  disposeModel(model);
  return out;
}

/** Trains `steps` steps of a small Deep cell and returns its parameters. */
function train(fused: boolean, steps: number): Map<string, Float32Array> {
  const model = createModel(buildCell("deep", 4), { seed: 3, biasMode: "thesis" });
  const adam = new Adam(model.params, { learningRate: 0.002, ...ADAM_DEFAULTS }, { fused });
  const src = new BandSource(50, 28, 11);
  const x = new Float32Array(50 * 28 * 28);
  for (let i = 0; i < 50; i++) src.fillImage(i, x, i * 28 * 28);
  const xt = tf.tensor3d(x, [50, 28, 28]);
  const yt = tf.tensor1d(Int32Array.from(src.labels), "int32");
  const prng = new Prng(5);
  for (let i = 0; i < steps; i++) trainStep(model, adam, xt, yt, prng.seed32());
  const out = snapshot(model);
  tf.dispose([xt, yt]);
  adam.dispose();
  disposeModel(model);
  return out;
}

/** The largest difference between `a` and `b` relative to the largest magnitude in `b`. */
function maxRelativeError(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return scale === 0 ? diff : diff / scale;
}

Deno.test("the one-pass Adam update runs on wasm and the tensor-op path elsewhere", () => {
  const w = tf.variable(tf.zeros([3]));
  const fused = new Adam(new Map([["w", w]]), { learningRate: 0.1, ...ADAM_DEFAULTS });
  const plain = new Adam(new Map([["w", w]]), { learningRate: 0.1, ...ADAM_DEFAULTS }, {
    fused: false,
  });
  assertEquals(fused.fused, backendInfo().name === "wasm");
  assertEquals(plain.fused, false);
  fused.dispose();
  plain.dispose();
  w.dispose();
});

Deno.test("fused and tensor-op Adam give the same parameters and moments after several steps", () => {
  const before = tf.memory().numTensors;
  const start = optimise(false, 0).params;
  const a = optimise(true, 8);
  const b = optimise(false, 8);
  assertEquals(tf.memory().numTensors, before);
  assertEquals(b.usedFused, false);
  assertEquals(a.state.step, 8);
  for (const [k, v] of b.params) {
    const err = maxRelativeError(a.params.get(k)!, v);
    assertLessOrEqual(err, 1e-6, `${k}: relative difference ${err}`);
    assert(v.some((x, i) => x !== start.get(k)![i]), `${k} was not updated`);
  }
  for (const part of ["m", "v"] as const) {
    for (const [k, v] of b.state[part]) {
      const err = maxRelativeError(a.state[part].get(k)!, v);
      assertLessOrEqual(err, 1e-6, `${part}["${k}"]: relative difference ${err}`);
    }
  }
});

Deno.test("training with the fused update is deterministic and leaves no tensors behind", () => {
  const before = tf.memory().numTensors;
  const a = train(true, 4);
  const b = train(true, 4);
  assertEquals(tf.memory().numTensors, before);
  for (const [k, v] of a) assertEquals(Array.from(v), Array.from(b.get(k)!), `${k} differs`);
});

Deno.test("the fused update leaves no tensors behind and no shared tensor data changed", () => {
  const w = tf.variable(tf.tensor1d([0.5, -1, 2]));
  const alias = tf.clone(w); // runs Identity, which shares w's data on wasm
  const adam = new Adam(new Map([["w", w]]), { learningRate: 0.1, ...ADAM_DEFAULTS });
  const g = tf.tensor1d([1, -2, 0.5]);
  adam.apply(new Map([["w", g]]));
  const after = tf.memory().numTensors;
  adam.apply(new Map([["w", g]]));
  assertEquals(tf.memory().numTensors, after);
  assertEquals(Array.from(alias.dataSync()), [0.5, -1, 2]);
  assertEquals(Array.from(g.dataSync()), [1, -2, 0.5]);
  assert(w.dataSync().every((x, i) => x < [0.5, -1, 2][i] === [1, -2, 0.5][i] > 0));
  tf.dispose([w, alias, g]);
  adam.dispose();
});

Deno.test("adamStep matches the elementwise tensor ops within float32 rounding", () => {
  const prng = new Prng("adam-step");
  const n = 257;
  const draw = (scale: number) =>
    Float32Array.from({ length: n }, () => scale * (prng.next() * 2 - 1));
  const p = draw(1);
  const m = draw(0.1);
  const v = Float32Array.from(draw(0.01), Math.abs);
  const g = draw(3);
  const attrs = { lrT: 0.00123, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };
  const out = [0, 1, 2].map(() => new Float32Array(n));
  adamStep(p, m, v, g, out[0], out[1], out[2], attrs);
  const [pt, m1, v1] = tf.tidy(() => {
    const gt = tf.tensor1d(g);
    const m1 = tf.add(tf.mul(tf.tensor1d(m), 0.9), tf.mul(gt, 1 - 0.9));
    const v1 = tf.add(tf.mul(tf.tensor1d(v), 0.999), tf.mul(tf.square(gt), 1 - 0.999));
    const p1 = tf.sub(tf.tensor1d(p), tf.mul(tf.div(m1, tf.add(tf.sqrt(v1), 1e-8)), 0.00123));
    return [p1, m1, v1].map((t) => t.dataSync() as Float32Array);
  });
  assertLessOrEqual(maxRelativeError(out[1], m1), 1e-6);
  assertLessOrEqual(maxRelativeError(out[2], v1), 1e-6);
  assertLessOrEqual(maxRelativeError(out[0], pt), 1e-6);
});

Deno.test({
  name:
    "the Adam kernel gives adamStep's bits at every length (pairs in float64 lanes, the last odd one in JavaScript)",
  ignore: backendInfo().name !== "wasm",
  fn() {
    const prng = new Prng("adam-lanes");
    const attrs = { lrT: 0.00123, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };
    const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
    for (const n of [1, 2, 3, 8, 257, 100_001]) {
      const draw = () =>
        Float32Array.from({ length: n }, () => 10 ** (prng.int(12) - 8) * (prng.next() * 2 - 1));
      const [p, m, g] = [draw(), draw(), draw()];
      const v = Float32Array.from(draw(), Math.abs);
      if (n > 3) [p[0], m[1], v[2], g[3]] = [0, -0, 0, 0];
      const want = [0, 1, 2].map(() => new Float32Array(n));
      adamStep(p, m, v, g, want[0], want[1], want[2], attrs);
      const before = tf.memory().numTensors;
      const inputs = { p: tf.tensor1d(p), m: tf.tensor1d(m), v: tf.tensor1d(v), g: tf.tensor1d(g) };
      const got = tf.engine().runKernel(ADAM_UPDATE, inputs, { ...attrs }) as tf.Tensor[];
      for (const [i, t] of got.entries()) {
        assertEquals(bits(t.dataSync() as Float32Array), bits(want[i]), `n ${n}: ${"pmv"[i]}`);
      }
      tf.dispose([...got, ...Object.values(inputs)]);
      assertEquals(tf.memory().numTensors, before);
    }
  },
});
