/**
 * Chance levels of the MAJ metrics: what an explanation that knows nothing
 * would score on the same samples, computed exactly from their mark vectors.
 *
 * - **Uniform relevance** spreads a sample's relevance evenly over its
 *   pixels, so every block gets the share v_k = 1/B:
 *   cos(m, v) = Σm / (√B ‖m‖₂) and Σ m_k v_k = Σm / B. With the MAJ marks
 *   (two of three blocks) that is 0.816 and 2/3 for every sample: an evenly
 *   spread heatmap already scores a high cosine.
 * - **Random relevance** puts all of a sample's relevance on one block drawn
 *   uniformly at random (v = e_k). Its expected scores are
 *   E[cos] = Σ_k m_k / (B ‖m‖₂) and E[Σ m_k v_k] = Σm / B (0.471 and 2/3 for
 *   MAJ marks).
 *
 * The levels are means over the samples, like the metrics they are compared
 * with.
 *
 * @module
 */
import { EvalShapeError } from "./errors.ts";

/** What a chance explanation scores on average: cosine and percentage. */
export interface ChanceScore {
  /** Mean cosine similarity with the mark vector. */
  cosine: number;
  /** Mean percentage of correctly distributed relevance (a share in [0, 1]). */
  percentage: number;
}

/** The chance levels of a set of samples. */
export interface ChanceLevels {
  /** Relevance spread evenly over the pixels. */
  uniform: ChanceScore;
  /** All relevance on one block drawn at random (expected value). */
  random: ChanceScore;
  /** Samples averaged. */
  samples: number;
}

/**
 * The uniform and random chance levels of samples with mark vectors `marks`
 * ([n, blocks] row-major, entries ≥ 0, every row with a positive mark).
 *
 * @example
 * ```ts
 * import { chanceLevels } from "./chance.ts";
 * const c = chanceLevels([1, 1, 0, 0, 1, 1]);
 * if (Math.abs(c.uniform.cosine - 2 / Math.sqrt(6)) > 1e-12) throw new Error();
 * if (Math.abs(c.random.cosine - 2 / (3 * Math.SQRT2)) > 1e-12) throw new Error();
 * ```
 */
export function chanceLevels(marks: ArrayLike<number>, blocks = 3): ChanceLevels {
  if (!Number.isInteger(blocks) || blocks <= 0) {
    throw new EvalShapeError(`chance levels: blocks must be a positive integer, got ${blocks}`);
  }
  if (marks.length === 0 || marks.length % blocks !== 0) {
    throw new EvalShapeError(
      `chance levels: expected a non-empty multiple of ${blocks} marks, got ${marks.length}`,
    );
  }
  const n = marks.length / blocks;
  let uniformCosine = 0;
  let randomCosine = 0;
  let percentage = 0;
  for (let i = 0; i < n; i++) {
    let sum = 0;
    let squares = 0;
    for (let k = 0; k < blocks; k++) {
      const m = marks[i * blocks + k];
      if (!(m >= 0)) {
        throw new EvalShapeError(`chance levels: mark ${k} of sample ${i} is ${m}, not ≥ 0`);
      }
      sum += m;
      squares += m * m;
    }
    if (squares === 0) {
      throw new EvalShapeError(`chance levels: sample ${i} has no marked block`);
    }
    const norm = Math.sqrt(squares);
    uniformCosine += sum / (Math.sqrt(blocks) * norm);
    randomCosine += sum / (blocks * norm);
    percentage += sum / blocks;
  }
  return {
    uniform: { cosine: uniformCosine / n, percentage: percentage / n },
    random: { cosine: randomCosine / n, percentage: percentage / n },
    samples: n,
  };
}
