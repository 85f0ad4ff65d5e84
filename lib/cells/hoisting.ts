/**
 * Hoisting: nodes that do not depend on the recurrent state run once over all T·B
 * step inputs stacked along the batch axis. The step key of such runs and the
 * per-step pieces of their values.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** The step key of nodes run once over all steps stacked along the batch axis. */
export const ALL_STEPS = "all";

/** The per-step values of a value computed once over all T·B stacked step inputs. */
export function stepPieces(T: number): (name: string, stacked: tf.Tensor, t: number) => tf.Tensor {
  const pieces = new Map<string, tf.Tensor[]>();
  return (name: string, stacked: tf.Tensor, t: number): tf.Tensor => {
    let p = pieces.get(name);
    if (!p) {
      p = T === 1 ? [stacked] : tf.split(stacked, T, 0);
      pieces.set(name, p);
    }
    return p[t];
  };
}
