/**
 * The units a perturbation test removes from a 28×W image: time steps (the
 * 28×c columns one step reads), column blocks of any width, or square pixel
 * patches. A unit map gives every pixel the index of its unit, so that the
 * relevance of a unit is the sum over its pixels and removing a unit sets
 * its pixels to the background.
 *
 * @module
 */
import { EvalShapeError } from "./errors.ts";
import { IMAGE_ROWS } from "./shares.ts";

/** How an image is cut into removal units. */
export type RemovalUnit =
  | { kind: "steps"; steps: number }
  | { kind: "columns"; columns: number }
  | { kind: "patches"; size: number };

/** Every pixel's unit index. */
export interface UnitMap {
  /** Unit index of every pixel of a 28×width image, row-major. */
  unitOf: Int32Array;
  /** Number of units U. */
  count: number;
  /** Image width W. */
  width: number;
  /** A short name, e.g. `steps12`, `columns7`, `patches7`. */
  name: string;
}

function divides(what: string, part: number, whole: number): void {
  if (!Number.isInteger(part) || part <= 0 || whole % part !== 0) {
    throw new EvalShapeError(`${what} ${part} must be a positive integer dividing ${whole}`);
  }
}

/**
 * The unit map of a 28×`width` image.
 *
 * @example
 * ```ts
 * import { removalUnits } from "./removal_units.ts";
 * const steps = removalUnits(84, { kind: "steps", steps: 12 }); // 12 units of 28×7
 * const patches = removalUnits(84, { kind: "patches", size: 7 }); // 4 × 12 = 48 units
 * if (steps.count !== 12 || patches.count !== 48) throw new Error();
 * ```
 */
export function removalUnits(width: number, unit: RemovalUnit): UnitMap {
  const unitOf = new Int32Array(IMAGE_ROWS * width);
  if (unit.kind === "patches") {
    divides("patch size", unit.size, IMAGE_ROWS);
    divides("patch size", unit.size, width);
    const across = width / unit.size;
    for (let r = 0; r < IMAGE_ROWS; r++) {
      for (let c = 0; c < width; c++) {
        unitOf[r * width + c] = Math.floor(r / unit.size) * across + Math.floor(c / unit.size);
      }
    }
    return {
      unitOf,
      count: across * (IMAGE_ROWS / unit.size),
      width,
      name: `patches${unit.size}`,
    };
  }
  const columns = unit.kind === "steps" ? width / unit.steps : unit.columns;
  if (unit.kind === "steps") divides("T", unit.steps, width);
  else divides("column block width", unit.columns, width);
  for (let r = 0; r < IMAGE_ROWS; r++) {
    for (let c = 0; c < width; c++) unitOf[r * width + c] = Math.floor(c / columns);
  }
  return {
    unitOf,
    count: width / columns,
    width,
    name: unit.kind === "steps" ? `steps${unit.steps}` : `columns${unit.columns}`,
  };
}

/**
 * The pixels of every unit: those of unit u are `pixels[start[u]]` up to
 * `pixels[start[u + 1] − 1]`, in row-major order.
 *
 * @example
 * ```ts
 * import { removalUnits, unitPixels } from "./removal_units.ts";
 * const { start, pixels } = unitPixels(removalUnits(28, { kind: "patches", size: 14 }));
 * if (start[1] - start[0] !== 14 * 14 || pixels[0] !== 0 || pixels[14] !== 28) throw new Error();
 * ```
 */
export function unitPixels(map: UnitMap): { start: Int32Array; pixels: Int32Array } {
  const start = new Int32Array(map.count + 1);
  for (let p = 0; p < map.unitOf.length; p++) start[map.unitOf[p] + 1]++;
  for (let u = 0; u < map.count; u++) start[u + 1] += start[u];
  const next = start.slice(0, map.count);
  const pixels = new Int32Array(map.unitOf.length);
  for (let p = 0; p < map.unitOf.length; p++) pixels[next[map.unitOf[p]]++] = p;
  return { start, pixels };
}

/**
 * The relevance of every unit of every heatmap of a [B, 28, W] batch: the sum
 * of its pixels' relevance, as a flat B×U array.
 */
export function unitRelevance(relevance: ArrayLike<number>, map: UnitMap): Float64Array {
  const size = map.unitOf.length;
  if (relevance.length === 0 || relevance.length % size !== 0) {
    throw new EvalShapeError(
      `unit relevance: expected a multiple of 28×${map.width} = ${size} values, got ${relevance.length}`,
    );
  }
  const B = relevance.length / size;
  const out = new Float64Array(B * map.count);
  for (let b = 0; b < B; b++) {
    const base = b * size;
    const row = b * map.count;
    for (let p = 0; p < size; p++) out[row + map.unitOf[p]] += relevance[base + p];
  }
  return out;
}
