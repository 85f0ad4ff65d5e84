/**
 * What the fast path's layer groups (`dense_groups.ts`, `conv_groups.ts`) share:
 * who reads each value, and a concatenation's inputs as terms of a layer's
 * product, each marked hoisted (state-free: computed over all steps at once) or
 * state (zero at step 0, where its term vanishes).
 *
 * @module
 */
import type { CellGraph } from "./graph.ts";
import { kindOf } from "./nodes/registry.ts";
import type { CellSpec } from "./spec.ts";

/** One input of a concatenation read by a group of layers. */
export interface Term {
  /** The value read. */
  source: string;
  /** Its part of the concatenation's last axis: [offset, offset + width). */
  offset: number;
  width: number;
  /** The value does not depend on the state: its product is computed over all steps at once. */
  hoisted: boolean;
  /** The value is a state: zero at step 0, where the term vanishes. */
  state: boolean;
}

/**
 * The readers of every value of a cell: step nodes by name, `@output` for the
 * output graph and `@state` for a state's next value.
 *
 * @example
 * ```ts
 * import { buildCell } from "./mod.ts";
 * import { readersOf } from "./concat_terms.ts";
 * const readers = readersOf(buildCell("rlstm", 12));
 * // the gate layers and the candidate read the concatenation z
 * if (readers.get("z")!.join() !== "i_gate,f_gate,o_gate,g") throw new Error();
 * ```
 */
export function readersOf(spec: CellSpec): Map<string, string[]> {
  const readers = new Map<string, string[]>();
  const read = (value: string, by: string) => readers.set(value, [...readers.get(value) ?? [], by]);
  for (const n of spec.step) for (const i of kindOf(n).inputs(n)) read(i, n.name);
  for (const n of spec.output) for (const i of kindOf(n).inputs(n)) read(i, "@output");
  for (const s of spec.states) read(s.next, "@state");
  return readers;
}

/**
 * The inputs `sources` of a concatenation as terms, laid side by side along its last
 * axis, with `width` the extent of a value along that axis (undefined: no terms, null).
 */
export function concatTerms(
  sources: readonly string[],
  spec: CellSpec,
  graph: CellGraph,
  width: (name: string) => number | undefined,
): Term[] | null {
  const widths = sources.map(width);
  if (widths.some((w) => w === undefined)) return null;
  const states = new Set(spec.states.map((s) => s.name));
  let offset = 0;
  return sources.map((source, i): Term => {
    const term = {
      source,
      offset,
      width: widths[i]!,
      hoisted: source === "x" || graph.stateFree.has(source),
      state: states.has(source),
    };
    offset += widths[i]!;
    return term;
  });
}
