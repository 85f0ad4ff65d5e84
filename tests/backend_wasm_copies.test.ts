/**
 * The copy kernels replaced on wasm (`Slice`, `SplitV`, `Concat`, `Identity`, `Cast`) and the
 * pooling gradient give the numbers of the cpu backend and manage their memory.
 */
import { assert, assertEquals } from "@std/assert";
import { Prng } from "../lib/data/prng.ts";
import { initBackend, tf } from "../lib/backend/mod.ts";
import { sliceBlocks } from "../lib/backend/wasm_slice.ts";

await initBackend({ backend: "wasm", quiet: true });

function values(n: number, seed: string): Float32Array {
  const prng = new Prng(seed);
  return Float32Array.from({ length: n }, () => 2 * prng.next() - 1);
}

/** `fn` on wasm and on cpu from the same input values. */
function both(
  shape: number[],
  fn: (x: tf.Tensor) => tf.Tensor | tf.Tensor[],
): [Float32Array[], Float32Array[]] {
  const data = values(shape.reduce((a, b) => a * b, 1), shape.join("x"));
  const run = (backend: string) => {
    tf.setBackend(backend);
    return tf.tidy(() => {
      const out = fn(tf.tensor(data, shape));
      return (Array.isArray(out) ? out : [out]).map((t) => t.dataSync() as Float32Array);
    });
  };
  try {
    return [run("wasm"), run("cpu")];
  } finally {
    tf.setBackend("wasm");
  }
}

Deno.test("slices of every contiguity match cpu exactly", () => {
  const cases: [number[], number[], number[]][] = [
    [[6, 5, 8, 3], [0, 0, 0, 0], [6, 5, 7, 3]],
    [[6, 5, 8, 3], [1, 2, 3, 1], [4, 2, 4, 2]],
    [[4, 7, 9], [0, 1, 0], [4, 5, 9]],
    [[10, 40], [3, 0], [5, 40]],
    [[10, 40], [0, 7], [10, 30]],
    [[3, 2, 2, 2, 5], [1, 0, 1, 0, 2], [2, 2, 1, 2, 3]],
  ];
  for (const [shape, begin, size] of cases) {
    const [wasm, cpu] = both(shape, (x) => tf.slice(x, begin, size));
    assertEquals(Array.from(wasm[0]), Array.from(cpu[0]), `slice of [${shape}] at [${begin}]`);
  }
});

Deno.test("slice blocks merge the trailing axes that are taken whole", () => {
  const { block, offsets } = sliceBlocks([2, 3, 8, 4], [0, 1, 0, 0], [2, 2, 7, 4]);
  assertEquals(block, 7 * 4);
  assertEquals(Array.from(offsets), [32, 64, 128, 160]);
  assertEquals(sliceBlocks([5, 6], [0, 0], [5, 6]).block, 30);
});

Deno.test("splits along every axis match cpu exactly", () => {
  for (const [axis, sizes] of [[0, [2, 4]], [1, [1, 2, 2]], [2, [3, 3, 2]]] as const) {
    const [wasm, cpu] = both([6, 5, 8], (x) => tf.split(x, [...sizes], axis));
    assertEquals(wasm.length, sizes.length);
    wasm.forEach((w, i) =>
      assertEquals(Array.from(w), Array.from(cpu[i]), `axis ${axis} part ${i}`)
    );
  }
});

Deno.test("splits with long and empty parts match cpu exactly", () => {
  for (
    const [shape, axis, sizes] of [
      [[3, 4, 70], 2, [0, 65, 5]],
      [[2, 3, 4, 25], 3, [1, 24]],
    ] as const
  ) {
    const [wasm, cpu] = both([...shape], (x) => tf.split(x, [...sizes], axis));
    wasm.forEach((w, i) =>
      assertEquals(Array.from(w), Array.from(cpu[i]), `[${shape}] axis ${axis} part ${i}`)
    );
  }
});

Deno.test("concatenations along every axis match cpu exactly, for floats and integers", () => {
  const cases: [number[][], number][] = [
    [[[2, 3, 4, 1], [2, 3, 4, 24]], 3],
    [[[2, 3, 4], [2, 3, 70], [2, 3, 0], [2, 3, 1]], 2],
    [[[2, 3, 4], [2, 5, 4]], 1],
    [[[2, 3], [4, 3], [1, 3]], 0],
    [[[5], [7]], 0],
  ];
  for (const [shapes, axis] of cases) {
    for (const dtype of ["float32", "int32"] as const) {
      const data = shapes.map((s, i) =>
        values(s.reduce((a, b) => a * b, 1), `concat/${i}`).map((
          v,
        ) => (dtype === "int32" ? Math.round(100 * v) : v))
      );
      const run = (backend: string) => {
        tf.setBackend(backend);
        return tf.tidy(() =>
          Array.from(tf.concat(shapes.map((s, i) => tf.tensor(data[i], s, dtype)), axis).dataSync())
        );
      };
      try {
        assertEquals(
          run("wasm"),
          run("cpu"),
          `${dtype} [${shapes.map((s) => `[${s}]`)}] axis ${axis}`,
        );
      } finally {
        tf.setBackend("wasm");
      }
    }
  }
  const before = tf.memory().numTensors;
  const a = tf.ones([2, 2]);
  const joined = tf.concat([a, a], 1);
  assertEquals(Array.from(joined.dataSync()), new Array(8).fill(1));
  tf.dispose([a, joined]);
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("identity and same-dtype casts share the data safely", () => {
  const backend = tf.backend() as unknown as { numDataIds(): number };
  const x = tf.tensor1d([1, 2, 3]);
  const buffers = backend.numDataIds();
  const c = tf.cast(x, "float32");
  const y = tf.clone(x);
  assertEquals(backend.numDataIds(), buffers, "no new buffer for same-dtype copies");
  assert(c.dataId === x.dataId && y.dataId === x.dataId);
  x.dispose();
  assertEquals(Array.from(c.dataSync()), [1, 2, 3], "the cast outlives its source");
  assertEquals(Array.from(y.dataSync()), [1, 2, 3], "the clone outlives its source");
  const i = tf.cast(c, "int32");
  assertEquals(i.dtype, "int32");
  assertEquals(backend.numDataIds(), buffers + 1, "a cast to another dtype copies");
  assertEquals(Array.from(i.dataSync()), [1, 2, 3]);
  tf.dispose([c, y, i]);
  assertEquals(backend.numDataIds(), buffers - 1, "shared data goes with its last tensor");
});

Deno.test("average pooling gradients match cpu for tiling and overlapping windows", () => {
  const cases: [number[], number, number, "same" | "valid"][] = [
    [[2, 14, 7, 3], 2, 2, "same"],
    [[2, 9, 9, 2], 3, 2, "same"],
    [[2, 9, 8, 2], 2, 3, "valid"],
  ];
  for (const [shape, size, stride, pad] of cases) {
    const [wasm, cpu] = both(shape, (x) => {
      const g = (v: tf.Tensor) => {
        const y = tf.avgPool(v as tf.Tensor4D, size, stride, pad);
        return tf.sum(tf.mul(y, tf.range(0, y.size).reshape(y.shape)));
      };
      return tf.grad(g)(x);
    });
    let diff = 0;
    for (let k = 0; k < cpu[0].length; k++) diff = Math.max(diff, Math.abs(cpu[0][k] - wasm[0][k]));
    assert(diff < 1e-4 * Math.max(...cpu[0].map(Math.abs)), `[${shape}] ${size}/${stride} ${pad}`);
  }
});
