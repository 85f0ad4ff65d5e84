/**
 * Node application: how one node of a cell description is applied to its input values,
 * for one step or for all steps stacked along the batch axis.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { RunOptions } from "./engine.ts";
import { Masks } from "./dropout_masks.ts";
import { ALL_STEPS } from "./hoisting.ts";
import type { CellModel } from "./model.ts";
import { averagePool } from "./pool.ts";
import type { CellNode, ConvNode, DenseNode, DropoutNode } from "./spec.ts";

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Applies the nodes of one model to batches of `rows` samples: parameters, effective
 * biases, activations (or their hooks) and dropout.
 */
export class Evaluator {
  readonly #model: CellModel;
  readonly #opts: RunOptions;
  readonly #rows: number;
  readonly #biases = new Map<string, tf.Tensor | null>();
  /** Null outside training (and when nothing is dropped). */
  readonly masks: Masks | null;

  /** An evaluator for batches of `rows` samples. */
  constructor(model: CellModel, opts: RunOptions, rows: number) {
    this.#model = model;
    this.#opts = opts;
    this.#rows = rows;
    const keep = model.options.keepProb;
    this.masks = opts.training && keep < 1 ? new Masks(opts.seed ?? 0, keep) : null;
  }

  param(name: string): tf.Tensor {
    const p = this.#model.params.get(name);
    if (!p) throw new Error(`${this.#model.spec.id}: missing parameter "${name}"`);
    return p;
  }

  /** The effective bias added to the layer's pre-activation, or null when it is zero. */
  bias(node: DenseNode | ConvNode): tf.Tensor | null {
    if (!this.#biases.has(node.name)) {
      const raw = this.#model.params.get(`${node.name}.bias`);
      let effective: tf.Tensor | null = null;
      if (raw) effective = node.bias === "free" ? raw : tf.neg(tf.softplus(raw));
      this.#biases.set(node.name, effective);
    }
    return this.#biases.get(node.name)!;
  }

  activate(kind: "relu" | "sigmoid" | "linear", pre: tf.Tensor): tf.Tensor {
    if (kind === "linear") return pre;
    const hook = this.#opts.hooks?.[kind];
    if (hook) return hook(pre);
    return kind === "relu" ? tf.relu(pre) : tf.sigmoid(pre);
  }

  #layer(node: DenseNode | ConvNode, input: tf.Tensor): tf.Tensor {
    const weight = this.param(`${node.name}.weight`);
    const bias = this.bias(node) ?? undefined;
    const fusable = !this.#opts.hooks && node.activation !== "sigmoid";
    const activation = node.activation === "relu" ? "relu" : "linear";
    if (node.op === "dense") {
      if (fusable) {
        return tf.fused.matMul({
          a: input as tf.Tensor2D,
          b: weight as tf.Tensor2D,
          bias,
          activation,
        });
      }
      const pre = tf.matMul(input as tf.Tensor2D, weight as tf.Tensor2D);
      return this.activate(node.activation, bias ? tf.add(pre, bias) : pre);
    }
    if (fusable) {
      return tf.fused.conv2d({
        x: input as tf.Tensor4D,
        filter: weight as tf.Tensor4D,
        strides: 1,
        pad: node.padding,
        bias,
        activation,
      });
    }
    const pre = tf.conv2d(input as tf.Tensor4D, weight as tf.Tensor4D, 1, node.padding);
    return this.activate(node.activation, bias ? tf.add(pre, bias) : pre);
  }

  #dropout(node: DropoutNode, input: tf.Tensor, steps: number, key: string): tf.Tensor {
    if (!this.masks) return input;
    const size = sizeOf(input.shape.slice(1));
    const data = key === ALL_STEPS
      ? this.masks.stacked(node, this.#rows, size, steps)
      : this.masks.step(node, this.#rows, size, key);
    return tf.mul(input, tf.tensor(data, input.shape, "float32"));
  }

  /**
   * Applies one node to one step (`key`: the step number or "out"), or with `key` =
   * {@link ALL_STEPS} to `steps` time steps stacked in the batch axis.
   */
  apply(node: CellNode, get: (name: string) => tf.Tensor, steps: number, key: string): tf.Tensor {
    switch (node.op) {
      case "dense":
      case "conv":
        return this.#layer(node, get(node.input));
      case "pool":
        return averagePool(node, get(node.input));
      case "flatten": {
        const v = get(node.input);
        return v.reshape([v.shape[0], -1]);
      }
      case "concat":
        return tf.concat(node.inputs.map(get), -1);
      case "dropout":
        return this.#dropout(node, get(node.input), steps, key);
      case "gatedSum":
        return tf.add(
          tf.mul(get(node.keep), get(node.prev)),
          tf.mul(get(node.write), get(node.candidate)),
        );
      case "gate":
        return tf.mul(get(node.gate), get(node.value));
    }
  }
}
