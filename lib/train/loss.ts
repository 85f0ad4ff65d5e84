/**
 * The training objective of the original code (`BaseDag.setup_loss_and_opt`):
 * softmax cross-entropy over 11 logits, the model's 10 plus a constant zero
 * logit that is never the label. Accuracy is the argmax over the 10 real
 * logits. The regulariser weight is 0 in every run and is left out.
 *
 * @module
 */
import { tf } from "../backend/mod.ts";

/** Number of classes. */
export const NUM_CLASSES = 10;

/** Appends the constant zero logit: [B, 10] → [B, 11]. */
export function paddedLogits(logits: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.concat([logits, tf.zeros([logits.shape[0], 1])], 1));
}

/**
 * Mean softmax cross-entropy over the 11 padded logits, with one-hot labels
 * over 11 classes whose true class is among the first 10.
 *
 * @example
 * ```ts ignore
 * import { tf } from "../backend/mod.ts";
 * import { crossEntropy11 } from "./loss.ts";
 * // all 11 logits equal: the loss is ln 11
 * const loss = crossEntropy11(tf.zeros([1, 10]), tf.tensor1d([3], "int32"));
 * ```
 */
export function crossEntropy11(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const z = paddedLogits(logits);
    const oneHot = tf.oneHot(labels, NUM_CLASSES + 1);
    const picked = tf.sum(tf.mul(z, oneHot), 1);
    return tf.mean(tf.sub(tf.logSumExp(z, 1), picked));
  });
}

/** Predicted classes: the argmax over the 10 real logits. */
export function predictClasses(logits: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.argMax(logits, 1) as tf.Tensor1D);
}

/** Number of samples whose predicted class equals the label. */
export function countCorrect(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() =>
    tf.sum(tf.cast(tf.equal(predictClasses(logits), tf.cast(labels, "int32")), "int32"))
  );
}
