/**
 * Sorting of result tables in the display order of cells and methods
 * (`CELL_IDS`, `METHOD_IDS`) instead of alphabetically.
 *
 * @module
 */
import pl from "nodejs-polars";
import type { DataFrame } from "nodejs-polars";
import { CELL_IDS, METHOD_IDS } from "./labels.ts";

const ORDERS: Record<string, readonly string[]> = { cell: CELL_IDS, method: METHOD_IDS };

/**
 * Sorts `df` by `columns`; "cell" and "method" follow the display order,
 * other columns their natural order.
 *
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { sortCanonical } from "./canonical_order.ts";
 * const df = sortCanonical(pl.DataFrame({ method: ["dtd", "sa"] }), ["method"]);
 * if (df.getColumn("method").toArray()[0] !== "sa") throw new Error();
 * ```
 */
export function sortCanonical(df: DataFrame, columns: readonly string[]): DataFrame {
  if (df.height === 0 || columns.length === 0) return df;
  let out = df;
  const keys: string[] = [];
  for (const column of columns) {
    const order = ORDERS[column];
    if (order) {
      const rankName = `__rank_${column}`;
      out = out.join(
        pl.DataFrame([
          pl.Series(column, [...order], pl.String),
          pl.Series(rankName, order.map((_, i) => i), pl.Int32),
        ]),
        { on: column, how: "left" },
      );
      keys.push(rankName);
    } else {
      keys.push(column);
    }
  }
  const ranks = keys.filter((k) => k.startsWith("__rank_"));
  return out.sort(keys).drop(ranks).select(...df.columns);
}
