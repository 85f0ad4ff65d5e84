import {
  assert,
  assertEquals,
  assertGreater,
  assertInstanceOf,
  assertNotEquals,
  assertRejects,
  assertStringIncludes,
} from "@std/assert";
import { initBackend, tf } from "../lib/backend/mod.ts";
import { buildCell, type CellModel, createModel, disposeModel } from "../lib/cells/mod.ts";
import { loadTask, Prng } from "../lib/data/mod.ts";
import {
  Adam,
  ADAM_DEFAULTS,
  epochOrder,
  evaluateModel,
  type TrainCheckpoint,
  TrainingDivergedError,
  trainModel,
  type TrainProgress,
  trainStep,
} from "../lib/train/mod.ts";
import { BandSource, ensureDataMirror } from "./train_fixtures.ts";

await initBackend({ quiet: true });

function snapshot(model: CellModel): Map<string, Float32Array> {
  return new Map([...model.params].map(([k, v]) => [k, v.dataSync() as Float32Array]));
}

function bitsEqual(a: Float32Array, b: Float32Array): boolean {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

Deno.test("training steps leave no tensors behind: the count after N and 2N steps is equal", () => {
  const model = createModel(buildCell("rlstm-sd", 12), { seed: 1, biasMode: "thesis" });
  const adam = new Adam(model.params, { learningRate: 0.001, ...ADAM_DEFAULTS });
  const src = new BandSource(50, 84, 1);
  const x = new Float32Array(50 * 28 * 84);
  for (let i = 0; i < 50; i++) src.fillImage(i, x, i * 28 * 84);
  const xt = tf.tensor3d(x, [50, 28, 84]);
  const yt = tf.tensor1d(Int32Array.from(src.labels), "int32");
  const prng = new Prng(3);
  const steps = (n: number) => {
    for (let i = 0; i < n; i++) trainStep(model, adam, xt, yt, prng.seed32());
  };
  steps(3);
  const afterN = tf.memory().numTensors;
  steps(3);
  assertEquals(tf.memory().numTensors, afterN);
  tf.dispose([xt, yt]);
  adam.dispose();
  disposeModel(model);
});

Deno.test("trainModel and evaluateModel leave no tensors behind", async () => {
  const src = new BandSource(120, 28, 2);
  const before = tf.memory().numTensors;
  const model = createModel(buildCell("deep", 4), { seed: 1 });
  const withModel = tf.memory().numTensors;
  await trainModel(model, src, { epochs: 1, learningRate: 0.001, seed: 1 });
  assertEquals(tf.memory().numTensors, withModel);
  await trainModel(model, src, { epochs: 2, learningRate: 0.001, seed: 2 });
  assertEquals(tf.memory().numTensors, withModel);
  await evaluateModel(model, src, { batchSize: 50 });
  assertEquals(tf.memory().numTensors, withModel);
  disposeModel(model);
  assertEquals(tf.memory().numTensors, before);
});

async function trainSmall(seed: number, epochs = 2): Promise<Map<string, Float32Array>> {
  const src = new BandSource(150, 28, 4);
  const model = createModel(buildCell("deep", 4), { seed, biasMode: "thesis" });
  await trainModel(model, src, { epochs, learningRate: 0.002, seed });
  const out = snapshot(model);
  disposeModel(model);
  return out;
}

Deno.test("the same seed on the same backend gives bit-identical weights", async () => {
  const a = await trainSmall(7);
  const b = await trainSmall(7);
  const c = await trainSmall(8);
  for (const [k, v] of a) assert(bitsEqual(v, b.get(k)!), `${k} differs between identical runs`);
  assert(![...a].every(([k, v]) => bitsEqual(v, c.get(k)!)), "another seed gives other weights");
});

Deno.test("steps replayed from a recording train the engine's bits, a short last batch included", async () => {
  const src = new BandSource(130, 84, 5); // batches of 50, 50 and 30
  const train = async (replay: boolean) => {
    const model = createModel(buildCell("rlstm", 12), { seed: 5 });
    const { history } = await trainModel(model, src, {
      epochs: 3,
      learningRate: 0.002,
      seed: 5,
      replay,
    });
    const out = { params: snapshot(model), losses: history.map((h) => h.loss) };
    disposeModel(model);
    return out;
  };
  const engine = await train(false);
  const replayed = await train(true);
  assertEquals(replayed.losses, engine.losses);
  for (const [k, v] of engine.params) {
    assert(bitsEqual(v, replayed.params.get(k)!), `${k} differs between the engine and the replay`);
  }
});

Deno.test("every epoch draws a new sample order from the seed", () => {
  const idx = Int32Array.from({ length: 40 }, (_, i) => 100 + i);
  const e1 = epochOrder(5, 1, idx);
  const e2 = epochOrder(5, 2, idx);
  assertNotEquals(Array.from(e1), Array.from(e2));
  assertEquals(Array.from(e1).sort(), Array.from(idx).sort());
  assertEquals(Array.from(epochOrder(5, 1, idx)), Array.from(e1));
  assertNotEquals(Array.from(epochOrder(6, 1, idx)), Array.from(e1));
});

Deno.test("only the model's parameters are trained; code mode has no −softplus biases", async () => {
  const src = new BandSource(100, 28, 5);
  const model = createModel(buildCell("shallow", 1), { seed: 2, biasMode: "code" });
  assertEquals([...model.params.keys()].sort(), ["hidden.weight", "out.weight", "r.weight"]);
  const before = snapshot(model);
  await trainModel(model, src, { epochs: 1, learningRate: 0.001, seed: 1 });
  const after = snapshot(model);
  assertEquals([...after.keys()].sort(), [...before.keys()].sort());
  assert(!bitsEqual(before.get("hidden.weight")!, after.get("hidden.weight")!));
  assert(!bitsEqual(before.get("out.weight")!, after.get("out.weight")!));
  // at T = 1 the recurrent weight never reaches the loss: no gradient, no update (as in TF)
  assert(bitsEqual(before.get("r.weight")!, after.get("r.weight")!));
  disposeModel(model);

  const thesis = createModel(buildCell("deep", 4), { seed: 2, biasMode: "thesis" });
  const b0 = Float32Array.from(thesis.params.get("in1.bias")!.dataSync());
  await trainModel(thesis, new BandSource(100, 28, 5), { epochs: 1, learningRate: 0.001, seed: 1 });
  assert(!bitsEqual(b0, thesis.params.get("in1.bias")!.dataSync() as Float32Array));
  disposeModel(thesis);
});

Deno.test("a NaN loss stops training with an error naming cell, fold, epoch and batch", async () => {
  const src = new BandSource(100, 28, 6);
  // a NaN pixel in one sample: the batch holding it has a NaN loss
  const poisoned = 37;
  const order = epochOrder(9, 1, Int32Array.from({ length: 100 }, (_, i) => i));
  const batch = Math.floor(order.indexOf(poisoned) / 50) + 1;
  const fill = src.fillImage.bind(src);
  src.fillImage = (i, out, offset) => {
    fill(i, out, offset);
    if (i === poisoned) out[offset + 5] = NaN;
  };
  const model = createModel(buildCell("deep", 4), { seed: 1 });
  const before = snapshot(model);
  const e = await assertRejects(
    () => trainModel(model, src, { epochs: 3, learningRate: 0.001, seed: 9, fold: 3 }),
    TrainingDivergedError,
  );
  assertInstanceOf(e, TrainingDivergedError);
  assertEquals(e.place, { cell: "deep", fold: 3, epoch: 1, batch });
  assertStringIncludes(e.message, `deep diverged at fold 3, epoch 1, batch ${batch}`);
  if (batch === 1) {
    for (const [k, v] of before) assert(bitsEqual(v, snapshot(model).get(k)!), `${k} updated`);
  }
  assert([...snapshot(model).values()].every((v) => v.every(Number.isFinite)));
  disposeModel(model);
});

Deno.test("progress arrives after every batch and marks the end of each epoch", async () => {
  const src = new BandSource(120, 28, 7);
  const model = createModel(buildCell("shallow", 4), { seed: 1 });
  const seen: TrainProgress[] = [];
  const result = await trainModel(model, src, {
    epochs: 2,
    learningRate: 0.001,
    seed: 1,
    onProgress: (p) => {
      seen.push(p);
    },
  });
  assertEquals(seen.length, 2 * 3);
  assertEquals(seen.map((p) => p.epochDone), [false, false, true, false, false, true]);
  assertEquals(seen[4].batch, 2);
  assertEquals(seen[4].batches, 3);
  assert(seen.every((p) => p.seqPerSec > 0 && Number.isFinite(p.loss)));
  assertEquals(seen[5].etaMs, 0);
  assertEquals(result.history.length, 2);
  disposeModel(model);
});

Deno.test("training resumed from an epoch checkpoint ends bit-identical to an uninterrupted run", async () => {
  const src = new BandSource(120, 84, 8);
  const spec = buildCell("deep-sd", 12);
  const straight = createModel(spec, { seed: 4 });
  let checkpoint: TrainCheckpoint | undefined;
  await trainModel(straight, src, {
    epochs: 2,
    learningRate: 0.002,
    seed: 4,
    onEpoch: (c) => {
      if (c.epoch === 1) checkpoint = c;
    },
  });
  const resumed = createModel(spec, { seed: 99 });
  const r = await trainModel(resumed, src, {
    epochs: 2,
    learningRate: 0.002,
    seed: 4,
    resume: checkpoint,
  });
  assertEquals(r.history.length, 2);
  const a = snapshot(straight);
  const b = snapshot(resumed);
  for (const [k, v] of a) assert(bitsEqual(v, b.get(k)!), `${k} differs after resuming`);
  disposeModel(straight);
  disposeModel(resumed);
});

Deno.test("Deep learns MNIST: 2 epochs on 2,000 samples reach well above chance", async () => {
  ensureDataMirror();
  const task = await loadTask("mnist");
  assert(task.kind === "single");
  const train = new Prng("smoke-train").permutation(task.train.n).slice(0, 2000);
  const test = new Prng("smoke-test").permutation(task.test.n).slice(0, 1000);
  const model = createModel(buildCell("deep", 4), { seed: 1 });
  const t0 = performance.now();
  const { history } = await trainModel(model, task.train, {
    epochs: 2,
    learningRate: 0.002,
    seed: 1,
    indices: train,
  });
  const result = await evaluateModel(model, task.test, { indices: test });
  const seconds = (performance.now() - t0) / 1000;
  assertGreater(history[1].accuracy, history[0].accuracy);
  assertGreater(result.accuracy, 0.5, `test accuracy ${result.accuracy} after ${seconds} s`);
  disposeModel(model);
});
