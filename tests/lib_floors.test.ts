/**
 * The library's floors: data flows one way, data → cells → train →
 * relevance → eval → plot → experiments → sweep and report → cli, so a
 * module imports only from its own folder or from a floor below, and no
 * chain of imports (types included) leads back to where it started.
 */
import { assert, assertEquals } from "@std/assert";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";

/** Folders of `lib` by floor; folders on one floor do not import each other. */
const FLOORS: readonly (readonly string[])[] = [
  ["data", "backend"],
  ["cells"],
  ["train"],
  ["relevance"],
  ["eval"],
  ["plot"],
  ["experiments"],
  ["sweep", "report"],
  ["cli"],
  ["."],
];

const LIB = join(dirname(fileURLToPath(import.meta.url)), "..", "lib");

/** Every `.ts` file below `dir`, as paths relative to `lib`. */
function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(dir)) {
    const path = join(dir, e.name);
    if (e.isDirectory) out.push(...sources(path));
    else if (e.name.endsWith(".ts")) out.push(relative(LIB, path));
  }
  return out.sort();
}

/** Relative imports and re-exports of a source text (static, type-only and dynamic). */
function relativeImports(text: string): string[] {
  const found: string[] = [];
  const patterns = [
    /(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s+["'](\.{1,2}\/[^"']+)["']/g,
    /(?:^|\n)\s*import\s+["'](\.{1,2}\/[^"']+)["']/g,
    /\bimport\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g,
  ];
  // Doc-comment examples import from the file itself; they are not edges.
  const code = text.replace(/\/\*\*[\s\S]*?\*\//g, "");
  for (const p of patterns) for (const m of code.matchAll(p)) found.push(m[1]);
  return found;
}

/** The module graph of `lib`: file → the files it imports. */
function moduleGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sources(LIB)) {
    const text = Deno.readTextFileSync(join(LIB, file));
    graph.set(file, relativeImports(text).map((p) => normalize(join(dirname(file), p))));
  }
  return graph;
}

function folderOf(file: string): string {
  const parts = file.split("/");
  return parts.length > 1 ? parts[0] : ".";
}

function floorOf(folder: string): number {
  const i = FLOORS.findIndex((f) => f.includes(folder));
  if (i < 0) throw new Error(`lib/${folder} is on no floor: add it to FLOORS`);
  return i;
}

/** Import edges that leave their folder for a floor that is not below it. */
function upwardImports(graph: Map<string, string[]>): string[] {
  const bad: string[] = [];
  for (const [file, targets] of graph) {
    const from = folderOf(file);
    for (const target of targets) {
      const to = folderOf(target);
      if (to !== from && floorOf(to) >= floorOf(from)) bad.push(`lib/${file} → lib/${target}`);
    }
  }
  return bad;
}

/** One import cycle per strongly connected knot found by depth-first search. */
function importCycles(graph: Map<string, string[]>): string[][] {
  const state = new Map<string, "open" | "done">();
  const cycles: string[][] = [];
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, "open");
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === "open") cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, "done");
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return cycles;
}

Deno.test("every lib folder is on a floor and imports only from floors below", () => {
  const graph = moduleGraph();
  assert(graph.size > 100, `only ${graph.size} modules found under ${LIB}`);
  assertEquals(upwardImports(graph), []);
});

Deno.test("lib has no import cycles, type-only imports included", () => {
  assertEquals(importCycles(moduleGraph()).map((c) => c.join(" → ")), []);
});

Deno.test("the floor check sees upward, dynamic and type-only imports and cycles", () => {
  assertEquals(
    relativeImports(
      'import type { A } from "./a.ts";\nexport * from "../b/c.ts";\n' +
        'const m = await import("./d.ts");\n/** import { e } from "./e.ts"; */\n',
    ),
    ["./a.ts", "../b/c.ts", "./d.ts"],
  );
  const graph = new Map([
    ["train/bench.ts", ["relevance/explain.ts"]],
    ["relevance/explain.ts", ["relevance/rule.ts", "train/run.ts"]],
    ["relevance/rule.ts", ["relevance/explain.ts"]],
    ["train/run.ts", []],
  ]);
  assertEquals(upwardImports(graph), ["lib/train/bench.ts → lib/relevance/explain.ts"]);
  assertEquals(importCycles(graph), [[
    "relevance/explain.ts",
    "relevance/rule.ts",
    "relevance/explain.ts",
  ]]);
});
