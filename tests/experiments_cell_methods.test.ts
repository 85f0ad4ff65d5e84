import { assert, assertEquals, assertThrows } from "@std/assert";
import * as tf from "@tensorflow/tfjs";
import { buildCell, createModel, disposeModel } from "../lib/cells/mod.ts";
import {
  evaluationMethods,
  EXPERIMENT_METHODS,
  ExperimentInputError,
  LRP_METHODS,
  methodOptions,
  methodsFor,
  STANDARD_CELLS,
} from "../lib/experiments/mod.ts";
import { explain } from "../lib/relevance/mod.ts";

Deno.test("the thesis's cells take the four thesis methods; LSTM and GRU take SA, GB and LRP-ε", () => {
  for (const cell of ["deep", "rlstm", "rlstm-sd", "convrlstm-sd"]) {
    assertEquals(evaluationMethods(cell), EXPERIMENT_METHODS);
  }
  for (const cell of STANDARD_CELLS) {
    assertEquals(evaluationMethods(cell), ["sa", "gb", "lrp-epsilon"]);
  }
  assertEquals(methodsFor("rlstm", LRP_METHODS), ["dtd", "lrp-a1.5b0.5"]);
  assertEquals(methodsFor("lstm", LRP_METHODS), ["lrp-epsilon"]);
  assertEquals(methodsFor("gru", null), ["sa", "gb", "lrp-epsilon"]);
  assertEquals(methodsFor("deep", ["lrp-epsilon", "gb"]), ["gb"]);
  assertThrows(
    () => methodsFor("lstm", ["dtd", "lrp-a1.5b0.5"]),
    ExperimentInputError,
    'apply to cell "lstm"; its methods: sa, gb, lrp-epsilon',
  );
});

Deno.test("every method selected for a cell explains it; LRP-αβ (and DTD on the LSTM) do not apply", () => {
  const x = tf.randomUniform([2, 28, 84], -1, 1, "float32", 5);
  const rejected: Record<string, string[]> = {
    lstm: ["dtd", "lrp-a1.5b0.5"],
    gru: ["lrp-a1.5b0.5"],
    rlstm: [],
  };
  try {
    for (const [cell, refused] of Object.entries(rejected)) {
      const model = createModel(buildCell(cell, 12), { seed: 1 });
      try {
        for (const method of evaluationMethods(cell)) {
          // the predicted class: its logit is the largest, so ReLU(f_y) has relevance to spread
          const e = explain(model, x, methodOptions(method));
          assert(e.relevance.every(Number.isFinite), `${cell} ${method}`);
          assert(e.relevance.some((r) => r !== 0), `${cell} ${method} explains nothing`);
        }
        for (const method of refused) {
          assertThrows(
            () => explain(model, x, { method }),
            Error,
            `cannot be applied to ${cell}`,
          );
        }
      } finally {
        disposeModel(model);
      }
    }
  } finally {
    x.dispose();
  }
});
