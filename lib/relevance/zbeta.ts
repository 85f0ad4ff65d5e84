/**
 * The z^β rule for bounded inputs a_j ∈ [l_j, h_j] with l_j ≤ 0 < h_j
 * (pixels; THESIS_SPEC §4 and thesis eq. 2.73):
 * R_j = Σ_k (a_j w_jk − l_j w⁺_jk − h_j w⁻_jk) / z_k · R_k with
 * z_k = Σ_j (a_j w_jk − l_j w⁺_jk − h_j w⁻_jk). The bounds come from the
 * input's domain (the cell's pixel bounds, [−1, 1]) unless given.
 *
 * @module
 */
import {
  highBound,
  inputValue,
  lowBound,
  negativePart,
  positivePart,
  weightValue,
} from "./modifiers.ts";
import {
  checkBounded,
  type InputBlock,
  type Rule,
  sameForEveryBlock,
  stabilisedName,
  stabiliserOf,
  type StabiliserOptions,
  term,
} from "./rule.ts";

/**
 * The z^β rule; `bounds` overrides the bounds of the input domain.
 *
 * @example
 * ```ts
 * import { zBeta } from "./zbeta.ts";
 * const [group] = zBeta().plan([{ domain: "pixels", start: 0, size: 4, low: -1, high: 1, sources: ["x"] }]);
 * if (group.terms.length !== 3) throw new Error("x·w − l·w⁺ − h·w⁻");
 * ```
 */
export function zBeta(bounds?: [number, number], opts: StabiliserOptions = {}): Rule {
  const epsilon = stabiliserOf("zbeta", opts);
  const withBounds = (b: InputBlock): InputBlock =>
    bounds ? { ...b, low: bounds[0], high: bounds[1] } : b;
  return {
    name: stabilisedName(bounds ? `zbeta(l=${bounds[0]},h=${bounds[1]})` : "zbeta", epsilon),
    conservative: true,
    epsilon,
    check: (layer) => checkBounded({ ...layer, blocks: layer.blocks.map(withBounds) }, "zbeta"),
    plan: sameForEveryBlock((block) => {
      const b = withBounds(block);
      return [{
        share: 1,
        terms: [
          term(b, inputValue, weightValue, 1),
          term(b, lowBound, positivePart, -1),
          term(b, highBound, negativePart, -1),
        ],
      }];
    }),
  };
}
