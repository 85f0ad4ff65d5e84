import { assertAlmostEquals, assertEquals } from "@std/assert";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend/mod.ts";
import { averagePool } from "../lib/cells/pool.ts";
import type { PoolNode } from "../lib/cells/spec.ts";

await initBackend({ quiet: true });

const node: PoolNode = {
  op: "pool",
  name: "p",
  input: "c",
  size: 2,
  stride: 2,
  padding: "same",
  scale: 2,
};

/** The pool written straight from its definition: scale · mean of the valid cells per window. */
function naivePool(x: number[][], scale: number): number[][] {
  const H = x.length;
  const W = x[0].length;
  const out: number[][] = [];
  for (let i = 0; i < Math.ceil(H / 2); i++) {
    out.push([]);
    for (let j = 0; j < Math.ceil(W / 2); j++) {
      let sum = 0;
      let count = 0;
      for (let a = 2 * i; a < Math.min(2 * i + 2, H); a++) {
        for (let b = 2 * j; b < Math.min(2 * j + 2, W); b++) {
          sum += x[a][b];
          count++;
        }
      }
      out[i].push((scale * sum) / count);
    }
  }
  return out;
}

Deno.test("the pool averages only the valid cells of a SAME border window, like TensorFlow", () => {
  const x = Array.from({ length: 5 }, (_, i) => Array.from({ length: 7 }, (_, j) => i * 7 + j));
  const got = averagePool(node, tf.tensor4d(x.flat(), [1, 5, 7, 1]));
  assertEquals(got.shape, [1, 3, 4, 1]);
  const want = naivePool(x, 2).flat();
  got.dataSync().forEach((v, i) => assertAlmostEquals(v, want[i], 1e-4));
  const stock = tf.mul(tf.avgPool(tf.tensor4d(x.flat(), [1, 5, 7, 1]), 2, 2, "same"), 2);
  stock.dataSync().forEach((v, i) => assertAlmostEquals(v, want[i], 1e-4));
});

Deno.test("the pool's gradient is the exact adjoint of its forward pass at the borders", () => {
  const x = tf.randomNormal([2, 5, 7, 3], 0, 1, "float32", 1) as tf.Tensor4D;
  const g = tf.randomNormal([2, 3, 4, 3], 0, 1, "float32", 2);
  const grad = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(averagePool(node, v), g)))(x);
  // <pool(e_k), g> for every unit vector e_k, computed from the naive definition
  const xs = x.arraySync();
  const gs = g.arraySync() as number[][][][];
  const got = grad.arraySync() as number[][][][];
  for (let b = 0; b < 2; b++) {
    for (let c = 0; c < 3; c++) {
      for (let i = 0; i < 5; i++) {
        for (let j = 0; j < 7; j++) {
          const e = xs[b].map((row, a) => row.map((_, k) => (a === i && k === j ? 1 : 0)));
          const pooled = naivePool(e, 2);
          let want = 0;
          pooled.forEach((row, a) => row.forEach((v, k) => (want += v * gs[b][a][k][c])));
          assertAlmostEquals(got[b][i][j][c], want, 1e-4);
        }
      }
    }
  }
});
