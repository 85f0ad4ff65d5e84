/**
 * Relevance through the weightless flows node kinds declare: gated products and fixed
 * non-negative operators, checked against their formulas.
 */
import { assertAlmostEquals, assertEquals } from "@std/assert";
import { initBackend, tf } from "../lib/backend/mod.ts";
import {
  gatedTermsRelevance,
  operatorRelevance,
  productsRelevance,
} from "../lib/relevance/flows.ts";

await initBackend({ quiet: true });

Deno.test("a sum of three gated products splits relevance by share and conserves it", () => {
  const gates = [[0.5, 1], [0.25, 0], [1, 0.5]];
  const values = [[2, 3], [4, 5], [1, 2]];
  const c = [0, 1].map((j) => gates.reduce((a, g, k) => a + g[j] * values[k][j], 0));
  const R = [6, -3];
  const shares = productsRelevance(
    [0, 1].map((k) => [tf.tensor1d(gates[k]), tf.tensor1d(values[k])]),
    tf.tensor1d(c),
    tf.tensor1d(R),
  ).map((t) => Array.from(t.dataSync()));
  for (let j = 0; j < 2; j++) {
    for (let k = 0; k < 2; k++) {
      assertAlmostEquals(shares[k][j], gates[k][j] * values[k][j] / c[j] * R[j], 1e-6);
    }
    assertAlmostEquals(shares[0][j] + shares[1][j] + shares[2][j], R[j], 1e-6);
  }
  const one = productsRelevance([], tf.tensor1d([3]), tf.tensor1d([7]));
  assertEquals(Array.from(one[0].dataSync()), [7], "one product takes all relevance");
});

Deno.test("an operator's relevance is each input's share of every output it feeds", () => {
  // a = A·x with A = [[1, 2, 0], [0, 1, 1]] (column vectors); adjoint Aᵀ
  const A = tf.tensor2d([[1, 2, 0], [0, 1, 1]]);
  const x = tf.tensor2d([[1, 2, 3]]);
  const a = tf.matMul(x, A, false, true);
  const R = tf.tensor2d([[5, 10]]);
  const r = operatorRelevance((s) => tf.matMul(s, A), x, a, R).dataSync();
  // a = [5, 5]: x₀ gets 5·1/5, x₁ gets 5·4/5 + 10·2/5, x₂ gets 10·3/5
  const expected = [1, 4 + 4, 6];
  expected.forEach((v, i) => assertAlmostEquals(r[i], v, 1e-5));
  assertAlmostEquals(r[0] + r[1] + r[2], 15, 1e-5);
});

Deno.test("the GRU interpolation splits by (1 − z)⊙n and z⊙h′; a plain sum by its terms", () => {
  const v: Record<string, tf.Tensor> = {
    z: tf.tensor1d([0.25, 0.5]),
    n: tf.tensor1d([2, -1]),
    p: tf.tensor1d([4, 3]),
  };
  const c = tf.tensor1d([0.75 * 2 + 0.25 * 4, 0.5 * -1 + 0.5 * 3]);
  const R = tf.tensor1d([5, 2]);
  const lookup = (k: string) => v[k];
  const [[toN, rn], [toP, rp]] = gatedTermsRelevance(
    [{ gate: "z", complement: true, value: "n" }, { gate: "z", value: "p" }],
    lookup,
    c,
    R,
  );
  assertEquals([toN, toP], ["n", "p"]);
  // c = [2.5, 1]: n gets 1.5/2.5 · 5 = 3 and −0.5/1 · 2 = −1; p the rest.
  [3, -1].forEach((x, i) => assertAlmostEquals(rn.dataSync()[i], x, 1e-6));
  [2, 3].forEach((x, i) => assertAlmostEquals(rp.dataSync()[i], x, 1e-6));
  const [[, ra], [, rb]] = gatedTermsRelevance(
    [{ value: "n" }, { value: "p" }],
    lookup,
    tf.tensor1d([6, 2]),
    tf.tensor1d([3, 4]),
  );
  [1, -2].forEach((x, i) => assertAlmostEquals(ra.dataSync()[i], x, 1e-6));
  [2, 6].forEach((x, i) => assertAlmostEquals(rb.dataSync()[i], x, 1e-6));
});
