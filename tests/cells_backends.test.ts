/**
 * Every cell computes the same logits and parameter gradients on the wasm
 * backend (with its kernel fixes and, when present, OpenBLAS) as on the pure
 * JavaScript cpu backend, on small shapes.
 */
import { assert } from "@std/assert";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend/mod.ts";
import {
  allCellVariants,
  buildCell,
  createModel,
  disposeModel,
  forward,
} from "../lib/cells/mod.ts";

await initBackend({ backend: "wasm", quiet: true });

/** Logits and every parameter gradient of Σ logits·w, on the active backend. */
function logitsAndGradients(
  model: ReturnType<typeof createModel>,
  x: Float32Array,
  w: Float32Array,
  width: number,
): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  tf.tidy(() => {
    const xs = tf.tensor3d(x, [2, 28, width]);
    const ws = tf.tensor2d(w, [2, 10]);
    out.set("logits", forward(model, xs).dataSync() as Float32Array);
    const { grads } = tf.variableGrads(
      () => tf.sum(tf.mul(forward(model, xs), ws)) as tf.Scalar,
      [...model.params.values()],
    );
    for (const [name, g] of Object.entries(grads)) out.set(name, g.dataSync() as Float32Array);
  });
  return out;
}

/** Largest |a − b| relative to max(1, largest |b|). */
function relativeError(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let scale = 1;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

for (const { id, T } of allCellVariants()) {
  Deno.test(`${id} (T = ${T}) gives the same logits and gradients on wasm as on cpu`, async () => {
    const spec = buildCell(id, T);
    const model = createModel(spec, { seed: 5, biasMode: "thesis" });
    const x = Float32Array.from({ length: 2 * 28 * spec.width }, (_, i) => Math.sin(i * 0.37));
    const w = Float32Array.from({ length: 20 }, (_, i) => Math.cos(i * 1.3));
    try {
      await tf.setBackend("wasm");
      const onWasm = logitsAndGradients(model, x, w, spec.width);
      await tf.setBackend("cpu");
      const onCpu = logitsAndGradients(model, x, w, spec.width);
      assert(onCpu.size > 1, "no gradients were computed");
      for (const [name, value] of onCpu) {
        const err = relativeError(onWasm.get(name)!, value);
        assert(err <= 1e-4, `${id} T=${T}: ${name} differs by ${err} (relative) between backends`);
      }
    } finally {
      await tf.setBackend("wasm");
      disposeModel(model);
    }
  });
}
