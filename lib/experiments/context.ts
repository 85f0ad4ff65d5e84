/**
 * The context every experiment runs in: the training profile (env
 * `RNNX_PROFILE`, default `converged`, the profile of the committed report),
 * whether missing models are trained (env `RNNX_TRAIN`), the compute
 * backend, the run seed and the folders runs and figures go to. {@link setupExperiment} prints it, so that
 * every notebook states at the top what produced its numbers.
 *
 * @module
 */
import { isAbsolute, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { type BackendInfo, initBackend } from "../backend/mod.ts";
import { defaultRunsRoot, getProfile, PROFILE_ENV, type TrainProfile } from "../train/mod.ts";
import { figuresDir } from "../plot/mod.ts";
import type { ConvPlusFirstLayer } from "../relevance/mod.ts";
import { ExperimentInputError } from "./errors.ts";
import { settleDisplays } from "./settle.ts";

/** The seed of every run of the notebooks (initialisation, sample order, dropout). */
export const EXPERIMENT_SEED = 0;

/**
 * The rule of the Conv⁺ first layer used by the experiments: the conservative
 * mixed rule (z^β on the pixels, the method's z⁺/αβ rule on the fed-back conv
 * output, one shared normaliser). The original code's rule
 * (`rel_conv_z_plus_beta_prop`, `convPlusFirstLayer: "original"`, see
 * `lib/relevance/conv_plus_original.ts` and THESIS_SPEC §4) is not
 * conservative; it stays available as an option of `explain`.
 */
export const CONV_PLUS_RULE: ConvPlusFirstLayer = "conservative";

/**
 * Whether an experiment trains the models it needs and does not find stored
 * (`missing`, the default) or uses the stored runs only (`never`): models and
 * folds without a stored run are then left out, and every table, figure and
 * claim says which.
 */
export type TrainingMode = "missing" | "never";

/** The training modes. */
export const TRAINING_MODES: readonly TrainingMode[] = ["missing", "never"];

/** The environment variable that sets the training mode (e.g. for notebooks). */
export const TRAINING_ENV = "RNNX_TRAIN";

/**
 * The profile of the committed report, and so of the notebooks and
 * `deno task report` when `RNNX_PROFILE` does not name another: its runs
 * are committed under `runs/`.
 */
export const REPORT_PROFILE = "converged";

/**
 * The profile the experiments run under: `RNNX_PROFILE`, else
 * {@link REPORT_PROFILE}.
 *
 * @example
 * ```ts
 * import { experimentProfileName } from "./context.ts";
 * if (experimentProfileName("quick") !== "quick") throw new Error();
 * if (experimentProfileName(undefined) !== "converged") throw new Error();
 * ```
 */
export function experimentProfileName(
  value: string | undefined = Deno.env.get(PROFILE_ENV),
): string {
  return value === undefined || value === "" ? REPORT_PROFILE : value;
}

/**
 * The training mode given by `RNNX_TRAIN`; unset, it is `never` for the
 * committed report's profile (its runs are committed, and training the rest
 * takes days) and `missing` for every other. Other values fail naming the
 * variable and the valid ones.
 *
 * @example
 * ```ts
 * import { trainingMode } from "./context.ts";
 * if (trainingMode("quick", "never") !== "never") throw new Error();
 * if (trainingMode("quick", undefined) !== "missing") throw new Error();
 * if (trainingMode("converged", undefined) !== "never") throw new Error();
 * ```
 */
export function trainingMode(
  profile: string,
  value: string | undefined = Deno.env.get(TRAINING_ENV),
): TrainingMode {
  if (value === undefined || value === "") return profile === REPORT_PROFILE ? "never" : "missing";
  if ((TRAINING_MODES as readonly string[]).includes(value)) return value as TrainingMode;
  throw new ExperimentInputError(
    `${TRAINING_ENV}="${value}" is not a training mode; valid: ${TRAINING_MODES.join(", ")}`,
  );
}

/** Everything an experiment needs to know about where and how it runs. */
export interface ExperimentContext {
  /** The training profile. */
  profile: TrainProfile;
  /** Run seed. */
  seed: number;
  /** Whether missing models are trained or left out. */
  training: TrainingMode;
  /** The compute backend. */
  backend: BackendInfo;
  /** Where runs are stored. */
  runsRoot: string;
  /** Where figures and tables are saved. */
  figuresDir: string;
}

/** Options of {@link setupExperiment}. */
export interface SetupOptions {
  /** Profile name or object (default: env `RNNX_PROFILE`, else {@link REPORT_PROFILE}). */
  profile?: string | TrainProfile;
  /** Run seed (default {@link EXPERIMENT_SEED}). */
  seed?: number;
  /** Train missing models or use stored runs only (default: {@link trainingMode}). */
  training?: TrainingMode;
  /** Runs root (default env `RNNX_RUNS_DIR`, else `<repo>/runs`). */
  runsRoot?: string;
  /** Figures folder (default env `RNNX_FIGURES_DIR`, else `<repo>/figures`). */
  figuresDir?: string;
  /** Where the summary goes (default `console.log`); `null` prints nothing. */
  log?: ((line: string) => void) | null;
}

/**
 * How many test samples of a fold (or of the test split) the quantitative
 * evaluation explains for a cell: the cell's `explainSamples` override, else
 * the profile's `explainSamples`, else its `testSamples` (null: all).
 *
 * @example
 * ```ts
 * import { getProfile } from "../train/mod.ts";
 * import { explainSampleCount } from "./context.ts";
 * if (explainSampleCount(getProfile("full"), "deep") !== null) throw new Error();
 * ```
 */
export function explainSampleCount(profile: TrainProfile, cell: string): number | null {
  const override = Object.hasOwn(profile.cells, cell)
    ? profile.cells[cell].explainSamples
    : undefined;
  if (override !== undefined) return override;
  if (profile.explainSamples !== undefined) return profile.explainSamples;
  return profile.testSamples;
}

/** A one-paragraph description of a context, as printed by {@link setupExperiment}. */
export function describeContext(ctx: ExperimentContext): string {
  const p = ctx.profile;
  const explained = explainSampleCount(p, "deep");
  return [
    `profile: ${p.name} (${p.description}); set RNNX_PROFILE to change it`,
    `backend: ${ctx.backend.name} (${ctx.backend.detail}, tfjs ${ctx.backend.tfjsVersion})`,
    `seed: ${ctx.seed}; MAJ folds: ${p.folds}${
      p.trainFolds === undefined ? "" : ` (${p.trainFolds} trained)`
    }; explained test samples per fold: ${explained ?? "all"}`,
    ctx.training === "never"
      ? `training: never (stored runs only; models not stored are left out); set ${TRAINING_ENV}=missing to train them`
      : `training: models not stored are trained; set ${TRAINING_ENV}=never to use stored runs only`,
    `runs: ${fromRepo(ctx.runsRoot)}`,
    `figures: ${fromRepo(ctx.figuresDir)}`,
  ].join("\n");
}

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/**
 * A folder as printed into notebooks: relative to the repository root when it
 * lies inside it, else only its last name after "…/" (a machine's absolute
 * paths never reach the outputs).
 *
 * @example
 * ```ts
 * import { fromRepo } from "./context.ts";
 * if (fromRepo("/tmp/work/figures") !== "…/figures") throw new Error();
 * ```
 */
export function fromRepo(folder: string): string {
  const rel = relative(REPO_ROOT, folder);
  if (rel === "") return ".";
  if (rel.startsWith("..") || isAbsolute(rel)) {
    return `…/${folder.replace(/\/+$/, "").split("/").pop()}`;
  }
  return rel;
}

/**
 * Initialises the backend, resolves the profile and folders, and prints them.
 *
 * @example
 * ```ts ignore
 * import { setupExperiment } from "./context.ts";
 * const exp = await setupExperiment(); // prints profile, backend and seed
 * ```
 */
export async function setupExperiment(options: SetupOptions = {}): Promise<ExperimentContext> {
  const profile = typeof options.profile === "object"
    ? options.profile
    : getProfile(options.profile ?? experimentProfileName());
  const seed = options.seed ?? EXPERIMENT_SEED;
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(`seed must be a non-negative integer, found ${seed}`);
  }
  const training = options.training ?? trainingMode(profile.name);
  if (!TRAINING_MODES.includes(training)) {
    throw new ExperimentInputError(
      `training mode "${training}" is unknown; valid: ${TRAINING_MODES.join(", ")}`,
    );
  }
  const backend = await initBackend({ quiet: true });
  const ctx: ExperimentContext = {
    profile,
    seed,
    training,
    backend,
    runsRoot: options.runsRoot ?? defaultRunsRoot(),
    figuresDir: figuresDir(options.figuresDir),
  };
  const log = options.log === undefined ? (line: string) => console.log(line) : options.log;
  log?.(describeContext(ctx));
  await settleDisplays();
  return ctx;
}
