/**
 * One optimisation step, in two halves: the step's tensors (forward with dropout, the
 * loss over the 11 padded logits, the gradients of the model's parameters, the number
 * of correct predictions), all of it kernels with no value read in between, and the
 * update that reads the loss and applies Adam. `StepReplay` replays the first half.
 *
 * @module
 */
import { tf } from "../backend/mod.ts";
import { type CellModel, forward, type MaskSource } from "../cells/mod.ts";
import type { Adam } from "./adam.ts";
import { countCorrect, crossEntropy11 } from "./loss.ts";

/** What a step computes before its update. */
export interface StepTensors {
  /** The batch's mean loss. */
  loss: tf.Scalar;
  /** The number of samples predicted right (int32). */
  correct: tf.Scalar;
  /** The gradient of every parameter the loss depends on, by parameter key. */
  grads: Map<string, tf.Tensor>;
}

/** The loss and the number of correct predictions of a step. */
export interface StepResult {
  loss: number;
  correct: number;
}

/**
 * The tensors of one step on a batch (dropout from `dropoutSeed`, or from `masks` where
 * given). Reads no values, so that its kernels can be recorded and replayed.
 */
export function stepTensors(
  model: CellModel,
  x: tf.Tensor,
  labels: tf.Tensor1D,
  dropoutSeed: number,
  masks?: MaskSource,
): StepTensors {
  const keys = new Map<string, string>();
  for (const [key, v] of model.params) keys.set(v.name, key);
  let logits: tf.Tensor2D | undefined;
  const { value, grads } = tf.variableGrads(() => {
    logits = tf.keep(
      forward(model, x, { training: true, seed: dropoutSeed, ...(masks ? { masks } : {}) }),
    );
    return crossEntropy11(logits, labels);
  }, [...model.params.values()]);
  const correct = countCorrect(logits!, labels);
  logits!.dispose();
  const byKey = new Map<string, tf.Tensor>();
  for (const [name, g] of Object.entries(grads)) byKey.set(keys.get(name) ?? name, g);
  return { loss: value, correct, grads: byKey };
}

/**
 * Reads a step's loss and count and applies Adam, unless the loss is not finite, in
 * which case nothing is updated and the returned loss shows it. Disposes the tensors.
 */
export function applyStep(adam: Adam, tensors: StepTensors): StepResult {
  try {
    const loss = tensors.loss.dataSync()[0];
    const correct = tensors.correct.dataSync()[0];
    if (Number.isFinite(loss)) adam.apply(tensors.grads);
    return { loss, correct };
  } finally {
    tf.dispose([tensors.loss, tensors.correct, ...tensors.grads.values()]);
  }
}

/**
 * One optimisation step on a batch through tfjs's engine: {@link stepTensors}, then
 * {@link applyStep}. Leaves no tensors behind.
 *
 * @example
 * ```ts
 * import { initBackend } from "../backend/mod.ts";
 * import { buildCell, createModel, disposeModel } from "../cells/mod.ts";
 * import { Adam } from "./adam.ts";
 * import { benchBatch } from "./bench.ts";
 * import { ADAM_DEFAULTS } from "./hyperparameters.ts";
 * import { trainStep } from "./train_step.ts";
 * await initBackend({ quiet: true });
 * const model = createModel(buildCell("deep", 4), { seed: 1 });
 * const adam = new Adam(model.params, { learningRate: 1e-3, ...ADAM_DEFAULTS });
 * const { x, y } = benchBatch(model.spec.width, 8, 1);
 * const { loss } = trainStep(model, adam, x, y, 1);
 * if (!Number.isFinite(loss)) throw new Error(`loss ${loss}`);
 * x.dispose(); y.dispose(); adam.dispose(); disposeModel(model);
 * ```
 */
export function trainStep(
  model: CellModel,
  adam: Adam,
  x: tf.Tensor,
  labels: tf.Tensor1D,
  dropoutSeed: number,
): StepResult {
  return applyStep(adam, stepTensors(model, x, labels, dropoutSeed));
}
