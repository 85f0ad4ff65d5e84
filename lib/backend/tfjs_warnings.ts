/**
 * Keeps tfjs's start-up chatter out of user-facing output: the "looks like you are
 * running TensorFlow.js in Node.js" banner of the cpu backend, and the "kernel ... is
 * already registered" lines printed when an optional native backend is tried twice.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** Warning texts from tfjs that carry no information for users of this project. */
const NOISE: readonly RegExp[] = [
  /looks like you are running TensorFlow\.js in Node\.js/,
  /The kernel '.*' for backend '.*' is already registered/,
  /Platform .* has already been set/,
];

/** True when `text` is one of the known tfjs start-up messages. */
export function isTfjsNoise(text: string): boolean {
  return NOISE.some((pattern) => pattern.test(text));
}

/** The result of {@link collectWarnings}. */
export interface Collected<T> {
  /** The value `fn` resolved to, when it did not throw. */
  readonly value?: T;
  /** What `fn` threw, if it did. */
  readonly error?: unknown;
  /** True when `fn` threw. */
  readonly failed: boolean;
  /** Everything written to `console.warn` while `fn` ran, known noise excluded. */
  readonly warnings: readonly string[];
}

/**
 * Runs `fn` while `console.warn` is captured. Known tfjs noise is dropped; other
 * warnings are returned so the caller can show them or put them into an error message.
 */
export async function collectWarnings<T>(fn: () => Promise<T>): Promise<Collected<T>> {
  const original = console.warn;
  const warnings: string[] = [];
  console.warn = (...args: unknown[]) => {
    const text = args.map((a) => (a instanceof Error ? a.stack ?? a.message : String(a))).join(
      " ",
    );
    if (!isTfjsNoise(text)) warnings.push(text);
  };
  try {
    const value = await fn();
    return { value, failed: false, warnings };
  } catch (error) {
    return { error, failed: true, warnings };
  } finally {
    console.warn = original;
  }
}

/** The engine fields used to reach the cpu backend instance and its factory. */
interface EngineInternals {
  registry?: Record<string, unknown>;
  registryFactory?: Record<string, { factory: () => unknown; priority: number }>;
}

const QUIET = Symbol.for("rnnx.quietCpuFactory");

function quiet(backend: unknown): void {
  if (backend != null && typeof backend === "object" && "firstUse" in backend) {
    (backend as { firstUse: boolean }).firstUse = false;
  }
}

/**
 * Turns off the cpu backend's one-time "looks like you are running TensorFlow.js in
 * Node.js" banner, which it prints on its first tensor: for the existing cpu backend
 * instance, and for instances tfjs creates later (its factory is wrapped once). Does
 * nothing when tfjs's internals differ from the expected shape.
 */
export function silenceCpuBanner(): void {
  const engine = tf.engine() as unknown as EngineInternals;
  quiet(engine.registry?.["cpu"]);
  const entry = engine.registryFactory?.["cpu"];
  if (entry == null || (entry.factory as { [QUIET]?: boolean })[QUIET]) return;
  const original = entry.factory;
  const factory = () => {
    const backend = original();
    quiet(backend);
    return backend;
  };
  Object.defineProperty(factory, QUIET, { value: true });
  entry.factory = factory;
}
