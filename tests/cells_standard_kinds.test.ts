/**
 * The node kinds of the standard cells: tanh, sum and interpolate compute their
 * formulas (interpolate also with a zero state on either side), reject operands
 * of different shapes, and declare the relevance flows of Arras et al.'s rules.
 */
import { assertEquals, assertThrows } from "@std/assert";
import { initBackend, tf } from "../lib/backend/mod.ts";
import {
  type ApplyContext,
  interpolateKind,
  singleValue,
  sumKind,
  tanhKind,
} from "../lib/cells/mod.ts";
import { maxAbsDiff } from "./relevance_fixtures.ts";

await initBackend({ quiet: true });

/** What these kinds read of the context: the activation only. */
const context = {
  activate: (kind: string, x: tf.Tensor) => (kind === "tanh" ? tf.tanh(x) : x),
} as unknown as ApplyContext;

const fail = (message: string): never => {
  throw new Error(message);
};

Deno.test("tanh, sum and interpolate compute their formulas", () => {
  const g = tf.tensor1d([0, 0.25, 1]);
  const a = tf.tensor1d([1, -2, 3]);
  const b = tf.tensor1d([4, 5, -6]);
  const node = { op: "interpolate" as const, name: "h", gate: "z", from: "n", to: "h_prev" };
  const close = (t: tf.Tensor, expected: number[]) =>
    assertEquals(maxAbsDiff(t.dataSync(), expected) < 1e-6, true, `${t.dataSync()} vs ${expected}`);
  close(tanhKind.apply({ op: "tanh", name: "t", input: "a" }, [a], context), [
    Math.tanh(1),
    Math.tanh(-2),
    Math.tanh(3),
  ]);
  close(sumKind.apply({ op: "sum", name: "s", terms: ["a", "b"] }, [a, b], context), [5, 3, -3]);
  // (1 − g)·a + g·b
  close(interpolateKind.apply(node, [g, a, b], context), [1, -0.25, -6]);
  close(interpolateKind.applyWithZeros!(node, [g, a, null], context), [1, -1.5, 0]);
  close(interpolateKind.applyWithZeros!(node, [g, null, b], context), [0, 1.25, -6]);
  tf.dispose([g, a, b]);
});

Deno.test("sum and interpolate reject operands of different shapes", () => {
  const v = (n: number) => singleValue("v", [n], "real");
  assertThrows(
    () => sumKind.infer({ op: "sum", name: "s", terms: ["a", "b"] }, [v(3), v(4)], fail),
    Error,
    "same shape",
  );
  const node = { op: "interpolate" as const, name: "h", gate: "z", from: "n", to: "h_prev" };
  assertThrows(() => interpolateKind.infer(node, [v(3), v(3), v(2)], fail), Error, "same shape");
  assertEquals(interpolateKind.infer(node, [v(3), v(3), v(3)], fail).shape, [3]);
});

Deno.test("the standard kinds declare signal-take-all and proportional flows", () => {
  assertEquals(tanhKind.relevance({ op: "tanh", name: "t", input: "c" }), {
    flow: "reshape",
    input: "c",
  });
  assertEquals(sumKind.relevance({ op: "sum", name: "s", terms: ["a", "b"] }), {
    flow: "products",
    terms: [{ value: "a" }, { value: "b" }],
  });
  assertEquals(
    interpolateKind.relevance({ op: "interpolate", name: "h", gate: "z", from: "n", to: "p" }),
    {
      flow: "products",
      terms: [{ gate: "z", complement: true, value: "n" }, { gate: "z", value: "p" }],
    },
  );
});
