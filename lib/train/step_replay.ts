/**
 * Training steps replayed as the kernel calls of a recorded step: the same kernels on the
 * same values in the same order, so the same bits, without tfjs's engine around them
 * (tensors, gradient tape, scopes), which costs a dense cell's step about a third of its
 * time.
 *
 * The first steps of each batch shape run through the engine and are recorded. Once two
 * steps in a row made the same calls, a third run (its result thrown away) numbers the
 * dropout masks' entries (`MaskProbe`), and every value written during the step is sorted
 * out: the same in all three (a constant of the program), or built from mask entries
 * (rebuilt from each later step's own masks); anything else, or a step that reads a
 * value on the way, keeps the shape on the engine's path. The rebuilt masks are checked
 * against the two recorded steps' own before the program is used.
 *
 * @module
 */
import {
  KernelProgram,
  type KernelRecording,
  recordKernels,
  sameShape,
  type TensorValues,
  tf,
} from "../backend/mod.ts";
import { type CellModel, drawRequests, MaskProbe, type MaskRequest, Masks } from "../cells/mod.ts";
import type { Adam } from "./adam.ts";
import {
  applyStep,
  type StepResult,
  type StepTensors,
  stepTensors,
  trainStep,
} from "./train_step.ts";

/** Steps of one shape recorded, at most, while looking for two that make the same calls. */
const MAX_RECORDED = 4;

/** The slots a step's inputs and results took in its recording. */
interface Roles {
  x: number;
  labels: number;
  /** Parameter key and slot, for the parameters the step reads. */
  params: [string, number][];
  loss: number;
  correct: number;
  /** Parameter key and slot of each gradient. */
  grads: [string, number][];
}

/** One recorded step. */
interface Take {
  recording: KernelRecording;
  roles: Roles;
  seed: number;
  signature: string;
}

/** A mask tensor of the program: its slot, and the runs of mask entries it holds, in order. */
interface MaskPiece {
  slot: number;
  shape: number[];
  /** Triples of a request, the first of the run's entries in it and the run's length. */
  runs: Int32Array;
  length: number;
}

/** A shape's program and how to feed it. */
interface Compiled {
  program: KernelProgram;
  paramKeys: string[];
  gradKeys: string[];
  requests: readonly MaskRequest[];
  pieces: MaskPiece[];
}

type ShapeState =
  | { readonly phase: "recording"; last: Take | null; recorded: number }
  | { readonly phase: "replaying"; compiled: Compiled }
  | { readonly phase: "engine"; reason: string };

/** Why a recording cannot become a program. */
class NotReplayable extends Error {}

function outsideSlot(recording: KernelRecording, t: tf.TensorInfo): number | undefined {
  const i = recording.slots.findIndex((s) =>
    s.origin.kind === "outside" && s.origin.dataId === t.dataId && sameShape(s.shape, t.shape)
  );
  return i < 0 ? undefined : i;
}

function rolesOf(
  recording: KernelRecording,
  model: CellModel,
  x: tf.Tensor,
  labels: tf.Tensor,
  out: StepTensors,
): Roles {
  const input = (t: tf.Tensor, what: string) => {
    const slot = outsideSlot(recording, t);
    if (slot === undefined) throw new NotReplayable(`the step does not read its ${what}`);
    return slot;
  };
  const result = (t: tf.Tensor) => {
    const slot = recording.slotOf(t);
    if (slot === undefined) {
      throw new NotReplayable(`a result [${t.shape}] has no slot of its shape`);
    }
    return slot;
  };
  const params: [string, number][] = [];
  for (const [key, p] of model.params) {
    const slot = outsideSlot(recording, p);
    if (slot !== undefined) params.push([key, slot]);
  }
  return {
    x: input(x, "images"),
    labels: input(labels, "labels"),
    params,
    loss: result(out.loss),
    correct: result(out.correct),
    grads: [...out.grads].map(([key, g]) => [key, result(g)]),
  };
}

/** The calls, the slots and the roles: what two steps must share to be one program. */
function signatureOf(recording: KernelRecording, roles: Roles): string {
  return JSON.stringify({
    calls: recording.calls,
    slots: recording.slots.map((s) => [s.shape, s.dtype, s.origin.kind]),
    roles,
  });
}

function valuesOf(recording: KernelRecording, slot: number): TensorValues {
  const origin = recording.slots[slot].origin;
  if (origin.kind === "kernel") throw new Error(`slot ${slot} is a kernel's output`);
  return origin.values;
}

function sameBits(a: TensorValues, b: TensorValues): boolean {
  if (a.byteLength !== b.byteLength) return false;
  const [u, v] = [a, b].map((t) => new Uint8Array(t.buffer, t.byteOffset, t.byteLength));
  return u.every((byte, i) => byte === v[i]);
}

