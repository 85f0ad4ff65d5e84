/**
 * A node kind defined outside `lib`, in this one file, works end to end once it is
 * registered: analysis and parameters, initialisation, the reference and fast
 * evaluation paths, training gradients, and relevance propagation.
 */
import { assert, assertEquals, assertGreater, assertLess, assertThrows } from "@std/assert";
import { initBackend, tf } from "../lib/backend/mod.ts";
import {
  analyseCell,
  buildCell,
  type CellSpec,
  CellSpecError,
  countParameters,
  createModel,
  disposeModel,
  forward,
  type NodeKind,
  registerNodeKind,
  singleValue,
} from "../lib/cells/mod.ts";
import { explain } from "../lib/relevance/mod.ts";

await initBackend({ quiet: true });

/** A bias-free ReLU projection, ReLU(x·W): a layer with weights and no bias. */
interface ProjectionNode {
  op: "projection";
  name: string;
  input: string;
  units: number;
}

const projectionKind: NodeKind<ProjectionNode> = {
  op: "projection",
  inputs: (node) => [node.input],
  infer(node, [input], fail) {
    if (input.shape.length !== 1) fail(`expects a vector, got shape [${input.shape}]`);
    return singleValue(node.name, [node.units], "nonneg");
  },
  parameters: (node, [input]) => [
    { role: "weight", shape: [input.shape[0], node.units], init: "truncatedNormal" },
  ],
  apply: (node, [x], context) =>
    tf.relu(tf.matMul(x as tf.Tensor2D, context.param(`${node.name}.weight`) as tf.Tensor2D)),
  relevance: (node) => ({
    flow: "linear",
    input: node.input,
    weight: `${node.name}.weight`,
    map: { kind: "dense" },
  }),
};

registerNodeKind(projectionKind);

/** The Deep cell with its recurrent layer r replaced by a projection of 256 units. */
function projectedDeep(): CellSpec {
  const deep = buildCell("deep", 4);
  return {
    ...deep,
    step: deep.step.map((n) =>
      n.name === "r" ? { op: "projection", name: "r", input: "hidden_drop", units: 256 } : n
    ),
  };
}

function images(batch: number, seed: number): tf.Tensor3D {
  return tf.randomUniform([batch, 28, 28], -1, 1, "float32", seed) as tf.Tensor3D;
}

Deno.test("a registered kind declares its parameters and is validated like a built-in", () => {
  const graph = analyseCell(projectedDeep());
  const r = graph.parameters.filter((p) => p.node === "r");
  assertEquals(r.map((p) => [p.name, p.shape]), [["r.weight", [128, 256]]]);
  const deep = countParameters(analyseCell(buildCell("deep", 4))).params;
  assertEquals(countParameters(graph).params, deep - 256, "the projection has no bias");
  const bad = projectedDeep();
  const wrong = {
    ...bad,
    step: bad.step.map((n) => n.name === "r" ? { ...n, input: "x_image" } : n),
  };
  assertThrows(() => analyseCell(wrong), CellSpecError, 'reads unknown name "x_image"');
  assertThrows(() => registerNodeKind(projectionKind), CellSpecError, "already registered");
  const unknown = { ...bad, step: [...bad.step, { op: "nothing", name: "z" }] };
  assertThrows(() => analyseCell(unknown), CellSpecError, 'unknown node kind "nothing"');
});

Deno.test("a registered kind trains the same on the fast path as on the reference path", () => {
  const model = createModel(projectedDeep(), { seed: 2, biasMode: "thesis" });
  assertEquals(model.params.has("r.bias"), false);
  const x = images(3, 5);
  const params = [...model.params.values()];
  const before = tf.memory().numTensors;
  const run = (hoist: boolean) =>
    tf.variableGrads(
      () => tf.sum(tf.square(forward(model, x, { training: true, seed: 9, hoist }))) as tf.Scalar,
      params,
    );
  const fast = run(true);
  const ref = run(false);
  const rWeight = Object.keys(ref.grads).find((k) => k.endsWith("/r.weight"))!;
  const gradient = (g: typeof ref) => g.grads[rWeight].dataSync() as Float32Array;
  assertGreater(Math.max(...gradient(ref).map(Math.abs)), 0, "the projection is trained");
  const diff = gradient(fast).reduce((m, v, i) => Math.max(m, Math.abs(v - gradient(ref)[i])), 0);
  assertLess(diff, 1e-5 * Math.max(...gradient(ref).map(Math.abs)));
  assertLess(Math.abs(fast.value.dataSync()[0] - ref.value.dataSync()[0]), 1e-4);
  const kept = [fast.value, ref.value, ...Object.values(fast.grads), ...Object.values(ref.grads)];
  assertEquals(tf.memory().numTensors, before + kept.length, "no tensor leaks");
  tf.dispose([x, ...kept]);
  disposeModel(model);
});

Deno.test("relevance flows through a registered kind and is conserved", () => {
  const model = createModel(projectedDeep(), { seed: 4 });
  const x = images(6, 8);
  const logits = forward(model, x);
  const values = logits.dataSync();
  const targets = tf.tidy(() => Array.from(tf.argMax(logits, 1).dataSync()));
  const before = tf.memory().numTensors;
  let alive = 0;
  for (const method of ["dtd", "lrp-a1.5b0.5"]) {
    const e = explain(model, x, { method, targets });
    const size = e.perStep.length / 6;
    for (let b = 0; b < 6; b++) {
      const sum = e.perStep.subarray(b * size, (b + 1) * size).reduce((a, v) => a + v, 0);
      const fy = values[b * 10 + targets[b]];
      assertLess(Math.abs(sum - Math.max(0, fy)), 1e-4 * Math.max(1, Math.abs(fy)), method);
      if (fy > 0) alive++;
    }
    // relevance reaches the first steps only through the projection's recurrence
    assert(e.perStep.subarray(0, 196).some((v) => v !== 0), `${method}: step 0 gets relevance`);
  }
  assertGreater(alive, 0);
  assertEquals(tf.memory().numTensors, before, "explaining leaves no tensors");
  tf.dispose([x, logits]);
  disposeModel(model);
});
