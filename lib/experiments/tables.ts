/**
 * The thesis's tables with this run's numbers next to the thesis's: Table
 * 3.3 (parameters), Tables 3.4–3.6 (accuracy; 3.5 and 3.6 with parameters),
 * Appendix 1 (cross-validation accuracy) and the LeNet-5 accuracies of §2.3.
 * Accuracies are percentages. Every row whose model is below the Table 3.2
 * minimum accuracy in this run says so in its last column.
 *
 * @module
 */
import { analyseCell, buildCell, CELL_LABELS, countParameters, parseCellId } from "../cells/mod.ts";
import { datasetLabel } from "../eval/mod.ts";
import { type RunResult, stopLabel } from "../train/mod.ts";
import type { TableArtifact } from "./artifact.ts";
import { STANDARD_CELLS } from "./cell_methods.ts";
import { UnknownArtifactError } from "./errors.ts";
import {
  entryAccuracy,
  foldList,
  type GridEntry,
  missingFolds,
  modelLabel,
  type RunGrid,
  runIds,
  untrainedModel,
} from "./grid.ts";
import {
  APPENDIX_1,
  LENET_ACCURACY,
  type MajTableRow,
  minimumAccuracy,
  TABLE_3_3,
  TABLE_3_4,
  TABLE_3_5,
  TABLE_3_6,
} from "./thesis.ts";

/** The column that flags models below the Table 3.2 minimum. */
export const FLAG_COLUMN = "below Table 3.2 minimum";

/** A table row: column name → value. */
export type TableRow = Record<string, string | number | null>;

/**
 * One model's accuracy beside the thesis's, as the accuracy tables record it
 * in their provenance (`accuracy`), so that a report can combine them.
 */
export interface AccuracyRecord {
  /** Thesis table the row comes from, e.g. "3.4". */
  table: string;
  /** Task id. */
  dataset: string;
  /** Cell id. */
  cell: string;
  /** Sequence length. */
  T: number;
  /** The model's label, e.g. "Deep-7" or "ConvDeep". */
  model: string;
  /** The thesis's accuracy (%); null for a model the thesis does not train (LSTM, GRU). */
  thesis: number | null;
  /** This run's accuracy (%), mean over folds; null when not trained. */
  run: number | null;
  /** This run − thesis, percentage points; null without either. */
  gap: number | null;
  /** The Table 3.2 minimum (%). */
  minimum: number;
  /** Epochs trained (the most over folds). */
  epochs: number | null;
  /** Why training stopped, per distinct reason over folds (e.g. "plateau (best epoch 35)"); null when not trained. */
  stop?: string | null;
  /** Folds (1 for a single split). */
  folds: number | null;
}

/** The name of the gap column of a dataset: this run − thesis in percentage points. */
export function gapColumn(dataset: string): string {
  return `${datasetLabel(dataset)} gap (pp)`;
}

/**
 * This run − thesis in percentage points, rounded to 0.01; null without a run.
 *
 * @example
 * ```ts
 * import { accuracyGap } from "./tables.ts";
 * if (accuracyGap(96.5, 98.16) !== -1.66) throw new Error();
 * ```
 */
export function accuracyGap(run: number | null, thesis: number): number | null {
  return run === null ? null : Math.round((run - thesis) * 100) / 100;
}

function accuracyRecord(
  table: string,
  dataset: string,
  cell: string,
  T: number,
  thesis: number | null,
  entry: GridEntry | undefined,
): AccuracyRecord {
  const run = runAccuracy(entry);
  return {
    table,
    dataset,
    cell,
    T,
    model: modelLabel(cell, T),
    thesis,
    run,
    gap: thesis === null ? null : accuracyGap(run, thesis),
    minimum: minimumAccuracy(dataset),
    epochs: entry ? Math.max(...entry.runs.map((r) => r.manifest.training.history.length)) : null,
    stop: entry ? [...new Set(entry.runs.map(runStopLabel))].join("; ") : null,
    folds: entry ? entry.runs.length : null,
  };
}

