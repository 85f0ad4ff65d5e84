/**
 * A training profile explained in plain words for the report's reader: how
 * much each model was trained compared with the thesis, and what that means
 * for how far the numbers can be trusted.
 *
 * @module
 */
import { STOPPING_MARGIN } from "../experiments/mod.ts";
import type { TrainProfile } from "../train/mod.ts";

/** The thesis's training: epochs, training images, folds. */
const THESIS = { epochs: 100, images: 60_000, folds: 7 };

const n = (x: number) => x.toLocaleString("en-US");

/**
 * Two or three sentences on a profile.
 *
 * @example
 * ```ts
 * import { QUICK } from "../train/mod.ts";
 * import { profileInWords } from "./profile_words.ts";
 * if (!profileInWords(QUICK).includes("3 epochs")) throw new Error();
 * ```
 */
export function profileInWords(profile: TrainProfile): string {
  const images = profile.trainSamples === null
    ? "all training images"
    : `${n(profile.trainSamples)} of the ${n(THESIS.images)} training images`;
  const fewer = Object.values(profile.cells).some((c) => c.trainSamples !== undefined)
    ? " (the convolutional cells fewer)"
    : "";
  const rate = profile.learningRateScale === 1
    ? "the thesis's learning rates"
    : `${profile.learningRateScale}× the thesis's learning rate, to make up for the fewer steps`;
  const folds = profile.trainFolds ?? profile.folds;
  const foldText = folds === profile.folds
    ? `${profile.folds} cross-validation folds`
    : `folds 1–${folds} of ${profile.folds} (the thesis's fold sizes)`;
  const epochs = profile.stopping
    ? `at most ${profile.epochs} epochs, stopped early once the accuracy on samples held out ` +
      `of the training data reached the thesis's (and at least the Table 3.2 minimum plus ` +
      `${STOPPING_MARGIN} pp) or, above that bar, stopped improving (each model's epochs and ` +
      `reason are in the table; “earlier rule” marks a stored run stopped by the rule's version ` +
      `without that bar)`
    : `${profile.epochs} epoch${profile.epochs === 1 ? "" : "s"}`;
  const what = `Profile “${profile.name}”: every model was trained on ${images}${fewer} for ` +
    `${epochs}, with ${rate}; MAJ results are means over ${foldText}. The thesis trained ` +
    `${THESIS.epochs} epochs on all images and used ${THESIS.folds} folds.`;
  const full = profile.epochs >= THESIS.epochs && profile.trainSamples === null &&
    folds >= THESIS.folds && !profile.stopping;
  const trust = full
    ? "This is the thesis's protocol: the accuracies and cosines are comparable with the " +
      "thesis's, and every claim is decided on models trained as the thesis trained them."
    : profile.stopping
    ? "Models are trained until they reach the thesis's accuracy or stop improving, so the " +
      "accuracies and cosines are comparable with the thesis's where a model meets the Table 3.2 " +
      "minimum (98 % MNIST, 85 % FashionMNIST); a claim about explanations that rests on a model " +
      `below it, or on a model not trained yet, is undecided.${
        folds < 3 ? ` With ${folds} folds the 95 % intervals are too wide to compare.` : ""
      }`
    : `That is about ${
      Math.max(
        1,
        Math.round(
          100 * (profile.epochs / THESIS.epochs) *
            ((profile.trainSamples ?? THESIS.images) / THESIS.images),
        ),
      )
    } % of the thesis's training. Models below the Table 3.2 minimum (98 % MNIST, 85 % ` +
      "FashionMNIST) are flagged, and every claim about explanations that rests on one is " +
      "undecided: the numbers show that the pipeline runs end to end, not what the thesis's " +
      `models would give.${
        folds < 3 ? ` With ${folds} folds the 95 % intervals are too wide to compare.` : ""
      }`;
  return `${what} ${trust}`;
}
