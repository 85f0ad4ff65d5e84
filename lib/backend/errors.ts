/**
 * Error classes raised while choosing the TensorFlow.js backend and running the
 * kernels this project registers for it.
 *
 * @module
 */

/** A backend name that is not one of the supported names was requested. */
export class UnknownBackendError extends Error {
  /** The name that was requested. */
  readonly requested: string;
  /** The names that are accepted. */
  readonly valid: readonly string[];

  /** Creates the error for `requested`, listing `valid` names and where the name came from. */
  constructor(requested: string, valid: readonly string[], source: string) {
    super(
      `Unknown backend "${requested}" (from ${source}); valid backends: ${valid.join(", ")}`,
    );
    this.name = "UnknownBackendError";
    this.requested = requested;
    this.valid = valid;
  }
}

/** A backend that was asked for explicitly could not be loaded or initialised. */
export class BackendLoadError extends Error {
  /** The backend that failed. */
  readonly backend: string;

  /** Creates the error for `backend`; `reason` says what failed. */
  constructor(backend: string, reason: string, options?: { cause?: unknown }) {
    super(`Could not load the "${backend}" backend: ${reason}`, options);
    this.name = "BackendLoadError";
    this.backend = backend;
  }
}

/** `initBackend` was asked for a backend other than the one already initialised. */
export class BackendConflictError extends Error {
  /** Creates the error naming the active and the requested backend. */
  constructor(active: string, requested: string) {
    super(
      `The backend is already initialised as "${active}"; cannot switch to "${requested}" ` +
        `in the same process (start a new process with RNNX_BACKEND=${requested})`,
    );
    this.name = "BackendConflictError";
  }
}

/** A kernel registered by this project was called with attributes it does not support. */
export class UnsupportedKernelAttributeError extends Error {
  /** Creates the error naming the kernel, the attribute, what is supported and what was found. */
  constructor(kernel: string, attribute: string, expected: string, found: unknown) {
    super(
      `Kernel ${kernel} (wasm backend): attribute "${attribute}" must be ${expected}, ` +
        `found ${JSON.stringify(found)}`,
    );
    this.name = "UnsupportedKernelAttributeError";
  }
}

/** A kernel that another kernel depends on is not registered for the backend. */
export class MissingKernelError extends Error {
  /** Creates the error naming the missing kernel and the backend. */
  constructor(kernel: string, backend: string) {
    super(`Kernel "${kernel}" is not registered for the "${backend}" backend`);
    this.name = "MissingKernelError";
  }
}

/** `backendInfo()` was called before `initBackend()` completed. */
export class BackendNotInitializedError extends Error {
  /** Creates the error. */
  constructor() {
    super("No backend has been initialised yet: await initBackend() first");
    this.name = "BackendNotInitializedError";
  }
}

/** A kernel registered by this project received inputs it cannot work with. */
export class KernelInputError extends Error {
  /** Creates the error for `kernel` with a description of what was expected and found. */
  constructor(kernel: string, detail: string) {
    super(`Kernel ${kernel} (wasm backend): ${detail}`);
    this.name = "KernelInputError";
  }
}
