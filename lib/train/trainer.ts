/**
 * Training one model on a sequence source: mini-batches of 50 in a fresh
 * seeded order every epoch, dropout masks seeded per batch, Adam on the
 * model's parameters only, and a stop with {@link TrainingDivergedError} as
 * soon as the loss is not finite. Everything random comes from the run seed
 * through {@link Prng} streams named by epoch, so an epoch can be replayed (or
 * resumed from a checkpoint) exactly.
 *
 * @module
 */
import { tf } from "../backend/mod.ts";
import type { CellModel } from "../cells/mod.ts";
import { makeBatch, Prng, type SequenceSource } from "../data/mod.ts";
import { Adam, type AdamState } from "./adam.ts";
import { TrainingDivergedError } from "./errors.ts";
import { evaluateModel } from "./evaluate.ts";
import { ADAM_DEFAULTS, BATCH_SIZE } from "./hyperparameters.ts";
import { StepReplay } from "./step_replay.ts";
import { trainStep } from "./train_step.ts";
import { bestHeldOut, stopDecision, type StoppingRule, type StopRecord } from "./stopping.ts";

/** A snapshot of training progress, sent after every batch. */
export interface TrainProgress {
  /** Cell id. */
  cell: string;
  /** Sequence length. */
  T: number;
  /** Fold number, or null for the single split. */
  fold: number | null;
  /** Current epoch (1-based). */
  epoch: number;
  /** Number of epochs. */
  epochs: number;
  /** Batches done in this epoch. */
  batch: number;
  /** Batches per epoch. */
  batches: number;
  /** Mean training loss of this epoch so far. */
  loss: number;
  /** Training accuracy (with dropout) of this epoch so far. */
  accuracy: number;
  /** Training sequences per second in this epoch so far. */
  seqPerSec: number;
  /** Milliseconds since training started (this process). */
  elapsedMs: number;
  /** Estimated milliseconds until training ends. */
  etaMs: number;
  /** True on the last batch of an epoch. */
  epochDone: boolean;
  /** With early stopping, once an epoch was scored: where the held-out accuracy stands. */
  heldOut?: HeldOutProgress;
}

/** The held-out accuracy of early stopping, as a progress report shows it. */
export interface HeldOutProgress {
  /** The last scored epoch. */
  epoch: number;
  /** Its held-out accuracy (fraction). */
  accuracy: number;
  /** The best epoch as the rule counts it (see `bestHeldOut`). */
  best: { epoch: number; accuracy: number };
  /** The accuracy at which the run stops (fraction), or null. */
  target: number | null;
}

/** Summary of one epoch. */
export interface EpochStats {
  /** Epoch number (1-based). */
  epoch: number;
  /** Mean training loss. */
  loss: number;
  /** Training accuracy (with dropout). */
  accuracy: number;
  /** Wall-clock seconds. */
  seconds: number;
  /** Training sequences per second. */
  seqPerSec: number;
  /** Accuracy on the held-out samples of an early-stopping rule (fraction), when there is one. */
  heldOutAccuracy?: number;
}

/** Early stopping: the rule, the held-out samples it decides on, and the target and floor accuracies. */
export interface EarlyStopping {
  /** The rule (patience, minimum gain). */
  rule: StoppingRule;
  /** The source of the held-out samples (never the reported test samples). */
  source: SequenceSource;
  /** The held-out samples of `source`. */
  indices: ArrayLike<number>;
  /** Stop once the held-out accuracy reaches this fraction (null: no target). */
  target: number | null;
  /** A plateau stops only once the best held-out accuracy reaches this fraction (null or absent: always). */
  floor?: number | null;
}

/** Everything needed to continue training after a completed epoch. */
export interface TrainCheckpoint {
  /** Epochs completed. */
  epoch: number;
  /** Stats of every completed epoch. */
  history: EpochStats[];
  /** Parameter values by name. */
  params: Map<string, Float32Array>;
  /** Optimiser state. */
  adam: AdamState;
}

