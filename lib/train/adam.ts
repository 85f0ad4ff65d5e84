/**
 * Adam as `tf.train.AdamOptimizer` (TensorFlow 1) computes it: with step t,
 * lr_t = lr·√(1−β₂ᵗ)/(1−β₁ᵗ), m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g²,
 * θ ← θ − lr_t·m/(√v + ε). The state (t, m, v) can be read and restored, so a
 * run resumed from a checkpoint continues bit for bit.
 *
 * On the wasm backend each parameter is updated by one kernel (`RnnxAdamUpdate`, see
 * lib/backend/wasm_adam.ts) that makes a single pass over θ, g, m and v; it rounds once
 * per result where the tensor ops round after every operation, so the two paths agree to
 * float32 rounding (not bit for bit). Each path on its own is deterministic. Other
 * backends use the tensor ops.
 *
 * @module
 */
import { ADAM_UPDATE, tf } from "../backend/mod.ts";
import type { AdamConfig } from "./hyperparameters.ts";

/** Adam's state: the step count and both moment estimates per parameter. */
export interface AdamState {
  /** Number of updates applied so far. */
  step: number;
  /** First-moment estimates by parameter name. */
  m: Map<string, Float32Array>;
  /** Second-moment estimates by parameter name. */
  v: Map<string, Float32Array>;
}

/** Options of {@link Adam}. */
export interface AdamOptions {
  /**
   * Whether to use the one-pass update kernel where the backend has it (default true);
   * false always runs the elementwise tensor ops.
   */
  fused?: boolean;
}

/**
 * An Adam optimiser over a fixed set of named variables.
 *
 * @example
 * ```ts ignore
 * import { tf } from "../backend/mod.ts";
 * import { Adam } from "./adam.ts";
 * const w = tf.variable(tf.zeros([2]));
 * const adam = new Adam(new Map([["w", w]]), {
 *   learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8,
 * });
 * adam.apply(new Map([["w", tf.ones([2])]])); // w ≈ [-0.1, -0.1]
 * ```
 */
export class Adam {
  /** The settings. */
  readonly config: AdamConfig;
  readonly #params: Map<string, tf.Variable>;
  readonly #m = new Map<string, tf.Variable>();
  readonly #v = new Map<string, tf.Variable>();
  readonly #fused: boolean;
  #step = 0;

  /** Creates the optimiser for `params` (zero moments, step 0). */
  constructor(params: Map<string, tf.Variable>, config: AdamConfig, options: AdamOptions = {}) {
    this.config = { ...config };
    this.#fused = options.fused ?? true;
    this.#params = params;
    for (const [name, p] of params) {
      this.#m.set(name, tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
      this.#v.set(name, tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
    }
  }

  /** Number of updates applied so far. */
  get step(): number {
    return this.#step;
  }

  /** Whether the next update runs as one kernel per parameter (the backend has it). */
  get fused(): boolean {
    return this.#fused && tf.getKernel(ADAM_UPDATE, tf.getBackend()) != null;
  }

  /**
   * Applies one update from gradients by parameter name. A parameter without a
   * gradient (one the loss does not depend on, e.g. the recurrent weight of a
   * one-step Shallow cell) is left unchanged, as TensorFlow does for a `None`
   * gradient. The gradients are not disposed.
   */
  apply(grads: ReadonlyMap<string, tf.Tensor>): void {
    for (const name of grads.keys()) {
      if (!this.#params.has(name)) {
        throw new Error(
          `Adam: gradient for unknown parameter "${name}"; parameters: ${
            [...this.#params.keys()].join(", ")
          }`,
        );
      }
    }
    const { learningRate, beta1, beta2, epsilon } = this.config;
    const t = this.#step + 1;
    const lrT = learningRate * Math.sqrt(1 - beta2 ** t) / (1 - beta1 ** t);
    if (this.fused) {
      const attrs = { lrT, beta1, beta2, epsilon };
      for (const [name, p] of this.#params) {
        const g = grads.get(name);
        if (!g) continue;
        const m = this.#m.get(name)!;
        const v = this.#v.get(name)!;
        const out = tf.engine().runKernel(
          ADAM_UPDATE,
          { p, m, v, g },
          attrs as unknown as tf.NamedAttrMap,
        ) as tf.Tensor[];
        p.assign(out[0]);
        m.assign(out[1]);
        v.assign(out[2]);
        for (const x of out) x.dispose();
      }
      this.#step = t;
      return;
    }
    tf.tidy(() => {
      for (const [name, p] of this.#params) {
        const g = grads.get(name);
        if (!g) continue;
        const m = this.#m.get(name)!;
        const v = this.#v.get(name)!;
        const m1 = tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1));
        const v1 = tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2));
        m.assign(m1);
        v.assign(v1);
        p.assign(tf.sub(p, tf.mul(tf.div(m1, tf.add(tf.sqrt(v1), epsilon)), lrT)));
      }
    });
    this.#step = t;
  }

  /** A copy of the state (for checkpoints). */
  state(): AdamState {
    const copy = (vars: Map<string, tf.Variable>) =>
      new Map([...vars].map(([k, v]) => [k, Float32Array.from(v.dataSync() as Float32Array)]));
    return { step: this.#step, m: copy(this.#m), v: copy(this.#v) };
  }

  /** Restores a state taken with {@link Adam.state} from an optimiser over the same parameters. */
  restore(state: AdamState): void {
    for (const [part, vars] of [["m", this.#m], ["v", this.#v]] as const) {
      const values = state[part];
      for (const [name, variable] of vars) {
        const data = values.get(name);
        const size = variable.size;
        if (!data || data.length !== size) {
          throw new Error(
            `Adam.restore: ${part}["${name}"] needs ${size} values, found ${
              data?.length ?? "none"
            }`,
          );
        }
        tf.tidy(() => variable.assign(tf.tensor(data, variable.shape, "float32")));
      }
    }
    this.#step = state.step;
  }

  /** Releases the moment tensors (not the parameters). */
  dispose(): void {
    for (const v of [...this.#m.values(), ...this.#v.values()]) v.dispose();
    this.#m.clear();
    this.#v.clear();
  }
}