/** The request that holds entry `e` (of all the requests' entries, in order). */
function requestOf(requests: readonly MaskRequest[], e: number): number {
  let [low, high] = [0, requests.length - 1];
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (requests[mid].offset <= e) low = mid;
    else high = mid - 1;
  }
  return low;
}

/** The runs of mask entries `codes` name (entry numbers from 1), or null where they name none. */
function entryRuns(
  codes: TensorValues,
  requests: readonly MaskRequest[],
  entries: number,
): Int32Array | null {
  const runs: number[] = [];
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i];
    if (!(Number.isInteger(c) && c >= 1 && c <= entries)) return null;
    const request = requestOf(requests, c - 1);
    const at = c - 1 - requests[request].offset;
    const last = runs.length - 3;
    if (last >= 0 && runs[last] === request && runs[last + 1] + runs[last + 2] === at) {
      runs[last + 2]++;
    } else runs.push(request, at, 1);
  }
  return Int32Array.from(runs);
}

/** A mask tensor's values, from each request's drawn masks. */
function gather(drawn: readonly Float32Array[], piece: MaskPiece): Float32Array {
  const { runs, length } = piece;
  if (runs.length === 3) return drawn[runs[0]].subarray(runs[1], runs[1] + length);
  const out = new Float32Array(length);
  for (let r = 0, at = 0; r < runs.length; r += 3) {
    out.set(drawn[runs[r]].subarray(runs[r + 1], runs[r + 1] + runs[r + 2]), at);
    at += runs[r + 2];
  }
  return out;
}

/** Writes `values` as a tensor of the backend, outside tfjs's engine. */
function writeInfo(values: Float32Array, shape: number[]): tf.TensorInfo {
  return { dataId: tf.backend().write(values, shape, "float32"), shape, dtype: "float32" };
}

/**
 * Runs training steps, replaying each batch shape's steps from a recording of their
 * kernels once it can (see the module comment); the weights come out bit for bit as
 * {@link trainStep}'s. Leaves no tensors behind; `dispose` frees the programs.
 *
 * @example
 * ```ts
 * import { initBackend } from "../backend/mod.ts";
 * import { buildCell, createModel, disposeModel } from "../cells/mod.ts";
 * import { Adam } from "./adam.ts";
 * import { benchBatch } from "./bench.ts";
 * import { ADAM_DEFAULTS } from "./hyperparameters.ts";
 * import { StepReplay } from "./step_replay.ts";
 * await initBackend({ quiet: true });
 * const model = createModel(buildCell("deep", 4), { seed: 1 });
 * const adam = new Adam(model.params, { learningRate: 1e-3, ...ADAM_DEFAULTS });
 * const steps = new StepReplay(model, adam);
 * const { x, y } = benchBatch(model.spec.width, 8, 1);
 * for (let i = 0; i < 5; i++) steps.step(x, y, i);
 * if ([...steps.phases().values()][0] !== "replaying") throw new Error("not replayed");
 * steps.dispose(); x.dispose(); y.dispose(); adam.dispose(); disposeModel(model);
 * ```
 */
export class StepReplay {
  readonly #model: CellModel;
  readonly #adam: Adam;
  readonly #shapes = new Map<string, ShapeState>();

  /** Steps of `model` updated by `adam`. */
  constructor(model: CellModel, adam: Adam) {
    this.#model = model;
    this.#adam = adam;
  }

