/**
 * Whole-number options of the scripts in `bench/`.
 *
 * @module
 */

/**
 * The value of option `name` (as `parseArgs` gives it) as an integer of at least `min`;
 * throws naming the option and the value otherwise.
 *
 * @example
 * ```ts
 * import { countOption } from "./count_option.ts";
 * if (countOption("--steps", "500", 1) !== 500) throw new Error();
 * ```
 */
export function countOption(name: string, value: string | undefined, min: number): number {
  const n = Number(value);
  if (value === undefined || value.trim() === "" || !Number.isInteger(n) || n < min) {
    throw new RangeError(`${name} must be a whole number ≥ ${min}, found "${value}"`);
  }
  return n;
}