/** Options of {@link trainModel}. */
export interface TrainOptions {
  /** Number of epochs. */
  epochs: number;
  /** Adam's learning rate. */
  learningRate: number;
  /** Seed of the sample order and the dropout masks. */
  seed: number;
  /** Mini-batch size (default 50). */
  batchSize?: number;
  /** The samples of the source to train on (default all). */
  indices?: ArrayLike<number>;
  /** Fold number, for progress and error messages (default null). */
  fold?: number | null;
  /** Called after every batch; training waits for a returned promise. */
  onProgress?: (p: TrainProgress) => void | Promise<void>;
  /** Called after every epoch with a checkpoint; training waits for it. */
  onEpoch?: (checkpoint: TrainCheckpoint) => void | Promise<void>;
  /** Continue from this checkpoint instead of starting at epoch 1. */
  resume?: TrainCheckpoint;
  /** Stops training (with the signal's reason) between batches. */
  signal?: AbortSignal;
  /** Stop before `epochs` by a rule decided on held-out samples after every epoch. */
  stopping?: EarlyStopping;
  /**
   * Replay each batch shape's steps from a recording of their kernels (`StepReplay`)
   * rather than run every step through tfjs's engine (default true; the same bits).
   */
  replay?: boolean;
}

/** The result of {@link trainModel}. */
export interface TrainResult {
  /** Stats of every epoch (including resumed ones). */
  history: EpochStats[];
  /** Seconds spent training in this call. */
  seconds: number;
  /** Number of optimiser steps in total. */
  steps: number;
  /** With early stopping: where and why training stopped. */
  stop?: StopRecord;
}

/** The sample order of `epoch` (1-based): a permutation of `indices` drawn from the run seed. */
export function epochOrder(seed: number, epoch: number, indices: ArrayLike<number>): Int32Array {
  const perm = new Prng(seed).fork(`shuffle/epoch-${epoch}`).permutation(indices.length);
  const out = new Int32Array(indices.length);
  for (let i = 0; i < out.length; i++) out[i] = indices[perm[i]];
  return out;
}

/** The generator of the per-batch dropout seeds of `epoch`. */
export function dropoutSeeds(seed: number, epoch: number): Prng {
  return new Prng(seed).fork(`dropout/epoch-${epoch}`);
}

function checkIndices(source: SequenceSource, indices: ArrayLike<number>): void {
  for (let i = 0; i < indices.length; i++) {
    const v = indices[i];
    if (!(Number.isInteger(v) && v >= 0 && v < source.n)) {
      throw new RangeError(`training index ${v} is out of range, expected 0..${source.n - 1}`);
    }
  }
}

function paramValues(model: CellModel): Map<string, Float32Array> {
  return new Map(
    [...model.params].map(([k, v]) => [k, Float32Array.from(v.dataSync() as Float32Array)]),
  );
}

/**
 * Trains `model` in place.
 *
 * @throws TrainingDivergedError when a batch loss is NaN or infinite.
 *
 * @example
 * ```ts ignore
 * import { buildCell, createModel } from "../cells/mod.ts";
 * import { trainModel } from "./trainer.ts";
 * const model = createModel(buildCell("deep", 7), { seed: 1 });
 * const { history } = await trainModel(model, source, {
 *   epochs: 1, learningRate: 0.0002, seed: 1,
 * });
 * ```
 */