/** Why a run stopped, marked `earlier rule` when the current rule would have stopped it elsewhere. */
function runStopLabel(r: RunResult): string {
  const label = stopLabel(r.manifest.training.stopping);
  return r.earlierRule ? `${label}, earlier rule` : label;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

/** The parameter count of a cell under the thesis's convention (`paramsThesis`). */
export function parameterCount(cell: string, T: number): number {
  return countParameters(analyseCell(buildCell(parseCellId(cell), T))).paramsThesis;
}

function findEntry(
  grid: RunGrid | undefined,
  dataset: string,
  cell: string,
  T: number,
): GridEntry | undefined {
  return grid?.entries.find((e) => e.dataset === dataset && e.cell === cell && e.T === T);
}

/**
 * The flag text of a run accuracy (%) on a dataset: empty when it reaches the
 * Table 3.2 minimum, else e.g. "MNIST 97.12% < 98%".
 *
 * @example
 * ```ts
 * import { minimumFlag } from "./tables.ts";
 * if (minimumFlag("mnist", 98.5) !== "") throw new Error();
 * if (minimumFlag("fashion-mnist-maj", 80) !== "FashionMNIST-MAJ 80.00% < 85%") throw new Error();
 * ```
 */
export function minimumFlag(dataset: string, accuracy: number | null): string {
  if (accuracy === null) return "";
  const min = minimumAccuracy(dataset);
  return accuracy < min ? `${datasetLabel(dataset)} ${accuracy.toFixed(2)}% < ${min}%` : "";
}

/**
 * The flag text of a model in an accuracy table: "not trained" when the grid
 * records it as having no stored run, else its {@link minimumFlag} and, when
 * some of its folds have no stored run, which (its accuracy is the mean of
 * the others).
 */
function modelFlag(
  grid: RunGrid | undefined,
  dataset: string,
  cell: string,
  T: number,
  accuracy: number | null,
): string {
  if (accuracy === null && grid && untrainedModel(grid, dataset, cell, T)) {
    return `${datasetLabel(dataset)} not trained (no stored run)`;
  }
  const missing = grid ? missingFolds(grid, dataset, cell, T) : [];
  const partly = missing.length === 0
    ? ""
    : `${datasetLabel(dataset)} ${foldList(missing)} not trained (mean of the stored folds)`;
  return joinFlags([minimumFlag(dataset, accuracy), partly]);
}

function runAccuracy(entry: GridEntry | undefined): number | null {
  return entry ? round2(entryAccuracy(entry).mean) : null;
}

function joinFlags(flags: string[]): string {
  return flags.filter(Boolean).join("; ");
}

function usedRuns(grid: RunGrid | undefined, entries: (GridEntry | undefined)[]): string[] {
  return grid ? runIds(grid, entries.filter((e): e is GridEntry => e !== undefined)) : [];
}

/**
 * Table 3.3: dimension of x_t and trainable variables of Shallow and Deep per
 * T, as the thesis prints them and as counted for this project's cells
 * (under the same convention).
 */
export function parameterTable(): TableArtifact {
  const rows: TableRow[] = ([1, 4, 7] as const).map((T) => ({
    "T": T,
    "Dim. of x_t": `28×${28 / T}`,
    "Shallow thesis": TABLE_3_3[T].shallow,
    "Shallow this run": parameterCount("shallow", T),
    "Deep thesis": TABLE_3_3[T].deep,
    "Deep this run": parameterCount("deep", T),
  }));
  return {
    kind: "table",
    name: "table-3.3",
    caption: "Dimension of xₜ and trainable variables of Shallow and Deep for T = 1, 4, 7, as " +
      "printed in the thesis and as counted for this project's cells. T = 4 and 7 match. The " +
      "thesis's T = 1 counts equal the code's formula minus the recurrent rows of the input " +
      "layer (334,858 − 256·256 and 304,106 − 256·128); they cannot be reproduced from the " +
      "code, whose T = 1 models keep those rows (they multiply r₀ = 0 and contribute nothing).",
    table: rows,
    runs: [],
    digits: 0,
  };
}

/** The accuracy tables: Table 3.4, 3.5, 3.6, or the LeNet-5 accuracies of §2.3. */
export const ACCURACY_TABLES = ["3.4", "3.5", "3.6", "lenet"] as const;

/** An accuracy table id. */
export type AccuracyTableId = typeof ACCURACY_TABLES[number];

function table34(grid: RunGrid | undefined): TableArtifact {
  const rows: TableRow[] = [];
  const records: AccuracyRecord[] = [];
  const entries: (GridEntry | undefined)[] = [];
  for (const T of [1, 4, 7] as const) {
    for (const cell of ["shallow", "deep"] as const) {
      const row: TableRow = { "T": T, "Architecture": CELL_LABELS[cell] };
      const flags: string[] = [];
      for (const dataset of ["mnist", "fashion-mnist"] as const) {
        const entry = findEntry(grid, dataset, cell, T);
        entries.push(entry);
        const r = accuracyRecord("3.4", dataset, cell, T, TABLE_3_4[T][dataset][cell], entry);
        records.push(r);
        row[`${datasetLabel(dataset)} thesis`] = r.thesis;
        row[`${datasetLabel(dataset)} this run`] = r.run;
        row[gapColumn(dataset)] = r.gap;
        flags.push(modelFlag(grid, dataset, cell, T, r.run));
      }
      row[FLAG_COLUMN] = joinFlags(flags);
      rows.push(row);
    }
  }
  return {
    kind: "table",
    name: "table-3.4",
    caption: "Test accuracy (%) of Shallow and Deep with T = 1, 4, 7 on the official test " +
      "sets: the thesis's (100 epochs on 48,000 samples) and this run's (the profile's " +
      `budget${
        grid ? `, ${grid.ctx.profile.name}` : ""
      }; evaluated on the profile's test subset); ` +
      "gap: this run − thesis in percentage points.",
    table: rows,
    runs: usedRuns(grid, entries),
    extra: { accuracy: records },
  };
}

/** What the tables print where the thesis has no number (LSTM and GRU). */
export const NO_THESIS_NUMBER = "—";

function majTable(grid: RunGrid | undefined, which: "3.5" | "3.6"): TableArtifact {
  // Table 3.6 also lists the standard LSTM and GRU, which the thesis does not train
  const spec: readonly (Omit<MajTableRow, "params" | "accuracy"> & Partial<MajTableRow>)[] =
    which === "3.5"
      ? TABLE_3_5
      : [...TABLE_3_6, ...STANDARD_CELLS.map((c) => ({ cell: parseCellId(c) }))];
  const rows: TableRow[] = [];
  const records: AccuracyRecord[] = [];
  const entries: (GridEntry | undefined)[] = [];
  for (const ref of spec) {
    const row: TableRow = {
      "Architecture": CELL_LABELS[ref.cell],
      "No. variables thesis": ref.params ?? NO_THESIS_NUMBER,
      "No. variables this run": parameterCount(ref.cell, 12),
    };
    const flags: string[] = [];
    for (const dataset of ["mnist-maj", "fashion-mnist-maj"] as const) {
      const entry = findEntry(grid, dataset, ref.cell, 12);
      entries.push(entry);
      const thesis = ref.accuracy?.[dataset] ?? null;
      const r = accuracyRecord(which, dataset, ref.cell, 12, thesis, entry);
      records.push(r);
      row[`${datasetLabel(dataset)} thesis`] = r.thesis ?? NO_THESIS_NUMBER;
      row[`${datasetLabel(dataset)} this run`] = r.run;
      row[gapColumn(dataset)] = thesis === null ? NO_THESIS_NUMBER : r.gap;
      flags.push(modelFlag(grid, dataset, ref.cell, 12, r.run));
    }
    row[FLAG_COLUMN] = joinFlags(flags);
    rows.push(row);
  }
  const profile = grid?.ctx.profile;
  const folds = profile === undefined
    ? "the K cross-validation folds of the profile"
    : profile.trainFolds === undefined
    ? `the ${profile.folds} cross-validation folds of the profile`
    : `the trained folds (the profile trains folds 0–${
      profile.trainFolds - 1
    } of ${profile.folds}; the "this run folds" column of Appendix 1 gives the count)`;
  return {
    kind: "table",
    name: `table-${which}`,
    caption: `Trainable variables and MAJ test accuracy (%), T = 12. Thesis: one model per ` +
      `architecture trained on the original split. This run: mean over ${folds} (the same ` +
      `models as the cosine figures; see Appendix 1 for the spread). Gap: this run − thesis ` +
      `in percentage points.` +
      (which === "3.6"
        ? ` The standard LSTM and GRU (≈150k parameters, not in the thesis) are trained the ` +
          `same way; they have no thesis numbers (${NO_THESIS_NUMBER}), the Table 3.2 minimum ` +
          `applies to them too.`
        : ""),
    table: rows,
    runs: usedRuns(grid, entries),
    extra: { accuracy: records },
  };
}

function lenetTable(grid: RunGrid | undefined): TableArtifact {
  const entries: (GridEntry | undefined)[] = [];
  const records: AccuracyRecord[] = [];
  const rows: TableRow[] = (["mnist", "fashion-mnist"] as const).map((dataset) => {
    const entry = findEntry(grid, dataset, "lenet5", 1);
    entries.push(entry);
    const r = accuracyRecord("2.3", dataset, "lenet5", 1, LENET_ACCURACY[dataset], entry);
    records.push(r);
    return {
      "Dataset": datasetLabel(dataset),
      "LeNet-5 thesis": r.thesis,
      "LeNet-5 this run": r.run,
      "gap (pp)": r.gap,
      "Table 3.2 minimum": r.minimum,
      [FLAG_COLUMN]: modelFlag(grid, dataset, "lenet5", 1, r.run),
    };
  });
  return {
    kind: "table",
    name: "table-lenet",
    caption: "LeNet-5 test accuracy (%): the thesis's (§2.3, 100 epochs) and this run's; gap: " +
      "this run − thesis in percentage points.",
    table: rows,
    runs: usedRuns(grid, entries),
    extra: { accuracy: records },
  };
}

/**
 * An accuracy table with the thesis's and this run's numbers side by side.
 * Models missing from the grid have empty "this run" cells.
 */
export function accuracyTable(grid: RunGrid | undefined, table: string): TableArtifact {
  switch (table) {
    case "3.4":
      return table34(grid);
    case "3.5":
    case "3.6":
      return majTable(grid, table);
    case "lenet":
      return lenetTable(grid);
    default:
      throw new UnknownArtifactError("accuracy table", table, ACCURACY_TABLES);
  }
}

/**
 * Appendix 1: cross-validation accuracy (mean and sd over folds, %) of every
 * MAJ model, thesis (7 folds) and this run (the profile's folds). `cells`
 * restricts the rows (default: all ten).
 */
export function appendixTable(
  grid: RunGrid | undefined,
  cells?: readonly string[],
): TableArtifact {
  const rows: TableRow[] = [];
  const entries: (GridEntry | undefined)[] = [];
  for (const ref of APPENDIX_1) {
    if (cells && !cells.includes(ref.cell)) continue;
    const entry = findEntry(grid, ref.dataset, ref.cell, 12);
    entries.push(entry);
    const acc = entry ? entryAccuracy(entry) : null;
    rows.push({
      "Dataset": datasetLabel(ref.dataset),
      "Architecture": CELL_LABELS[ref.cell],
      "Printed as": ref.printed,
      "thesis folds": ref.count,
      "thesis mean": ref.mean,
      "thesis sd": ref.sd,
      "this run folds": acc ? acc.n : null,
      "this run mean": acc ? round2(acc.mean) : null,
      "this run sd": acc?.sd === null || acc === null ? null : Math.round(acc.sd * 1e4) / 1e4,
      "gap of means (pp)": accuracyGap(acc ? round2(acc.mean) : null, ref.mean),
      [FLAG_COLUMN]: modelFlag(grid, ref.dataset, ref.cell, 12, acc ? round2(acc.mean) : null),
    });
  }
  return {
    kind: "table",
    name: "table-A1",
    caption: "Appendix 1: MAJ test accuracy (%) over cross-validation folds, mean and standard " +
      "deviation (percentage points), in the thesis's order; \"Printed as\" is the appendix's " +
      "architecture name (code names, typos kept).",
    table: rows,
    runs: usedRuns(grid, entries),
    digits: 4,
  };
}
