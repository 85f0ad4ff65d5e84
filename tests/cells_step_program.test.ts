/**
 * The step programs: the reference program is one item per step node (state-free nodes
 * hoisted when asked), and the fast program is a pass over it that groups dense layers
 * and convolutions and absorbs the concatenations and dropouts they read.
 */
import { assert, assertEquals, assertLess } from "@std/assert";
import { analyseCell, buildCell } from "../lib/cells/mod.ts";
import { planConvGroups } from "../lib/cells/conv_groups.ts";
import { compileFast } from "../lib/cells/fast_program.ts";
import { referenceProgram } from "../lib/cells/step_program.ts";

Deno.test("the reference program has one item per step node, hoisted or not", () => {
  const spec = buildCell("convrlstm-sd", 12);
  const graph = analyseCell(spec);
  const stepwise = referenceProgram(spec, graph, false);
  assertEquals(stepwise.hoisted, []);
  assertEquals(stepwise.step.map((i) => i.node!.name), spec.step.map((n) => n.name));
  const hoisted = referenceProgram(spec, graph, true);
  const names = [...hoisted.hoisted, ...hoisted.step.map((i) => i.node!)].map((n) => n.name);
  assertEquals(names.sort(), spec.step.map((n) => n.name).sort());
  assertEquals(
    hoisted.hoisted.map((n) => n.name),
    ["conv1", "pool1", "conv2", "pool2", "features", "in1", "in_drop"],
  );
});

Deno.test("the fast pass runs the R-LSTM gates and candidate as one group without their concatenation", () => {
  const spec = buildCell("rlstm-sd", 12);
  const graph = analyseCell(spec);
  const reference = referenceProgram(spec, graph, true);
  const fast = compileFast(reference, spec, graph);
  const single = fast.step.filter((i) => i.node).map((i) => i.node!.name);
  assertEquals(single, ["c", "h_out", "h"], "only the memory, the output gate and its dropout");
  assertEquals(fast.step.length, 4, "one dense group for i, f, o and g");
  assertLess(fast.step.length, reference.step.length);
  assertEquals(fast.hoisted, reference.hoisted);
});

Deno.test("the fast pass convolves the literal cells' image channel over all steps, without their concatenations", () => {
  for (const id of ["conv+deep", "conv+rlstm-sd"]) {
    const spec = buildCell(id, 12);
    const graph = analyseCell(spec);
    const { groupOf, absorbed } = planConvGroups(spec, graph);
    assertEquals([...absorbed], ["conv1_in", "conv2_in"], id);
    const conv1 = groupOf.get("conv1")!.terms;
    assertEquals(conv1.map((t) => [t.source, t.offset, t.width, t.hoisted, t.state]), [
      ["x", 0, 1, true, false],
      ["conv1_prev", 1, 24, false, true],
    ]);
    const conv2 = groupOf.get("conv2")!.terms;
    assertEquals(conv2.map((t) => [t.source, t.hoisted, t.state]), [
      ["pool1", false, false],
      ["conv2_prev", false, true],
    ]);
    const fast = compileFast(referenceProgram(spec, graph, true), spec, graph);
    const single = fast.step.filter((i) => i.node).map((i) => i.node!.name);
    assert(!single.includes("conv1_in") && !single.includes("conv2_in"), `${id}: ${single}`);
    assert(!single.includes("conv1") && !single.includes("conv2"), `${id}: convs run as groups`);
  }
  const plain = buildCell("convdeep", 12);
  assertEquals(
    planConvGroups(plain, analyseCell(plain)).groupOf.size,
    0,
    "no concatenation, no group",
  );
});
