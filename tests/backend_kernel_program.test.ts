import { assertEquals, assertThrows } from "@std/assert";
import { initBackend, KernelProgram, recordKernels, tf } from "../lib/backend/mod.ts";

await initBackend({ quiet: true });

/** Reshapes (one buffer read in two shapes), a list input, several outputs and a constant. */
function work(x: tf.Tensor2D): tf.Tensor[] {
  const flat = tf.reshape(x, [-1]);
  const scaled = tf.mul(x, tf.scalar(0.5));
  const [left, right] = tf.split(scaled, 2, 1);
  const joined = tf.concat([right, left, tf.reshape(flat, x.shape)], 1);
  return [tf.sum(joined, 0), tf.matMul(x, joined, true, false), flat];
}

function bitsOf(info: tf.TensorInfo): number[] {
  return [...new Uint8Array((tf.backend().readSync(info.dataId) as Float32Array).slice().buffer)];
}

Deno.test("KernelProgram: a recording replayed on new inputs gives the bits the ops give", () => {
  const x = tf.randomNormal([6, 4], 0, 1, "float32", 1) as tf.Tensor2D;
  const { result, recording } = recordKernels(() => tf.tidy(() => work(x)));
  assertEquals(recording.reads, 0);
  const kinds = new Set(recording.slots.map((s) => s.origin.kind));
  assertEquals([...kinds].sort(), ["kernel", "outside", "written"]);
  const xSlot = recording.slots.findIndex((s) => s.origin.kind === "outside");
  const program = new KernelProgram(recording, {
    bound: [xSlot],
    results: result.map((t) => recording.slotOf(t)!),
  });
  const buffers = tf.backend().numDataIds();
  const tensors = tf.memory().numTensors;
  for (const seed of [2, 3]) {
    const x2 = tf.randomNormal([6, 4], 0, 1, "float32", seed) as tf.Tensor2D;
    const expected = tf.tidy(() => work(x2));
    const replayed = program.run([x2]);
    assertEquals(replayed.map((r) => r.shape), expected.map((e) => e.shape));
    replayed.forEach((r, i) => assertEquals(bitsOf(r), bitsOf(expected[i]), `result ${i}`));
    for (const r of replayed) tf.backend().disposeData(r.dataId);
    tf.dispose([x2, ...expected]);
  }
  assertEquals(tf.backend().numDataIds(), buffers, "replays leave no buffers behind");
  assertEquals(tf.memory().numTensors, tensors);
  program.dispose();
  assertEquals(tf.backend().numDataIds(), buffers - 1, "dispose frees the constant");
  assertThrows(() => program.run([x]), Error, "disposed");
  tf.dispose([x, ...result]);
});

Deno.test("KernelProgram: a result that is an input or constant is the caller's own reference", () => {
  const x = tf.tensor1d([1, 2, 3]);
  const { result, recording } = recordKernels(() => [tf.neg(x), x]);
  const slot = recording.slotOf(x)!;
  const program = new KernelProgram(recording, {
    bound: [],
    results: [recording.slotOf(result[0])!, slot],
  });
  const [negated, same] = program.run([]);
  assertEquals([...tf.backend().readSync(negated.dataId) as Float32Array], [-1, -2, -3]);
  tf.backend().disposeData(negated.dataId);
  tf.backend().disposeData(same.dataId);
  program.dispose();
  assertEquals(
    [...(x.dataSync() as Float32Array)],
    [1, 2, 3],
    "the outside value's copy is freed, x lives",
  );
  tf.dispose([x, ...result]);
});

Deno.test("KernelProgram: bad inputs are named", () => {
  const x = tf.tensor1d([1, 2, 3]);
  const { result, recording } = recordKernels(() => tf.exp(x));
  const program = new KernelProgram(recording, {
    bound: [recording.slotOf(x)!],
    results: [recording.slotOf(result)!],
  });
  assertThrows(() => program.run([]), RangeError, "0 inputs given, the program takes 1");
  const wrong = tf.tensor1d([1, 2]);
  assertThrows(() => program.run([wrong]), RangeError, "input 0 has shape [2], recorded [3]");
  program.dispose();
  tf.dispose([x, wrong, result]);
});

Deno.test("recordKernels: values read from JavaScript are counted, a kernel's own reads are not", () => {
  const x = tf.tensor1d([1, 2, 3]);
  const { result, recording } = recordKernels(() => {
    const y = tf.add(x, 1);
    y.dataSync();
    return tf.relu(y);
  });
  assertEquals(recording.reads, 1);
  assertEquals(recording.calls.map((c) => c.kernelName), ["Add", "Relu"]);
  tf.dispose([x, result]);
});

Deno.test("recordKernels: a string tensor is not taken down, and the recording says so", () => {
  const x = tf.tensor1d([1, 2, 3]);
  const { result, recording } = recordKernels(() => {
    const names = tf.tensor1d(["a", "b", "c"], "string");
    names.dispose();
    return tf.exp(x);
  });
  assertEquals(recording.unsupported, "a string tensor written from JavaScript");
  const clean = recordKernels(() => tf.exp(x));
  assertEquals(clean.recording.unsupported, null);
  tf.dispose([x, result, clean.result]);
});
