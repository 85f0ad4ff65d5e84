/**
 * A small, local stand-in for `jsr:@std/assert` with the same names and
 * signatures for the helpers this project uses, built on `node:assert/strict`.
 * Swapping to the real module is a one-line change in `deno.json`.
 *
 * @module
 */
import assert from "node:assert/strict";

/** Error thrown by every helper in this module when an assertion fails. */
export class AssertionError extends Error {
  /** Creates an assertion error with the given message. */
  constructor(message: string) {
    super(message);
    this.name = "AssertionError";
  }
}

function fail(message: string): never {
  throw new AssertionError(message);
}

/** Asserts that `expr` is truthy. */
export function assert_(expr: unknown, msg = "Expected expression to be truthy"): asserts expr {
  if (!expr) fail(msg);
}
export { assert_ as assert };

/** Asserts deep equality of `actual` and `expected`. */
export function assertEquals<T>(actual: T, expected: T, msg?: string): void {
  try {
    assert.deepStrictEqual(actual, expected);
  } catch (e) {
    fail(msg ? `${msg}: ${(e as Error).message}` : (e as Error).message);
  }
}

/** Asserts that `actual` and `expected` are not deeply equal. */
export function assertNotEquals<T>(actual: T, expected: T, msg?: string): void {
  try {
    assert.notDeepStrictEqual(actual, expected);
  } catch (e) {
    fail(msg ? `${msg}: ${(e as Error).message}` : (e as Error).message);
  }
}

/** Asserts strict (`Object.is`) equality. */
export function assertStrictEquals<T>(
  actual: unknown,
  expected: T,
  msg?: string,
): asserts actual is T {
  if (!Object.is(actual, expected)) {
    fail(msg ?? `Values are not strictly equal: ${String(actual)} !== ${String(expected)}`);
  }
}

/**
 * Asserts that `actual` is within `tolerance` of `expected`
 * (default: 1e-7 relative to `expected`, as in `@std/assert`).
 */
export function assertAlmostEquals(
  actual: number,
  expected: number,
  tolerance?: number,
  msg?: string,
): void {
  if (Object.is(actual, expected)) return;
  const tol = tolerance ?? Math.abs(expected) * 1e-7;
  const delta = Math.abs(expected - actual);
  if (!(delta <= tol)) {
    fail(
      msg ??
        `Expected actual: "${actual}" to be close to "${expected}": delta "${delta}" is greater than "${tol}"`,
    );
  }
}

/** Asserts `actual > expected`. */
export function assertGreater<T>(actual: T, expected: T, msg?: string): void {
  if (!(actual > expected)) fail(msg ?? `Expect ${String(actual)} > ${String(expected)}`);
}

/** Asserts `actual >= expected`. */
export function assertGreaterOrEqual<T>(actual: T, expected: T, msg?: string): void {
  if (!(actual >= expected)) fail(msg ?? `Expect ${String(actual)} >= ${String(expected)}`);
}

/** Asserts `actual < expected`. */
export function assertLess<T>(actual: T, expected: T, msg?: string): void {
  if (!(actual < expected)) fail(msg ?? `Expect ${String(actual)} < ${String(expected)}`);
}

/** Asserts `actual <= expected`. */
export function assertLessOrEqual<T>(actual: T, expected: T, msg?: string): void {
  if (!(actual <= expected)) fail(msg ?? `Expect ${String(actual)} <= ${String(expected)}`);
}

/** Asserts that `actual` contains `expected` as a substring. */
export function assertStringIncludes(actual: string, expected: string, msg?: string): void {
  if (!actual.includes(expected)) {
    fail(msg ?? `Expected actual: "${actual}" to contain: "${expected}"`);
  }
}

/** Asserts that `actual` matches the regular expression `expected`. */
export function assertMatch(actual: string, expected: RegExp, msg?: string): void {
  if (!expected.test(actual)) fail(msg ?? `Expected actual: "${actual}" to match: "${expected}"`);
}

/** Asserts that `value` is neither `null` nor `undefined`. */
export function assertExists<T>(value: T, msg?: string): asserts value is NonNullable<T> {
  if (value === null || value === undefined) fail(msg ?? `Expected value to exist`);
}

/** Asserts that `actual` is an instance of `expectedType`. */
export function assertInstanceOf<T extends abstract new (...args: never[]) => unknown>(
  actual: unknown,
  expectedType: T,
  msg?: string,
): asserts actual is InstanceType<T> {
  if (!(actual instanceof expectedType)) {
    fail(msg ?? `Expected object to be an instance of "${expectedType.name}"`);
  }
}

type ErrorClass = new (...args: never[]) => Error;

function checkError(
  e: unknown,
  ErrorClass?: ErrorClass,
  msgIncludes?: string,
): Error {
  if (!(e instanceof Error)) fail(`A non-Error object was thrown: ${String(e)}`);
  if (ErrorClass && !(e instanceof ErrorClass)) {
    fail(
      `Expected error to be instance of "${ErrorClass.name}", but was "${
        (e as Error).constructor.name
      }"`,
    );
  }
  if (msgIncludes !== undefined && !e.message.includes(msgIncludes)) {
    fail(`Expected error message to include "${msgIncludes}", but got "${e.message}"`);
  }
  return e;
}

/** Asserts that `fn` throws; optionally of class `ErrorClass` with a message containing `msgIncludes`. */
export function assertThrows(
  fn: () => unknown,
  ErrorClass?: ErrorClass,
  msgIncludes?: string,
): Error {
  try {
    fn();
  } catch (e) {
    return checkError(e, ErrorClass, msgIncludes);
  }
  fail("Expected function to throw.");
}

/** Asserts that the promise returned by `fn` rejects; optionally checks class and message. */
export async function assertRejects(
  fn: () => PromiseLike<unknown>,
  ErrorClass?: ErrorClass,
  msgIncludes?: string,
): Promise<Error> {
  try {
    await fn();
  } catch (e) {
    return checkError(e, ErrorClass, msgIncludes);
  }
  fail("Expected function to reject.");
}
