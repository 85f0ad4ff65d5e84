/**
 * Which sequence lengths T a cell can have on a task: T = 12 reads the 84-wide
 * MAJ images, the other lengths the 28-wide plain ones.
 *
 * @module
 */
import { buildCell, CELL_LENGTHS, type CellId } from "../cells/mod.ts";
import { RunOptionError } from "./errors.ts";

/** Whether `dataset` is one of the MAJ tasks (`*-maj`), whose images are 84 columns wide. */
export function isMajTask(dataset: string): boolean {
  return dataset.endsWith("-maj");
}

/**
 * The sequence length of `cell` on task `dataset`: `T` when it fits the
 * task's image width, else, when `T` is not given, the only length that does
 * (12 on the MAJ tasks). Throws {@link RunOptionError} listing the valid ones.
 *
 * @example
 * ```ts
 * import { sequenceLength } from "./sequence_length.ts";
 * if (sequenceLength("deep", "mnist-maj") !== 12) throw new Error();
 * ```
 */
export function sequenceLength(cell: CellId, dataset: string, T?: number): number {
  const maj = isMajTask(dataset);
  const lengths = CELL_LENGTHS[cell].filter((t) => maj ? t === 12 : t !== 12);
  if (T === undefined) {
    if (lengths.length !== 1) {
      throw new RunOptionError(
        lengths.length === 0
          ? `cell "${cell}" cannot run on ${dataset}: it is defined for T = ${
            CELL_LENGTHS[cell].join(", ")
          } (T = 12 needs a MAJ dataset, other lengths a plain one)`
          : `cell "${cell}" on ${dataset} needs T; valid: ${lengths.join(", ")}`,
      );
    }
    return lengths[0];
  }
  if (!lengths.includes(T)) {
    throw new RunOptionError(
      `${cell} with T = ${T} reads images ${buildCell(cell, T).width} columns wide, but ` +
        `${dataset} has ${maj ? 84 : 28}-wide images; valid T for ${cell} on ${dataset}: ${
          lengths.join(", ") || "none"
        }`,
    );
  }
  return T;
}
