/**
 * The verdicts of an executed notebook: every claims display carries its
 * outcomes as JSON (`CLAIMS_MIME`); the report gathers them from the
 * notebooks' outputs, so the front page says exactly what the notebooks say.
 *
 * @module
 */
import { type ClaimOutcome, CLAIMS_MIME, type Verdict, VERDICTS } from "../experiments/mod.ts";

/** The parts of a notebook file read here. */
export interface NotebookOutputs {
  cells: { cell_type: string; outputs?: { data?: Record<string, unknown> }[] }[];
}

/**
 * Every claim outcome displayed in a notebook, in order.
 *
 * @example
 * ```ts
 * import { notebookOutcomes } from "./verdicts.ts";
 * const nb = { cells: [{ cell_type: "code", outputs: [] }] };
 * if (notebookOutcomes(nb).length !== 0) throw new Error();
 * ```
 */
export function notebookOutcomes(nb: NotebookOutputs): ClaimOutcome[] {
  const out: ClaimOutcome[] = [];
  for (const cell of nb.cells) {
    for (const o of cell.outputs ?? []) {
      const payload = o.data?.[CLAIMS_MIME] as { outcomes?: ClaimOutcome[] } | undefined;
      if (payload?.outcomes) out.push(...payload.outcomes);
    }
  }
  return out;
}

/** How many outcomes have each verdict. */
export function verdictCounts(outcomes: readonly ClaimOutcome[]): Record<Verdict, number> {
  const counts = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
  for (const o of outcomes) counts[o.verdict]++;
  return counts;
}
