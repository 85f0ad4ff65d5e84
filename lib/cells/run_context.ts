/**
 * The context node kinds run in (`ApplyContext`): one model, one batch size, one
 * evaluation; parameters, effective biases computed once, activations (or their hooks)
 * and the dropout masks of the current step(s).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { Masks, type MaskSource } from "./dropout_masks.ts";
import type { CellModel } from "./model.ts";
import type { Activation, ApplyContext, DropoutLike } from "./nodes/kind.ts";
import type { RunOptions } from "./run_options.ts";

/** The step key of nodes run once over all steps stacked along the batch axis. */
export const ALL_STEPS = "all";

/** One evaluation of a model on batches of `rows` samples. */
export class RunContext {
  readonly #model: CellModel;
  readonly #opts: RunOptions;
  readonly #memo = new Map<string, unknown>();
  readonly #contexts = new Map<string, ApplyContext>();
  /** Samples per step. */
  readonly rows: number;
  /** Null outside training (and when nothing is dropped). */
  readonly masks: MaskSource | null;

  /** A context for batches of `rows` samples. */
  constructor(model: CellModel, opts: RunOptions, rows: number) {
    this.#model = model;
    this.#opts = opts;
    this.rows = rows;
    const keep = model.options.keepProb;
    this.masks = opts.training && keep < 1
      ? opts.masks ?? new Masks(opts.seed ?? 0, keep, model.spec.T)
      : null;
  }

  /** The context of step `key` (a step number, "out", or {@link ALL_STEPS} for `steps` stacked steps). */
  at(key: string, steps = 1): ApplyContext {
    const id = `${key}/${steps}`;
    let context = this.#contexts.get(id);
    if (!context) {
      context = this.#make(key, steps);
      this.#contexts.set(id, context);
    }
    return context;
  }

  #make(key: string, steps: number): ApplyContext {
    const model = this.#model;
    const hooks = this.#opts.hooks;
    const rows = this.rows;
    const masks = this.masks;
    const memo = this.#memo;
    return {
      rows,
      steps,
      hooked: hooks !== undefined,
      param(name: string): tf.Tensor {
        const p = model.params.get(name);
        if (!p) throw new Error(`${model.spec.id}: missing parameter "${name}"`);
        return p;
      },
      optionalParam: (name: string) => model.params.get(name),
      memo<T>(key: string, make: () => T): T {
        if (!memo.has(key)) memo.set(key, make());
        return memo.get(key) as T;
      },
      activate(kind: Activation, pre: tf.Tensor): tf.Tensor {
        if (kind === "linear") return pre;
        const hook = hooks?.[kind];
        if (hook) return hook(pre);
        if (kind === "tanh") return tf.tanh(pre);
        return kind === "relu" ? tf.relu(pre) : tf.sigmoid(pre);
      },
      dropoutMask(node: DropoutLike, size: number): Float32Array | null {
        if (!masks) return null;
        return key === ALL_STEPS
          ? masks.stacked(node, rows, size, steps)
          : masks.step(node, rows, size, key);
      },
    };
  }
}