  /** How each batch shape runs: `recording`, `replaying`, or on the engine and why. */
  phases(): Map<string, string> {
    return new Map(
      [...this.#shapes].map((
        [shape, s],
      ) => [shape, s.phase === "engine" ? `engine: ${s.reason}` : s.phase]),
    );
  }

  /** One optimisation step on a batch, as {@link trainStep} takes it. */
  step(x: tf.Tensor, labels: tf.Tensor1D, dropoutSeed: number): StepResult {
    const shape = `${x.shape}|${labels.shape}|${tf.getBackend()}`;
    let state = this.#shapes.get(shape);
    if (!state) {
      state = { phase: "recording", last: null, recorded: 0 };
      this.#shapes.set(shape, state);
    }
    if (state.phase === "replaying") return this.#replay(state.compiled, x, labels, dropoutSeed);
    if (state.phase === "engine") return trainStep(this.#model, this.#adam, x, labels, dropoutSeed);
    return this.#record(shape, state, x, labels, dropoutSeed);
  }

  #record(
    shape: string,
    state: ShapeState & { phase: "recording" },
    x: tf.Tensor,
    labels: tf.Tensor1D,
    seed: number,
  ): StepResult {
    const model = this.#model;
    const { result, recording } = recordKernels(() => stepTensors(model, x, labels, seed));
    let take: Take | null = null;
    let refused: string | null = null;
    try {
      if (recording.reads > 0) throw new NotReplayable("the step reads values on the way");
      if (recording.unsupported) throw new NotReplayable(`the step has ${recording.unsupported}`);
      const roles = rolesOf(recording, model, x, labels, result);
      take = { recording, roles, seed, signature: signatureOf(recording, roles) };
    } catch (e) {
      if (!(e instanceof NotReplayable)) throw e;
      refused = e.message;
    }
    const out = applyStep(this.#adam, result);
    if (refused !== null) {
      this.#shapes.set(shape, { phase: "engine", reason: refused });
      return out;
    }
    const last = state.last;
    state.last = take;
    state.recorded++;
    if (last && last.signature === take!.signature) {
      try {
        const compiled = this.#compile(last, take!, x, labels);
        this.#shapes.set(shape, { phase: "replaying", compiled });
      } catch (e) {
        if (!(e instanceof NotReplayable)) throw e;
        this.#shapes.set(shape, { phase: "engine", reason: e.message });
      }
    } else if (state.recorded >= MAX_RECORDED) {
      this.#shapes.set(shape, {
        phase: "engine",
        reason: `no two of ${MAX_RECORDED} steps in a row made the same kernel calls`,
      });
    }
    return out;
  }

  /** A program from two recorded steps and a probe of the masks. */
  #compile(a: Take, b: Take, x: tf.Tensor, labels: tf.Tensor1D): Compiled {
    const model = this.#model;
    const probe = new MaskProbe();
    const { result, recording } = recordKernels(() => stepTensors(model, x, labels, b.seed, probe));
    tf.dispose([result.loss, result.correct, ...result.grads.values()]);
    if (
      recording.reads > 0 || recording.unsupported ||
      signatureOf(recording, rolesOf(recording, model, x, labels, result)) !== b.signature
    ) {
      throw new NotReplayable("the step makes other kernel calls with numbered masks");
    }
    const { roles } = b;
    const inputs = new Set([roles.x, roles.labels, ...roles.params.map(([, s]) => s)]);
    const { keepProb } = model.options;
    const { T } = model.spec;
    const drawn = [a, b].map((t) => drawRequests(probe.requests, new Masks(t.seed, keepProb, T)));
    const pieces: MaskPiece[] = [];
    b.recording.slots.forEach((s, slot) => {
      if (s.origin.kind === "kernel" || inputs.has(slot)) return;
      const [va, vb, vp] = [a.recording, b.recording, recording].map((r) => valuesOf(r, slot));
      if (sameBits(va, vb) && sameBits(vb, vp)) return;
      const runs = s.origin.kind === "written" && s.dtype === "float32"
        ? entryRuns(vp, probe.requests, probe.entries)
        : null;
      if (runs === null) {
        throw new NotReplayable(
          `a ${s.origin.kind} tensor [${s.shape}] changes from step to step and is not a dropout mask`,
        );
      }
      const piece: MaskPiece = { slot, shape: [...s.shape], runs, length: vp.length };
      if (!sameBits(gather(drawn[0], piece), va) || !sameBits(gather(drawn[1], piece), vb)) {
        throw new NotReplayable(`a tensor [${s.shape}] built from mask entries does not rebuild`);
      }
      pieces.push(piece);
    });
    const paramKeys = roles.params.map(([key]) => key);
    const program = new KernelProgram(b.recording, {
      bound: [
        roles.x,
        roles.labels,
        ...roles.params.map(([, s]) => s),
        ...pieces.map((q) => q.slot),
      ],
      results: [roles.loss, roles.correct, ...roles.grads.map(([, s]) => s)],
    });
    return {
      program,
      paramKeys,
      gradKeys: roles.grads.map(([key]) => key),
      requests: probe.requests,
      pieces,
    };
  }

  #replay(c: Compiled, x: tf.Tensor, labels: tf.Tensor1D, seed: number): StepResult {
    const model = this.#model;
    const all = c.pieces.length === 0
      ? null
      : drawRequests(c.requests, new Masks(seed, model.options.keepProb, model.spec.T));
    const masks = c.pieces.map((piece) => writeInfo(gather(all!, piece), piece.shape));
    let results: tf.TensorInfo[];
    try {
      results = c.program.run([
        x,
        labels,
        ...c.paramKeys.map((k) => model.params.get(k)!),
        ...masks,
      ]);
    } finally {
      const backend = tf.backend();
      for (const m of masks) backend.disposeData(m.dataId);
    }
    const engine = tf.engine();
    const [loss, correct, ...grads] = results.map((info) => engine.makeTensorFromTensorInfo(info));
    return applyStep(this.#adam, {
      loss: loss as tf.Scalar,
      correct: correct as tf.Scalar,
      grads: new Map(c.gradKeys.map((key, i) => [key, grads[i]])),
    });
  }

  /** Frees the programs' constants. */
  dispose(): void {
    for (const s of this.#shapes.values()) {
      if (s.phase === "replaying") s.compiled.program.dispose();
    }
    this.#shapes.clear();
  }
}
