import { assertEquals } from "@std/assert";
import { initBackend, tf } from "../lib/backend/mod.ts";
import {
  buildCell,
  CELL_IDS,
  CELL_LENGTHS,
  type CellModel,
  createModel,
  disposeModel,
} from "../lib/cells/mod.ts";
import { Adam, ADAM_DEFAULTS, benchBatch, StepReplay, trainStep } from "../lib/train/mod.ts";

await initBackend({ quiet: true });

function bits(model: CellModel): Map<string, Uint8Array> {
  return new Map(
    [...model.params].map(([k, v]) => [k, new Uint8Array(Float32Array.from(v.dataSync()).buffer)]),
  );
}

interface Trained {
  params: Map<string, Uint8Array>;
  losses: number[];
  phases: Map<string, string>;
}

/**
 * Trains `cell` on a cycle of batches of the sizes `sizes`, one step each, through the
 * engine or through a {@link StepReplay}; checks that no tensor or buffer is left behind.
 */
function train(
  cell: string,
  replay: boolean,
  sizes: number[],
  opts: { keepProb?: number } = {},
): Trained {
  const T = CELL_LENGTHS[cell as keyof typeof CELL_LENGTHS][0];
  const model = createModel(buildCell(cell, T), { seed: 4, ...opts });
  const adam = new Adam(model.params, { learningRate: 0.003, ...ADAM_DEFAULTS });
  const batches = [...new Set(sizes)].map((size) =>
    [size, benchBatch(model.spec.width, size, size)] as const
  );
  const byBatch = new Map(batches);
  const tensors = tf.memory().numTensors;
  const buffers = tf.backend().numDataIds();
  const steps = new StepReplay(model, adam);
  const losses = sizes.map((size, i) => {
    const { x, y } = byBatch.get(size)!;
    const out = replay ? steps.step(x, y, 11 + i) : trainStep(model, adam, x, y, 11 + i);
    assertEquals(tf.memory().numTensors, tensors, `${cell}: tensors after step ${i + 1}`);
    return out.loss;
  });
  const phases = steps.phases();
  steps.dispose();
  assertEquals(tf.backend().numDataIds(), buffers, `${cell}: buffers after dispose`);
  const params = bits(model);
  for (const [, b] of batches) tf.dispose([b.x, b.y]);
  adam.dispose();
  disposeModel(model);
  return { params, losses, phases };
}

function assertSameBits(a: Trained, b: Trained, what: string): void {
  assertEquals(a.losses, b.losses, `${what}: losses`);
  assertEquals([...a.params.keys()], [...b.params.keys()]);
  for (const [key, v] of a.params) assertEquals(b.params.get(key), v, `${what}: ${key}`);
}

for (const cell of CELL_IDS) {
  Deno.test(`StepReplay: ${cell} replays its steps with the engine's bits`, () => {
    const sizes = Array(7).fill(5);
    const engine = train(cell, false, sizes);
    const replayed = train(cell, true, sizes);
    assertEquals([...replayed.phases.values()], ["replaying"]);
    assertSameBits(engine, replayed, cell);
  });
}

Deno.test("StepReplay: each batch shape gets its own program, the same bits as the engine", () => {
  const sizes = [6, 6, 3, 6, 6, 3, 6, 3, 6, 3, 6];
  const engine = train("rlstm", false, sizes);
  const replayed = train("rlstm", true, sizes);
  assertEquals([...replayed.phases.values()], ["replaying", "replaying"]);
  assertSameBits(engine, replayed, "rlstm, two batch sizes");
});

Deno.test("StepReplay: a model without dropout replays with no masks", () => {
  const sizes = Array(5).fill(4);
  const engine = train("deep", false, sizes, { keepProb: 1 });
  const replayed = train("deep", true, sizes, { keepProb: 1 });
  assertEquals([...replayed.phases.values()], ["replaying"]);
  assertSameBits(engine, replayed, "deep, keep 1");
});

Deno.test("StepReplay: a step that reads values on the way (tfjs's debug mode) stays on the engine", async () => {
  const model = createModel(buildCell("shallow", 4), { seed: 1 });
  const adam = new Adam(model.params, { learningRate: 0.003, ...ADAM_DEFAULTS });
  const { x, y } = benchBatch(model.spec.width, 4, 1);
  const steps = new StepReplay(model, adam);
  const [log, warn] = [console.log, console.warn];
  console.log = console.warn = () => {};
  tf.env().set("DEBUG", true);
  try {
    for (let i = 0; i < 4; i++) steps.step(x, y, i);
    // the debug mode logs every kernel once its values are read
    await new Promise((resolve) => setTimeout(resolve, 50));
  } finally {
    tf.env().set("DEBUG", false);
    [console.log, console.warn] = [log, warn];
  }
  assertEquals([...steps.phases().values()], ["engine: the step reads values on the way"]);
  steps.dispose();
  tf.dispose([x, y]);
  adam.dispose();
  disposeModel(model);
});
