/**
 * The fast program: a compiler pass over the reference program (hoisting on)
 * that runs `forward` faster with the same values:
 *
 * - dense layers over a concatenation become dense groups, one product per
 *   concatenated input, with the products of state-free inputs hoisted and the
 *   products of the zero initial state left out at step 0 (`dense_groups.ts`);
 * - convolutions of a concatenation become conv groups in the same way: the
 *   state-free channels convolved over all steps at once, the zero initial
 *   state's channels left out at step 0 (`conv_groups.ts`);
 * - a node whose kind knows how to skip zero inputs (`applyWithZeros`) is run
 *   that way at step 0, with the initial states as zeros.
 *
 * @module
 */
import { convGroupItem, planConvGroups } from "./conv_groups.ts";
import { groupItem, planDenseGroups } from "./dense_groups.ts";
import type { CellGraph } from "./graph.ts";
import { kindOf } from "./nodes/registry.ts";
import type { CellSpec } from "./spec.ts";
import type { ProgramItem, StepProgram } from "./step_program.ts";

/** A node item that, at step 0, passes the initial states to its kind as zeros (null). */
function zeroAwareItem(item: ProgramItem): ProgramItem {
  const node = item.node!;
  const kind = kindOf(node);
  const inputs = kind.inputs(node);
  return {
    node,
    prepare(env) {
      const plain = item.prepare(env);
      if (!inputs.some(env.isState)) return plain;
      return (t, values) => {
        if (t > 0) return plain(t, values);
        const given = inputs.map((n) => (env.isState(n) ? null : values.get(n)));
        values.set(node.name, kind.applyWithZeros!(node, given, env.context.at(`${t}`)));
      };
    },
  };
}

/**
 * Compiles a reference program (with its state-free nodes hoisted) into the fast one.
 *
 * @example
 * ```ts
 * import { analyseCell, buildCell } from "./mod.ts";
 * import { compileFast } from "./fast_program.ts";
 * import { referenceProgram } from "./step_program.ts";
 * const spec = buildCell("rlstm", 12);
 * const graph = analyseCell(spec);
 * const fast = compileFast(referenceProgram(spec, graph, true), spec, graph);
 * fast.step.length < spec.step.length; // true: the gate layers share one group
 * ```
 */
export function compileFast(program: StepProgram, spec: CellSpec, graph: CellGraph): StepProgram {
  const { groupOf, absorbed } = planDenseGroups(spec, graph);
  const convs = planConvGroups(spec, graph);
  const step: ProgramItem[] = [];
  for (const item of program.step) {
    const node = item.node;
    if (!node) step.push(item);
    else if (absorbed.has(node.name) || convs.absorbed.has(node.name)) continue;
    else if (convs.groupOf.has(node.name)) {
      step.push(convGroupItem(convs.groupOf.get(node.name)!, graph));
    } else if (groupOf.has(node.name)) {
      const group = groupOf.get(node.name)!;
      if (group.nodes[0] === node) step.push(groupItem(group));
    } else if (kindOf(node).applyWithZeros) step.push(zeroAwareItem(item));
    else step.push(item);
  }
  return { hoisted: program.hoisted, step };
}