export async function trainModel(
  model: CellModel,
  source: SequenceSource,
  opts: TrainOptions,
): Promise<TrainResult> {
  const { spec } = model;
  if (source.width !== spec.width) {
    throw new RangeError(
      `${spec.id} (T=${spec.T}) expects images ${spec.width} columns wide, the source has ${source.width}`,
    );
  }
  const batchSize = opts.batchSize ?? BATCH_SIZE;
  const indices = opts.indices ?? Int32Array.from({ length: source.n }, (_, i) => i);
  checkIndices(source, indices);
  if (indices.length === 0) throw new RangeError("no training samples");
  const fold = opts.fold ?? null;
  const adam = new Adam(model.params, { learningRate: opts.learningRate, ...ADAM_DEFAULTS });
  const steps = new StepReplay(model, adam);
  const history: EpochStats[] = [];
  let first = 1;
  if (opts.resume) {
    const values = new Map<string, tf.Tensor>();
    for (const [k, v] of opts.resume.params) {
      const p = model.params.get(k);
      if (!p) throw new RangeError(`checkpoint parameter "${k}" is not a parameter of ${spec.id}`);
      values.set(k, tf.tensor(v, p.shape, "float32"));
    }
    for (const [k, p] of model.params) {
      const v = values.get(k);
      if (!v) throw new RangeError(`checkpoint lacks parameter "${k}" of ${spec.id}`);
      p.assign(v);
    }
    tf.dispose([...values.values()]);
    adam.restore(opts.resume.adam);
    history.push(...opts.resume.history);
    first = opts.resume.epoch + 1;
  }
  const n = indices.length;
  const batches = Math.ceil(n / batchSize);
  const stride = 28 * source.width;
  const buffer = new Float32Array(batchSize * stride);
  const started = performance.now();
  const totalBatches = (opts.epochs - first + 1) * batches;
  let batchesDone = 0;
  const stopping = opts.stopping;
  const heldOutHistory = () => history.map((h) => h.heldOutAccuracy ?? NaN);
  const decide = () =>
    stopping
      ? stopDecision(heldOutHistory(), stopping.rule, {
        target: stopping.target,
        floor: stopping.floor ?? null,
        epochs: opts.epochs,
      })
      : null;
  const heldOutProgress = (): HeldOutProgress | undefined => {
    if (!stopping) return undefined;
    const scored = heldOutHistory();
    const best = bestHeldOut(scored, stopping.rule);
    const last = scored.at(-1);
    if (best === null || last === undefined || !Number.isFinite(last)) return undefined;
    return { epoch: scored.length, accuracy: last, best, target: stopping.target };
  };
  let heldOut = heldOutProgress();
  // A run resumed after the epoch that decided to stop does not train on.
  let stop = first > 1 ? decide() : null;
  try {
    for (let epoch = first; epoch <= opts.epochs && !stop; epoch++) {
      const order = epochOrder(opts.seed, epoch, indices);
      const seeds = dropoutSeeds(opts.seed, epoch);
      const epochStart = performance.now();
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      for (let b = 0; b < batches; b++) {
        opts.signal?.throwIfAborted();
        const ids = order.subarray(b * batchSize, Math.min(n, (b + 1) * batchSize));
        const size = ids.length;
        const batch = makeBatch(source, ids, buffer.subarray(0, size * stride));
        const x = tf.tensor3d(batch.x, [size, 28, source.width]);
        const y = tf.tensor1d(batch.labels, "int32");
        let step: { loss: number; correct: number };
        try {
          step = opts.replay === false
            ? trainStep(model, adam, x, y, seeds.seed32())
            : steps.step(x, y, seeds.seed32());
        } finally {
          tf.dispose([x, y]);
        }
        if (!Number.isFinite(step.loss)) {
          throw new TrainingDivergedError(
            { cell: spec.id, fold, epoch, batch: b + 1 },
            step.loss,
          );
        }
        lossSum += step.loss * size;
        correct += step.correct;
        seen += size;
        batchesDone++;
        if (opts.onProgress) {
          const now = performance.now();
          const elapsed = now - started;
          await opts.onProgress({
            cell: spec.id,
            T: spec.T,
            fold,
            epoch,
            epochs: opts.epochs,
            batch: b + 1,
            batches,
            loss: lossSum / seen,
            accuracy: correct / seen,
            seqPerSec: seen / ((now - epochStart) / 1000),
            elapsedMs: elapsed,
            etaMs: elapsed / batchesDone * (totalBatches - batchesDone),
            epochDone: b + 1 === batches,
            ...(heldOut ? { heldOut } : {}),
          });
        }
      }
      const seconds = (performance.now() - epochStart) / 1000;
      const stats: EpochStats = {
        epoch,
        loss: lossSum / seen,
        accuracy: correct / seen,
        seconds,
        seqPerSec: seen / seconds,
      };
      if (stopping) {
        const held = await evaluateModel(model, stopping.source, { indices: stopping.indices });
        stats.heldOutAccuracy = held.accuracy;
      }
      history.push(stats);
      heldOut = heldOutProgress();
      stop = decide();
      if (opts.onEpoch) {
        await opts.onEpoch({
          epoch,
          history: [...history],
          params: paramValues(model),
          adam: adam.state(),
        });
      }
    }
  } finally {
    steps.dispose();
    adam.dispose();
  }
  return {
    history,
    seconds: (performance.now() - started) / 1000,
    steps: history.length * batches,
    ...(stop ? { stop } : {}),
  };
}
