/**
 * A stand-in for a run's dropout masks whose entries name themselves: entry i of all the
 * masks a run asks for holds i + 1. Whatever a run builds from its masks by moving
 * entries about (columns cut out, layers side by side, steps stacked) then says, entry by
 * entry, which mask entry it holds, so the same pieces can be built from real masks
 * without running the cell again.
 *
 * @module
 */
import type { MaskSource } from "./dropout_masks.ts";
import type { DropoutLike } from "./nodes/kind.ts";

/** One request a run made of its masks, and where its entries lie among all of them. */
export interface MaskRequest {
  readonly how: "step" | "stacked";
  readonly node: DropoutLike;
  readonly rows: number;
  readonly size: number;
  /** The step key (`step`) or the number of steps (`stacked`). */
  readonly key: string | number;
  /** The first of the request's entries among all the requests' entries. */
  readonly offset: number;
  readonly length: number;
}

/** The most entries whose numbers float32 holds exactly. */
const MAX_ENTRIES = 2 ** 24 - 1;

/**
 * Masks whose entries are their own numbers (from 1), one number per distinct request.
 *
 * @example
 * ```ts
 * import { Masks } from "./dropout_masks.ts";
 * import { drawRequests, MaskProbe } from "./mask_probe.ts";
 * const node = { name: "drop", mode: "step" as const };
 * const probe = new MaskProbe();
 * const codes = probe.step(node, 2, 3, "1"); // 1 … 6
 * const real = new Masks(5, 0.8, 4);
 * const [drawn] = drawRequests(probe.requests, real);
 * const mask = real.step(node, 2, 3, "1");
 * if (!codes.every((c, i) => drawn[c - 1] === mask[i])) throw new Error("entries");
 * ```
 */
export class MaskProbe implements MaskSource {
  /** The requests, in the order they were first made. */
  readonly requests: MaskRequest[] = [];
  readonly #made = new Map<string, Float32Array>();
  #entries = 0;

  /** How many entries the requests hold in all. */
  get entries(): number {
    return this.#entries;
  }

  /** The numbered stand-in for {@link MaskSource.step}. */
  step(node: DropoutLike, rows: number, size: number, key: string): Float32Array {
    return this.#request("step", node, rows, size, key, rows * size);
  }

  /** The numbered stand-in for {@link MaskSource.stacked}. */
  stacked(node: DropoutLike, rows: number, size: number, steps: number): Float32Array {
    return this.#request("stacked", node, rows, size, steps, steps * rows * size);
  }

  #request(
    how: MaskRequest["how"],
    node: DropoutLike,
    rows: number,
    size: number,
    key: string | number,
    length: number,
  ): Float32Array {
    const id = `${how}|${node.name}|${node.mode}|${rows}|${size}|${key}`;
    const made = this.#made.get(id);
    if (made) return made;
    const offset = this.#entries;
    if (offset + length > MAX_ENTRIES) {
      throw new RangeError(`MaskProbe: more than ${MAX_ENTRIES} mask entries cannot be numbered`);
    }
    const codes = new Float32Array(length);
    for (let i = 0; i < length; i++) codes[i] = offset + i + 1;
    this.requests.push({ how, node, rows, size, key, offset, length });
    this.#made.set(id, codes);
    this.#entries += length;
    return codes;
  }
}

/** Each of `requests` drawn from `masks` (views the source may share: read them, never write). */
export function drawRequests(
  requests: readonly MaskRequest[],
  masks: MaskSource,
): Float32Array[] {
  return requests.map((r) =>
    r.how === "step"
      ? masks.step(r.node, r.rows, r.size, r.key as string)
      : masks.stacked(r.node, r.rows, r.size, r.key as number)
  );
}
