/**
 * PyTorch weights in: a seeded nn.LSTM / nn.GRU + nn.Linear written by
 * tests/torch_rnn_fixture.py (Debian's python3-torch) loads through the
 * documented name and gate-order mapping, reproduces PyTorch's logits to 1e-5
 * and is explained with conservation. Skipped where no python3 with torch is
 * installed (`apt-get install python3-torch`).
 */
import { assertEquals, assertLessOrEqual, assertThrows } from "@std/assert";
import { initBackend, tf } from "../lib/backend/mod.ts";
import {
  disposeModel,
  forward,
  loadTorchModel,
  readSafetensors,
  SafetensorsError,
  torchLayout,
} from "../lib/cells/mod.ts";
import { conservationResidual, explain } from "../lib/relevance/mod.ts";
import { findTorchPython, TorchReferenceError } from "../lib/train/mod.ts";

await initBackend({ quiet: true });

const SCRIPT = new URL("./torch_rnn_fixture.py", import.meta.url).pathname;

/** Debian's python3 with torch, or null where none imports it (the tests are then skipped). */
const python = await findTorchPython().catch((e) => {
  if (e instanceof TorchReferenceError) return null;
  throw e;
});

for (const [kind, T, hidden] of [["lstm", 7, 24], ["gru", 12, 20], ["lstm", 4, 16]] as const) {
  Deno.test({
    name: `a PyTorch nn.${kind.toUpperCase()} (T=${T}, H=${hidden}) loads with PyTorch's logits`,
    ignore: python === null,
    async fn() {
      const dir = await Deno.makeTempDir({ prefix: "rnnx-torch-" });
      try {
        const run = await new Deno.Command(python!, {
          args: [SCRIPT, kind, String(T), String(hidden), "7", dir],
        }).output();
        assertEquals(run.code, 0, new TextDecoder().decode(run.stderr));
        const file = await readSafetensors(`${dir}/model.safetensors`);
        const layout = torchLayout(file);
        assertEquals(layout, {
          kind,
          rnn: "rnn.",
          linear: "fc.",
          inputSize: 28 * ((T === 12 ? 84 : 28) / T),
          hiddenSize: hidden,
        });
        const io = await readSafetensors(`${dir}/io.safetensors`);
        const images = io.tensors.get("images")!;
        const expected = io.tensors.get("logits")!.data as Float32Array;
        const model = await loadTorchModel(`${dir}/model.safetensors`, { T });
        try {
          const x = tf.tensor3d(
            images.data as Float32Array,
            images.shape as [number, number, number],
          );
          const logits = forward(model, x).dataSync();
          x.dispose();
          let worst = 0;
          for (let i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs(logits[i] - expected[i]));
          }
          assertLessOrEqual(worst, 1e-5, `${kind}: largest logit difference ${worst}`);
          const e = explain(model, images.data as Float32Array, { method: "lrp-epsilon" });
          for (const r of conservationResidual(e)) assertLessOrEqual(Math.abs(r), 1e-4);
        } finally {
          disposeModel(model);
        }
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}

Deno.test("a state_dict without one recurrent module is refused, naming what was found", () => {
  const f32 = (shape: number[]) => ({
    dtype: "F32" as const,
    shape,
    data: new Float32Array(shape.reduce((a, b) => a * b, 1)),
  });
  const stacked = new Map([
    ["rnn.weight_ih_l0", f32([8, 28])],
    ["rnn.weight_hh_l0", f32([8, 2])],
    ["rnn.weight_ih_l1", f32([8, 2])],
    ["fc.weight", f32([10, 2])],
  ]);
  assertThrows(
    () => torchLayout({ tensors: stacked, metadata: {} }),
    SafetensorsError,
    "only one-layer",
  );
  assertThrows(
    () => torchLayout({ tensors: new Map([["fc.weight", f32([10, 2])]]), metadata: {} }),
    SafetensorsError,
    "weight_ih_l0",
  );
  const odd = new Map([
    ["rnn.weight_ih_l0", f32([10, 28])],
    ["rnn.weight_hh_l0", f32([10, 2])],
    ["fc.weight", f32([10, 2])],
  ]);
  assertThrows(() => torchLayout({ tensors: odd, metadata: {} }), SafetensorsError, "neither");
});
