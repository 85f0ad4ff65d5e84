import { assert, assertEquals, assertThrows } from "@std/assert";
import * as tf from "@tensorflow/tfjs";
import { buildCell, createModel, disposeModel } from "../lib/cells/mod.ts";
import {
  evaluationMethods,
  EXPERIMENT_METHODS,
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
});

Deno.test("every method selected for a cell explains it; DTD and LRP-αβ do not apply to LSTM and GRU", () => {
  const x = tf.randomUniform([2, 28, 84], -1, 1, "float32", 5);
  try {
    for (const cell of [...STANDARD_CELLS, "rlstm"]) {
      const model = createModel(buildCell(cell, 12), { seed: 1 });
      try {
        for (const method of evaluationMethods(cell)) {
          const e = explain(model, x, { ...methodOptions(method), targets: [3, 7] });
          assert(e.relevance.every(Number.isFinite), `${cell} ${method}`);
          assert(e.relevance.some((r) => r !== 0), `${cell} ${method} explains nothing`);
        }
        if (STANDARD_CELLS.includes(cell)) {
          for (const method of ["dtd", "lrp-a1.5b0.5"]) {
            assertThrows(
              () => explain(model, x, { method, targets: [3, 7] }),
              Error,
              "cannot be applied to",
            );
          }
        }
      } finally {
        disposeModel(model);
      }
    }
  } finally {
    x.dispose();
  }
});
