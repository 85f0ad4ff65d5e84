/**
 * Shape equality, for every floor above.
 *
 * @module
 */

/**
 * Whether two shapes are equal.
 *
 * @example
 * ```ts
 * import { sameShape } from "./same_shape.ts";
 * if (!sameShape([2, 3], [2, 3]) || sameShape([2, 3], [2, 3, 1])) throw new Error();
 * ```
 */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
