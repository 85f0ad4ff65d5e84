/**
 * Column-wise sequences. An image of 28 rows and W columns (row-major) is cut
 * into T steps: step t holds columns [t·c, (t+1)·c) with c = W/T, flattened
 * row-major (index = row·c + col), so each step has 28·c inputs. The inverse
 * maps per-step values (e.g. relevance) back onto the 28×W image.
 *
 * @module
 */

import { SequenceShapeError } from "./errors.ts";

/** Rows of every image. */
export const SEQUENCE_ROWS = 28;

/**
 * Columns per step, c = width / steps; throws {@link SequenceShapeError} if
 * `steps` does not divide `width`.
 *
 * @example
 * ```ts
 * import { stepColumns } from "./sequences.ts";
 * if (stepColumns(84, 12) !== 7) throw new Error("bad");
 * ```
 */
export function stepColumns(width: number, steps: number): number {
  if (!Number.isInteger(width) || width <= 0 || !Number.isInteger(steps) || steps <= 0) {
    throw new SequenceShapeError(
      `width and steps must be positive integers, found width=${width}, steps=${steps}`,
    );
  }
  if (width % steps !== 0) {
    const divisors = [];
    for (let t = 1; t <= width; t++) if (width % t === 0) divisors.push(t);
    throw new SequenceShapeError(
      `width ${width} is not divisible by ${steps} steps; valid step counts: ${
        divisors.join(", ")
      }`,
    );
  }
  return width / steps;
}

/** Inputs per step, 28·c. */
export function stepInputs(width: number, steps: number): number {
  return SEQUENCE_ROWS * stepColumns(width, steps);
}

function checkLength(what: string, array: Float32Array, expected: number, layout: string): void {
  if (array.length !== expected) {
    throw new SequenceShapeError(
      `${what} has ${array.length} values, expected ${expected} (${layout})`,
    );
  }
}

/**
 * Copies every 28×c step block between the image layout [batch, 28, width]
 * and the step layout [batch, steps, 28·c] (row-major inside a block), in
 * the direction named.
 */
function copyBlocks(
  from: Float32Array,
  to: Float32Array,
  batch: number,
  width: number,
  steps: number,
  direction: "toSteps" | "fromSteps",
): void {
  const c = width / steps;
  const image = SEQUENCE_ROWS * width;
  for (let b = 0; b < batch; b++) {
    const base = b * image;
    for (let t = 0; t < steps; t++) {
      for (let r = 0; r < SEQUENCE_ROWS; r++) {
        const pixel = base + r * width + t * c;
        const stepped = base + t * SEQUENCE_ROWS * c + r * c;
        if (direction === "toSteps") to.set(from.subarray(pixel, pixel + c), stepped);
        else to.set(from.subarray(stepped, stepped + c), pixel);
      }
    }
  }
}

/**
 * Splits a batch of images `[batch, 28, width]` into steps `[batch, steps, 28·c]`.
 *
 * @example
 * ```ts
 * import { toSteps } from "./sequences.ts";
 * const x = Float32Array.from({ length: 28 * 28 }, (_, i) => i);
 * const s = toSteps(x, 1, 28, 4); // 4 steps of 28·7 values
 * if (s[1] !== 1 || s[7] !== 28) throw new Error("not row-major within a step");
 * ```
 */
export function toSteps(
  x: Float32Array,
  batch: number,
  width: number,
  steps: number,
  out?: Float32Array,
): Float32Array {
  const c = stepColumns(width, steps);
  const n = batch * SEQUENCE_ROWS * width;
  checkLength("input", x, n, `[${batch}, ${SEQUENCE_ROWS}, ${width}]`);
  const y = out ?? new Float32Array(n);
  checkLength("output", y, n, `[${batch}, ${steps}, ${SEQUENCE_ROWS * c}]`);
  copyBlocks(x, y, batch, width, steps, "toSteps");
  return y;
}

/**
 * The exact inverse of {@link toSteps}: per-step values `[batch, steps, 28·c]`
 * back to images `[batch, 28, width]` (e.g. a relevance heatmap).
 */
export function fromSteps(
  s: Float32Array,
  batch: number,
  width: number,
  steps: number,
  out?: Float32Array,
): Float32Array {
  const c = stepColumns(width, steps);
  const n = batch * SEQUENCE_ROWS * width;
  checkLength("input", s, n, `[${batch}, ${steps}, ${SEQUENCE_ROWS * c}]`);
  const x = out ?? new Float32Array(n);
  checkLength("output", x, n, `[${batch}, ${SEQUENCE_ROWS}, ${width}]`);
  copyBlocks(s, x, batch, width, steps, "fromSteps");
  return x;
}
