/**
 * Which explanation methods an experiment evaluates a cell with. The thesis's
 * cells take the thesis's four methods (SA, GB, DTD, LRP-α1.5β0.5). The
 * thesis's composites are built for non-negative states: on the standard
 * LSTM and GRU, whose states are real-valued, LRP-α1.5β0.5 is rejected (and
 * DTD too on the LSTM). They take SA, GB and the published LRP rule for LSTMs
 * and GRUs, LRP-ε with the bias absorbed (Arras et al. 2017, 2019).
 *
 * @module
 */
import { ExperimentInputError } from "./errors.ts";
import { EXPERIMENT_METHODS } from "./heatmaps.ts";

/** The standard recurrent cells compared with the thesis's. */
export const STANDARD_CELLS: readonly string[] = ["lstm", "gru"];

/** The methods of the standard LSTM and GRU: SA, GB and their published LRP rule. */
export const STANDARD_CELL_METHODS: readonly string[] = ["sa", "gb", "lrp-epsilon"];

/** The relevance-propagation (LRP-type) methods among the evaluated ones. */
export const LRP_METHODS: readonly string[] = ["dtd", "lrp-a1.5b0.5", "lrp-epsilon"];

/**
 * The methods an experiment evaluates `cell` with: {@link STANDARD_CELL_METHODS}
 * for the standard LSTM and GRU, the thesis's four methods for every other cell.
 *
 * @example
 * ```ts
 * import { evaluationMethods } from "./cell_methods.ts";
 * if (evaluationMethods("lstm").join() !== "sa,gb,lrp-epsilon") throw new Error();
 * if (evaluationMethods("rlstm").join() !== "sa,gb,dtd,lrp-a1.5b0.5") throw new Error();
 * ```
 */
export function evaluationMethods(cell: string): readonly string[] {
  return STANDARD_CELLS.includes(cell) ? STANDARD_CELL_METHODS : EXPERIMENT_METHODS;
}

/**
 * The methods `cell` is evaluated with among `asked` (null: all of
 * {@link evaluationMethods}), in the order asked; none of them applying
 * throws {@link ExperimentInputError} naming the cell's methods.
 *
 * @example
 * ```ts
 * import { methodsFor } from "./cell_methods.ts";
 * if (methodsFor("gru", ["sa", "dtd"]).join() !== "sa") throw new Error();
 * ```
 */
export function methodsFor(cell: string, asked: readonly string[] | null): string[] {
  const own = evaluationMethods(cell);
  if (asked === null) return [...own];
  const kept = asked.filter((m) => own.includes(m));
  if (kept.length === 0) {
    throw new ExperimentInputError(
      `none of the methods ${asked.join(", ")} apply to cell "${cell}"; its methods: ${
        own.join(", ")
      }`,
    );
  }
  return kept;
}
