/**
 * Threads that run parts of oneDNN's convolution passes beside the thread that asks
 * for them, for `dnnl_library.ts` when it runs on more than one thread. Each helper is a
 * worker thread (`dnnl_helper_worker.ts`) with oneDNN loaded on one OpenMP thread of
 * its own. It waits on a small shared control block, so the asking thread hands it
 * work without going through any event loop: a kernel of the wasm backend posts the
 * helpers' parts, computes its own part, and waits for theirs, all inside one
 * synchronous call. The parts read and write the wasm heap through their addresses
 * (one process, one address space); the heap cannot move while the asking thread
 * waits. Helpers do not keep the process alive.
 *
 * @module
 */
import { Worker } from "node:worker_threads";

/** The control block's int32 slots. */
const [STATE, READY, LENGTH] = [0, 1, 2];
/** STATE: what the helper is asked or has answered. */
const [IDLE, POSTED, DONE, FAILED, QUIT] = [0, 1, 2, 3, 4];
/** READY: whether the helper loaded oneDNN (0 while it starts). */
const [LOADED, LOAD_FAILED] = [1, 2];
/** Bytes of a control block before its message (a job or an error, as JSON). */
const HEADER_BYTES = 16;
/** Room for one message. */
const MESSAGE_BYTES = 16384;

/** A helper's shared control block: the int32 slots and the message bytes. */
interface Control {
  slots: Int32Array<SharedArrayBuffer>;
  message: Uint8Array<SharedArrayBuffer>;
}

function controlOf(shared: SharedArrayBuffer): Control {
  return {
    slots: new Int32Array(shared, 0, HEADER_BYTES / 4),
    message: new Uint8Array(shared, HEADER_BYTES),
  };
}

function write(c: Control, value: unknown): void {
  const bytes = new TextEncoder().encode(JSON.stringify(value));
  if (bytes.length > c.message.length) {
    throw new RangeError(`a oneDNN helper's message of ${bytes.length} bytes does not fit`);
  }
  c.message.set(bytes);
  Atomics.store(c.slots, LENGTH, bytes.length);
}

function read(c: Control): unknown {
  // decoded from a copy: a decoder does not read shared memory
  return JSON.parse(new TextDecoder().decode(c.message.slice(0, Atomics.load(c.slots, LENGTH))));
}

function signal(c: Control, slot: number, value: number): void {
  Atomics.store(c.slots, slot, value);
  Atomics.notify(c.slots, slot);
}

/**
 * Waits while `slot` holds `value` and returns what it holds then: first checking it
 * over and over for up to `spinMs` milliseconds (a sleeping thread takes tens of
 * microseconds to wake, as long as a small part takes), then asleep.
 */
function waitWhile(c: Control, slot: number, value: number, spinMs: number): number {
  let now = Atomics.load(c.slots, slot);
  for (let start = performance.now(), i = 0; now === value; i++) {
    if (i % 256 === 255 && performance.now() - start > spinMs) break;
    now = Atomics.load(c.slots, slot);
  }
  while (now === value) {
    Atomics.wait(c.slots, slot, value);
    now = Atomics.load(c.slots, slot);
  }
  return now;
}

/** How long the asking thread checks for a helper's answer before it sleeps. */
const ANSWER_SPIN_MS = 2;
/** How long a helper checks for its next part before it sleeps. */
const PART_SPIN_MS = 1;

/**
 * Helper threads for parts of oneDNN's work (`J`, plain data), started at once; each
 * becomes ready when it has loaded oneDNN (tens of milliseconds), and work goes to the
 * ready ones only.
 */
export class DnnlHelpers<J> {
  readonly #helpers: { worker: Worker; control: Control }[] = [];

  /** Starts `count` helpers that load oneDNN from `library` (a path or library name). */
  constructor(library: string, count: number) {
    for (let i = 0; i < count; i++) {
      const shared = new SharedArrayBuffer(HEADER_BYTES + MESSAGE_BYTES);
      const worker = new Worker(new URL("./dnnl_helper_worker.ts", import.meta.url), {
        workerData: { shared, library },
      });
      worker.unref();
      this.#helpers.push({ worker, control: controlOf(shared) });
    }
  }

  /** How many helpers have loaded oneDNN and take work. */
  get ready(): number {
    return this.#loaded().length;
  }

  /** Why helpers failed to load oneDNN (empty when none did). */
  get failures(): string[] {
    return this.#helpers
      .filter((h) => Atomics.load(h.control.slots, READY) === LOAD_FAILED)
      .map((h) => String(read(h.control)));
  }

  /** Resolves, with {@link ready}, once every helper has loaded oneDNN or failed to. */
  async started(): Promise<number> {
    const starting = () => this.#helpers.some((h) => Atomics.load(h.control.slots, READY) === 0);
    while (starting()) await new Promise((resolve) => setTimeout(resolve, 5));
    return this.ready;
  }

  #loaded() {
    return this.#helpers.filter((h) => Atomics.load(h.control.slots, READY) === LOADED);
  }

  /**
   * Hands `jobs` to as many ready helpers, runs `own` on this thread meanwhile, and
   * returns once every part is written.
   *
   * @throws RangeError when fewer helpers are ready than there are jobs; Error naming a
   * helper's failure (after every part has finished).
   */
  run(jobs: readonly J[], own: () => void): void {
    const helpers = this.#loaded();
    if (helpers.length < jobs.length) {
      throw new RangeError(`${jobs.length} parts for ${helpers.length} ready helpers`);
    }
    const posted = jobs.map((job, i) => {
      write(helpers[i].control, job);
      signal(helpers[i].control, STATE, POSTED);
      return helpers[i].control;
    });
    const errors: string[] = [];
    try {
      own();
    } finally {
      for (const c of posted) {
        if (waitWhile(c, STATE, POSTED, ANSWER_SPIN_MS) === FAILED) errors.push(String(read(c)));
        Atomics.store(c.slots, STATE, IDLE);
      }
    }
    if (errors.length > 0) throw new Error(`a oneDNN helper failed: ${errors.join("; ")}`);
  }

  /** Stops the helpers (work in flight is finished first). */
  close(): void {
    for (const { worker, control } of this.#helpers) {
      signal(control, STATE, QUIT);
      worker.terminate();
    }
    this.#helpers.length = 0;
  }
}

/**
 * A helper's loop, run by `dnnl_helper_worker.ts` on its `workerData`: opens the
 * library with `open`, which returns what runs one job, then runs each job posted until
 * it is told to quit.
 */
export function serveParts<J>(
  workerData: { shared: SharedArrayBuffer; library: string },
  open: (library: string) => (job: J) => void,
): void {
  const c = controlOf(workerData.shared);
  let run: (job: J) => void;
  try {
    run = open(workerData.library);
  } catch (error) {
    write(c, error instanceof Error ? error.message : String(error));
    signal(c, READY, LOAD_FAILED);
    return;
  }
  signal(c, READY, LOADED);
  let state = IDLE;
  for (;;) {
    // the asker resets an answer to IDLE without a notify, and notifies a post or a quit
    state = waitWhile(c, STATE, state, PART_SPIN_MS);
    if (state === QUIT) return;
    if (state !== POSTED) continue;
    try {
      run(read(c) as J);
      state = DONE;
    } catch (error) {
      write(c, error instanceof Error ? error.message : String(error));
      state = FAILED;
    }
    signal(c, STATE, state);
  }
}
