import { assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import { initBackend, tf } from "../lib/backend/mod.ts";
import {
  Adam,
  ADAM_DEFAULTS,
  BATCH_SIZE,
  countCorrect,
  crossEntropy11,
  KEEP_PROB,
  learningRate,
  paddedLogits,
} from "../lib/train/mod.ts";

await initBackend({ quiet: true });

Deno.test("the loss is the cross-entropy over the 10 logits plus a constant zero logit", () => {
  const logits = [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [2, -1, 0.5, 0, 0, 3, 0, 0, -4, 1]];
  const labels = [3, 5];
  const loss = tf.tidy(() =>
    crossEntropy11(tf.tensor2d(logits), tf.tensor1d(labels, "int32")).dataSync()[0]
  );
  const manual = logits.map((z, i) => {
    const all = [...z, 0];
    const lse = Math.log(all.reduce((a, v) => a + Math.exp(v), 0));
    return lse - z[labels[i]];
  });
  assertAlmostEquals(manual[0], Math.log(11), 1e-12);
  assertAlmostEquals(loss, (manual[0] + manual[1]) / 2, 1e-5);
  const padded = tf.tidy(() => paddedLogits(tf.tensor2d(logits)).arraySync());
  assertEquals(padded[1].length, 11);
  assertEquals(padded[1][10], 0);
});

Deno.test("the zero logit counts in the loss but never in the accuracy", () => {
  // every real logit is below the constant zero: softmax favours the 11th class,
  // but the prediction is still the best of the 10
  const logits = tf.tensor2d([[-5, -1, -3, -9, -9, -9, -9, -9, -9, -9]]);
  const correct = countCorrect(logits, tf.tensor1d([1], "int32"));
  assertEquals(correct.dataSync()[0], 1);
  const loss = crossEntropy11(logits, tf.tensor1d([1], "int32"));
  const lse = Math.log(1 + Math.exp(-1) + Math.exp(-3) + Math.exp(-5) + 7 * Math.exp(-9));
  assertAlmostEquals(loss.dataSync()[0], lse + 1, 1e-5);
  tf.dispose([logits, correct, loss]);
});

Deno.test("the thesis's optimisation settings are Adam (0.9, 0.999, 1e-8), batch 50, keep 0.8", () => {
  assertEquals(ADAM_DEFAULTS, { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });
  assertEquals(BATCH_SIZE, 50);
  assertEquals(KEEP_PROB, 0.8);
  assertEquals(learningRate("deep", "mnist-maj", 12), 0.0002);
  assertEquals(learningRate("shallow", "mnist", 7), 0.0001);
  assertEquals(learningRate("shallow", "fashion-mnist", 7), 0.0002);
  assertEquals(learningRate("shallow", "mnist", 4), 0.0002);
});

Deno.test("Adam follows TensorFlow's update with bias-corrected step size", () => {
  const w = tf.variable(tf.tensor1d([1, -2]));
  const adam = new Adam(new Map([["w", w]]), { learningRate: 0.1, ...ADAM_DEFAULTS });
  const grads = [[0.5, -1], [0.25, 3], [-1, 0]];
  let m = [0, 0];
  let v = [0, 0];
  const expected = [1, -2];
  grads.forEach((g, i) => {
    const t = i + 1;
    m = m.map((mi, k) => 0.9 * mi + 0.1 * g[k]);
    v = v.map((vi, k) => 0.999 * vi + 0.001 * g[k] * g[k]);
    const lrT = 0.1 * Math.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t);
    for (let k = 0; k < 2; k++) expected[k] -= lrT * m[k] / (Math.sqrt(v[k]) + 1e-8);
    const gt = tf.tensor1d(g);
    adam.apply(new Map([["w", gt]]));
    gt.dispose();
  });
  const got = w.dataSync();
  assertAlmostEquals(got[0], expected[0], 1e-6);
  assertAlmostEquals(got[1], expected[1], 1e-6);
  assertEquals(adam.step, 3);
  adam.dispose();
  w.dispose();
});

Deno.test("Adam restored from its state continues exactly like the original", () => {
  const make = () => tf.variable(tf.tensor1d([0.3, -0.7, 2]));
  const a = make();
  const b = make();
  const cfg = { learningRate: 0.01, ...ADAM_DEFAULTS };
  const adamA = new Adam(new Map([["p", a]]), cfg);
  const step = (adam: Adam, g: number[]) => {
    const t = tf.tensor1d(g);
    adam.apply(new Map([["p", t]]));
    t.dispose();
  };
  step(adamA, [1, 2, 3]);
  step(adamA, [-1, 0.5, 0]);
  const state = adamA.state();
  b.assign(a);
  const adamB = new Adam(new Map([["p", b]]), cfg);
  adamB.restore(state);
  step(adamA, [0.1, 0.2, 0.3]);
  step(adamB, [0.1, 0.2, 0.3]);
  assertEquals(Array.from(a.dataSync()), Array.from(b.dataSync()));
  assertEquals(adamB.step, 3);
  const q = tf.scalar(1);
  assertThrows(() => adamB.apply(new Map([["q", q]])), Error, 'unknown parameter "q"');
  adamA.dispose();
  adamB.dispose();
  tf.dispose([a, b, q]);
});
