/**
 * A training profile explained in plain words for the report's reader: how
 * much each model was trained compared with the thesis, and what that means
 * for how far the numbers can be trusted.
 *
 * @module
 */
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
  const what = `Profile “${profile.name}”: every model was trained for ${profile.epochs} ` +
    `epoch${profile.epochs === 1 ? "" : "s"} on ${images}${fewer}, with ${rate}; MAJ results ` +
    `are means over ${profile.folds} cross-validation folds. The thesis trained ${THESIS.epochs} ` +
    `epochs on all images and used ${THESIS.folds} folds.`;
  const full = profile.epochs >= THESIS.epochs && profile.trainSamples === null &&
    profile.folds >= THESIS.folds;
  const trust = full
    ? "This is the thesis's protocol: the accuracies and cosines are comparable with the " +
      "thesis's, and every claim is decided on models trained as the thesis trained them."
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
        profile.folds < 3
          ? ` With ${profile.folds} folds the 95 % intervals are too wide to compare.`
          : ""
      }`;
  return `${what} ${trust}`;
}
