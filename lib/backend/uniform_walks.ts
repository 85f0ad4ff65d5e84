/**
 * The containers tfjs's engine walks, kept to one kind per walk.
 *
 * The engine walks containers with `for … in` loops in its hottest bookkeeping: the
 * inputs of every gradient-tape node (when it filters the tape and back-propagates) and
 * the result of every scope (every operation and `tidy`, for the tensors it hands to the
 * enclosing scope). Most of them are objects with named keys, but some are keyed by
 * position: the inputs of `concat` (an array) and of `customGrad` (`{0: a, 1: b}`, which
 * tfjs's fused products use), and the lists that `split` returns. V8 optimises such a
 * loop for the objects it has seen and deoptimises it ("wrong map") whenever the other
 * kind comes by, again and again: Deep training deoptimised about 30 times per 100 steps,
 * nearly all in three tfjs functions (`getFilteredNodesXToY`, `walkTensorContainer`,
 * `Engine.endScope`), each time followed by a recompile on V8's background threads, which
 * use a quarter to a third less CPU beside a training once the walks see one kind (the
 * README's performance section has the measurements).
 *
 * Here each walk sees one kind. A tape node whose inputs are keyed by position records
 * them under names (`i0`, `i1`, …) and its gradient's results are renamed to match; a
 * scope's result that is neither a tensor nor a list of tensors reaches the engine as the
 * flat list of the tensors in it. The engine does the same with them: the same tensors are
 * tracked, kept and disposed, the same gradients flow, and nothing numeric changes.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** A node of tfjs's gradient tape, as far as this module touches it. */
interface TapeNode {
  inputs: Record<string, tf.Tensor>;
  gradient?: (dys: tf.Tensor[]) => Record<string, () => tf.Tensor>;
}

/** The part of the tfjs engine this module replaces and uses. */
interface EngineInternals {
  addTapeNode(
    kernelName: string,
    inputs: Record<string, tf.Tensor>,
    outputs: tf.Tensor[],
    gradientsFunc: unknown,
    saved: tf.Tensor[],
    attrs: unknown,
  ): void;
  endScope(result?: unknown): void;
  state: { activeTape: TapeNode[] };
}

function engineClass(): EngineInternals {
  return Object.getPrototypeOf(tf.engine()) as EngineInternals;
}

/** Keys of the containers tfjs keys by position, as names. */
function named<T>(byPosition: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const key of Object.keys(byPosition)) out[`i${key}`] = byPosition[key];
  return out;
}

/** Whether a tape node's inputs are keyed by position (an array, or `customGrad`'s map). */
function byPosition(inputs: object): boolean {
  return Array.isArray(inputs) || Object.hasOwn(inputs, "0");
}

/** The tensors in `container` (nested arrays and objects), each once, in walking order. */
function tensorsIn(container: unknown, out: tf.Tensor[], seen: Set<unknown>): tf.Tensor[] {
  if (container instanceof tf.Tensor) {
    out.push(container);
  } else if (container !== null && typeof container === "object") {
    const values = Array.isArray(container) ? container : Object.values(container);
    for (const value of values) {
      if (value === null || typeof value !== "object" || seen.has(value)) continue;
      seen.add(value);
      tensorsIn(value, out, seen);
    }
  }
  return out;
}

let original: Pick<EngineInternals, "addTapeNode" | "endScope"> | undefined;

function addNamedTapeNode(
  this: EngineInternals,
  ...args: Parameters<EngineInternals["addTapeNode"]>
): void {
  const [kernelName, inputs, ...rest] = args;
  if (!byPosition(inputs)) return original!.addTapeNode.apply(this, args);
  original!.addTapeNode.call(this, kernelName, named(inputs), ...rest);
  const tape = this.state.activeTape;
  const node = tape[tape.length - 1];
  const gradient = node.gradient;
  if (gradient) node.gradient = (dys) => named(gradient(dys));
}

/** Whether the engine's walk over `result` meets only arrays: a tensor, or a list of them. */
function walkedAsArrays(result: unknown): boolean {
  if (result === null || typeof result !== "object" || result instanceof tf.Tensor) return true;
  return Array.isArray(result) && result.every((r) => r instanceof tf.Tensor);
}

function endScopeOnTensors(this: EngineInternals, result?: unknown): void {
  original!.endScope.call(this, walkedAsArrays(result) ? result : tensorsIn(result, [], new Set()));
}

/**
 * Turns the one-kind walks on or off for the whole process ({@link initBackend} turns
 * them on) and returns whether they were on before.
 *
 * @example
 * ```ts
 * import { tf } from "./mod.ts";
 * import { uniformEngineWalks } from "./uniform_walks.ts";
 * const before = uniformEngineWalks(true);
 * const x = tf.tensor1d([1, 2, 3]);
 * const g = tf.grad((v: tf.Tensor) => tf.sum(tf.concat([v, tf.mul(v, 2)])))(x);
 * if (Array.from(g.dataSync()).join() !== "3,3,3") throw new Error("d/dv of sum([v, 2v]) is 3");
 * tf.dispose([x, g]);
 * uniformEngineWalks(before);
 * ```
 */
export function uniformEngineWalks(on: boolean): boolean {
  const engine = engineClass();
  const was = original !== undefined;
  if (on && !was) {
    original = { addTapeNode: engine.addTapeNode, endScope: engine.endScope };
    engine.addTapeNode = addNamedTapeNode;
    engine.endScope = endScopeOnTensors;
  } else if (!on && was) {
    engine.addTapeNode = original!.addTapeNode;
    engine.endScope = original!.endScope;
    original = undefined;
  }
  return was;
}
