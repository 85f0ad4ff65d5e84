/**
 * Error classes of relevance propagation and the explanation methods.
 *
 * @module
 */

/** A method name that is not one of the registered explanation methods. */
export class UnknownMethodError extends Error {
  /** The name that was asked for. */
  readonly requested: string;
  /** The valid method names. */
  readonly valid: readonly string[];

  /** Creates the error for `requested`, listing the `valid` names. */
  constructor(requested: string, valid: readonly string[]) {
    super(`Unknown explanation method "${requested}"; valid methods: ${valid.join(", ")}`);
    this.name = "UnknownMethodError";
    this.requested = requested;
    this.valid = valid;
  }
}

/** A rule or method parameter out of its valid range (e.g. α − β ≠ 1, β < 0). */
export class RuleParameterError extends Error {
  /** Creates the error; `what` names the rule or method, `problem` says what was expected and found. */
  constructor(what: string, problem: string) {
    super(`${what}: ${problem}`);
    this.name = "RuleParameterError";
  }
}

/**
 * A rule that cannot be applied to a layer: the layer's input domain does not
 * fit the rule, or the rule would not conserve relevance where conservation
 * is required.
 */
export class RuleApplicationError extends Error {
  /** The layer, as `<cell id> (T=<T>) layer "<node>"`. */
  readonly layer: string;
  /** The rule name. */
  readonly rule: string;

  /** Creates the error naming the layer, the rule and the problem. */
  constructor(layer: string, rule: string, problem: string) {
    super(`Rule "${rule}" cannot be applied to ${layer}: ${problem}`);
    this.name = "RuleApplicationError";
    this.layer = layer;
    this.rule = rule;
  }
}

/** Inputs, targets or options of `explain` that do not fit the model. */
export class ExplainInputError extends Error {
  /** Creates the error with a message that says what was expected and what was found. */
  constructor(message: string) {
    super(message);
    this.name = "ExplainInputError";
  }
}

/** An output folder that cannot take an explanation run (it holds other files). */
export class OutputFolderError extends Error {
  /** The folder. */
  readonly dir: string;

  /** Creates the error for folder `dir`, saying what is wrong with it. */
  constructor(dir: string, problem: string) {
    super(`${dir}: ${problem}`);
    this.name = "OutputFolderError";
    this.dir = dir;
  }
}
