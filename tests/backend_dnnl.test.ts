/**
 * The oneDNN convolution kernels of the wasm backend give the numbers of the cpu
 * backend and of the BLAS kernels they replace, give the same bits every time, and
 * step aside cleanly when the library is absent or turned off.
 */
import {
  assert,
  assertEquals,
  assertLessOrEqual,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import { blasRegistration, initBackend, tf } from "../lib/backend/mod.ts";
import {
  JIT_FORWARD_BELOW_CHANNELS,
  MAX_DNNL_PLANS,
  openDnnl,
} from "../lib/backend/dnnl_library.ts";
import {
  type ConvolutionPart,
  evenRanges,
  MIN_PARTED_MULTIPLY_ADDS,
  partRanges,
  partsGiveWholeBits,
} from "../lib/backend/dnnl_parts.ts";
import { DnnlHelpers } from "../lib/backend/dnnl_helpers.ts";
import { dnnlGeometry, MIN_DNNL_INPUT_GRADIENT_CHANNELS } from "../lib/backend/dnnl_conv2d.ts";
import { poolGeometry } from "../lib/backend/dnnl_pool.ts";
import {
  blasConv2D,
  blasConv2DBackpropFilter,
  blasConv2DBackpropInput,
  blasFusedConv2D,
  type ConvAttrs,
} from "../lib/backend/blas_conv2d.ts";
import {
  inFreshProcess,
  onCpu,
  relativeDiff,
  runKernelConfig,
  TOLERANCE,
  uniform,
} from "./backend_fixtures.ts";

const info = await initBackend({ backend: "wasm", quiet: true });
const registration = blasRegistration()!;
const noDnnl = registration.dnnl === null;

/** The output of kernel `name` as registered, after checking a second run gives the same bits. */
function sameBitsTwice(
  label: string,
  name: string,
  inputs: Record<string, tf.Tensor>,
  attrs: Record<string, unknown>,
): Float32Array {
  const run = () => {
    const out = tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as tf.Tensor;
    const values = out.dataSync() as Float32Array;
    out.dispose();
    return values;
  };
  const first = run();
  assertEquals(run(), first, `${label}: the same bits on a second run`);
  return first;
}

/** Runs a kernel as registered (oneDNN), as the kernel before it (BLAS) and on cpu. */
function compare(
  label: string,
  name: string,
  inputs: Record<string, tf.Tensor>,
  attrs: Record<string, unknown>,
): Float32Array {
  const dnnl = sameBitsTwice(label, name, inputs, attrs);
  const blas = runKernelConfig(blasKernel(name), inputs, attrs);
  const cpu = onCpu(name, inputs, attrs);
  assertLessOrEqual(relativeDiff(dnnl, cpu), TOLERANCE, `${label}: oneDNN vs cpu`);
  assertLessOrEqual(relativeDiff(dnnl, blas), TOLERANCE, `${label}: oneDNN vs BLAS`);
  return dnnl;
}

/** The BLAS kernel oneDNN's replaced (the kernel before it in the registration). */
function blasKernel(name: string): tf.KernelConfig {
  const make = BLAS_MAKERS.get(name)!;
  return make(registration.library!, registration.replaced.get(name)!);
}

const BLAS_MAKERS = new Map<string, typeof blasConv2D>([
  [tf.Conv2D, blasConv2D],
  [tf.FusedConv2D, blasFusedConv2D],
  [tf.Conv2DBackpropFilter, blasConv2DBackpropFilter],
  [tf.Conv2DBackpropInput, blasConv2DBackpropInput],
]);

/** label, input shape, filter shape, stride, padding: the cells' convolutions and odd ones. */
const CONVS: [string, number[], number[], number, "same" | "valid"][] = [
  ["Conv⁺ 5×5×25", [4, 28, 7, 25], [5, 5, 25, 24], 1, "same"],
  ["ConvDeep first layer", [3, 28, 3, 1], [5, 5, 1, 24], 1, "same"],
  ["ConvDeep second layer", [3, 14, 2, 24], [3, 3, 24, 32], 1, "same"],
  ["valid padding", [2, 9, 8, 3], [3, 2, 3, 5], 1, "valid"],
  ["stride 2, odd sizes", [2, 9, 7, 4], [3, 3, 4, 6], 2, "same"],
  ["stride 2, valid", [2, 11, 10, 2], [4, 3, 2, 3], 2, "valid"],
];

Deno.test({
  name: "oneDNN convolutions match cpu and the BLAS kernels, forward and both gradients",
  ignore: noDnnl,
  fn() {
    for (const [label, xs, ws, stride, pad] of CONVS) {
      const attrs = { strides: stride, pad, dataFormat: "NHWC", dilations: 1 };
      const g = dnnlGeometry(xs, ws, attrs as unknown as ConvAttrs, false);
      assert(g !== null, `${label}: oneDNN takes it`);
      const x = uniform(xs, `d/${label}/x`);
      const filter = uniform(ws, `d/${label}/w`);
      const y = compare(`${label}: Conv2D`, tf.Conv2D, { x, filter }, attrs);
      const dy = uniform([g.B, g.OH, g.OW, g.O], `d/${label}/dy`);
      assertEquals(y.length, dy.size);
      compare(`${label}: Conv2DBackpropInput`, tf.Conv2DBackpropInput, { dy, filter }, {
        ...attrs,
        inputShape: xs,
      });
      compare(`${label}: Conv2DBackpropFilter`, tf.Conv2DBackpropFilter, { x, dy }, {
        ...attrs,
        filterShape: ws,
      });
      tf.dispose([x, filter, dy]);
    }
  },
});

Deno.test({
  name: "oneDNN fused convolutions add a per-channel bias, then the activation",
  ignore: noDnnl,
  fn() {
    const x = uniform([2, 8, 5, 6], "df/x");
    const filter = uniform([3, 3, 6, 4], "df/w");
    const bias = uniform([4], "df/b");
    for (const activation of ["linear", "relu", "sigmoid"]) {
      compare(`fused ${activation}`, tf.FusedConv2D, { x, filter, bias }, {
        strides: 1,
        pad: "same",
        dataFormat: "NHWC",
        dilations: 1,
        activation,
      });
    }
    tf.dispose([x, filter, bias]);
  },
});

Deno.test({
  name: "the input gradient of a single input channel is left to the BLAS kernel",
  ignore: noDnnl,
  fn() {
    const attrs = { strides: 1, pad: "same", dataFormat: "NHWC", dilations: 1 };
    for (const C of [1, MIN_DNNL_INPUT_GRADIENT_CHANNELS]) {
      const filter = uniform([5, 5, C, 24], `one/w${C}`);
      const dy = uniform([3, 28, 3, 24], `one/dy${C}`);
      const inputs = { dy, filter };
      const all = { ...attrs, inputShape: [3, 28, 3, C] } as unknown as tf.NamedAttrMap;
      const registered = tf.engine().runKernel(tf.Conv2DBackpropInput, inputs, all) as tf.Tensor;
      const blas = tf.engine().makeTensorFromTensorInfo(
        blasKernel(tf.Conv2DBackpropInput).kernelFunc({
          inputs,
          backend: tf.backend(),
          attrs: all,
        }) as tf.TensorInfo,
      );
      const same = registered.dataSync().every((v, i) => v === blas.dataSync()[i]);
      assertEquals(
        same,
        C === 1,
        `${C} input channel(s): ${same ? "" : "not "}the BLAS kernel's bits`,
      );
      tf.dispose([filter, dy, registered, blas]);
    }
  },
});

Deno.test("dilated and pointwise convolutions are left to the BLAS kernels", () => {
  const attrs = { strides: 1, pad: "same", dataFormat: "NHWC" } as unknown as ConvAttrs;
  assertEquals(dnnlGeometry([1, 8, 8, 3], [3, 3, 3, 2], { ...attrs, dilations: 2 }, false), null);
  assertEquals(dnnlGeometry([1, 8, 8, 3], [1, 1, 3, 2], attrs, false), null);
  assertEquals(
    dnnlGeometry([1, 8, 8, 3], [3, 3, 3, 2], { ...attrs, dataFormat: "NCHW" }, false),
    null,
  );
  const g = dnnlGeometry([1, 8, 7, 3], [3, 3, 3, 2], { ...attrs, strides: 2 }, true)!;
  assertEquals([g.OH, g.OW, g.top, g.bottom, g.left, g.right, g.bias], [4, 4, 0, 1, 1, 1, true]);
});

Deno.test({
  name: "with oneDNN the backend names it, and a training step leaves no tensors behind",
  ignore: noDnnl,
  fn() {
    assertStringIncludes(info.detail, registration.dnnl!.description);
    assertEquals(info.dnnl, registration.dnnl!.description);
    const x = uniform([2, 6, 5, 3], "dl/x") as tf.Tensor4D;
    const w = tf.variable(uniform([3, 3, 3, 4], "dl/w"));
    const step = () => {
      const { value, grads } = tf.variableGrads(() =>
        tf.sum(tf.square(tf.conv2d(x, w as unknown as tf.Tensor4D, 1, "same")))
      );
      tf.dispose([value, ...Object.values(grads)]);
    };
    step();
    const tensors = tf.memory().numTensors;
    const bytes = tf.memory().numBytes;
    for (let i = 0; i < 3; i++) step();
    assertEquals(tf.memory().numTensors, tensors);
    assertEquals(tf.memory().numBytes, bytes);
    tf.dispose([x, w]);
  },
});

Deno.test({
  name: "oneDNN keeps a bounded number of plans and re-plans an evicted geometry correctly",
  ignore: noDnnl,
  fn() {
    const dnnl = registration.dnnl!;
    const attrs = { strides: 1, pad: "same", dataFormat: "NHWC", dilations: 1 };
    const first = uniform([1, 6, 5, 2], "plans/x");
    const filter = uniform([3, 3, 2, 3], "plans/w");
    compare("before eviction", tf.Conv2D, { x: first, filter }, attrs);
    for (let b = 2; b < MAX_DNNL_PLANS + 6; b++) {
      const g = dnnlGeometry([b, 6, 5, 2], [3, 3, 2, 3], attrs as unknown as ConvAttrs, false)!;
      dnnl.convolution(g);
      assertLessOrEqual(dnnl.planCount(), MAX_DNNL_PLANS);
    }
    assertEquals(dnnl.planCount(), MAX_DNNL_PLANS);
    compare("after eviction", tf.Conv2D, { x: first, filter }, attrs);
    tf.dispose([first, filter]);
  },
});

const PROBE = `
import { initBackend, tf, blasRegistration } from "./lib/backend/mod.ts";
const info = await initBackend({ backend: "wasm", quiet: true });
const y = tf.conv2d(tf.ones([1, 4, 4, 2]), tf.ones([3, 3, 2, 1]), 1, "same").dataSync();
console.log(JSON.stringify({ dnnl: info.dnnl, detail: info.detail,
  reason: blasRegistration().dnnlReason, y: Array.from(y) }));
`;

/** 2 channels × the taps inside a 4 × 4 image with same padding. */
const ONES_CONV = [8, 12, 12, 8, 12, 18, 18, 12, 12, 18, 18, 12, 8, 12, 12, 8];

Deno.test("RNNX_DNNL=off and a missing library leave the BLAS convolutions, and say why", async () => {
  for (
    const [value, why] of [["off", "RNNX_DNNL=off"], ["/nonexistent/libdnnl.so.2", "/nonexistent"]]
  ) {
    const [line] = await inFreshProcess(PROBE, { RNNX_DNNL: value });
    const r = JSON.parse(line);
    assertEquals(r.dnnl, null);
    assert(!r.detail.includes("oneDNN"), r.detail);
    assertStringIncludes(r.reason, why);
    assertEquals(r.y, ONES_CONV);
  }
});

Deno.test({
  name:
    "the forward pass of few input channels runs on oneDNN's JIT kernel, of many on its first choice",
  ignore: noDnnl,
  fn() {
    const dnnl = registration.dnnl!;
    const attrs = { strides: 1, pad: "same", dataFormat: "NHWC", dilations: 1 };
    const plan = (xs: number[], ws: number[]) =>
      dnnl.convolution(dnnlGeometry(xs, ws, attrs as unknown as ConvAttrs, false)!);
    for (const [xs, ws] of [[[5, 28, 7, 1], [5, 5, 1, 24]], [[2, 28, 7, 24], [5, 5, 24, 24]]]) {
      assertLessOrEqual(ws[2], JIT_FORWARD_BELOW_CHANNELS - 1);
      const conv = plan(xs, ws);
      const jit = conv.forwardOffered.find((name) => name.startsWith("jit:"));
      assertEquals(
        conv.implementations.forward,
        jit ?? conv.forwardOffered[0],
        `${ws[2]} channels`,
      );
    }
    const wide = plan([2, 14, 4, JIT_FORWARD_BELOW_CHANNELS], [
      3,
      3,
      JIT_FORWARD_BELOW_CHANNELS,
      8,
    ]);
    assertEquals(wide.implementations.forward, wide.forwardOffered[0]);
    assert(wide.forwardOffered.length >= 2, wide.forwardOffered.join(", "));
  },
});

/** label, input shape, window, strides, padding: the cells' poolings and odd ones. */
const POOLS: [string, number[], [number, number], [number, number], "same" | "valid"][] = [
  ["conv cells, first layer", [3, 28, 7, 24], [2, 2], [2, 2], "same"],
  ["conv cells, second layer", [3, 14, 4, 32], [2, 2], [2, 2], "same"],
  ["3 × 3 stride 2, odd sizes", [2, 5, 7, 3], [3, 3], [2, 2], "same"],
  ["overlapping, valid", [2, 6, 6, 2], [2, 2], [1, 1], "valid"],
  ["3 × 2 window, strides 2 × 1", [1, 7, 5, 4], [3, 2], [2, 1], "same"],
];

Deno.test({
  name: "oneDNN average pooling and its gradient match cpu and the kernels they replace",
  ignore: noDnnl,
  fn() {
    for (const [label, xs, filterSize, strides, pad] of POOLS) {
      const attrs = { filterSize, strides, pad };
      const g = poolGeometry(xs, attrs);
      assert(g !== null, `${label}: oneDNN takes it`);
      const x = uniform(xs, `p/${label}/x`);
      const dy = uniform([g.B, g.OH, g.OW, g.C], `p/${label}/dy`);
      for (
        const [name, inputs] of [[tf.AvgPool, { x }], [tf.AvgPoolGrad, { dy, input: x }]] as const
      ) {
        const dnnl = sameBitsTwice(`${label} ${name}`, name, inputs, attrs);
        const before = runKernelConfig(registration.replaced.get(name)!, inputs, attrs);
        assertLessOrEqual(relativeDiff(dnnl, before), TOLERANCE, `${label} ${name}: vs replaced`);
        const cpu = onCpu(name, inputs, attrs);
        assertLessOrEqual(relativeDiff(dnnl, cpu), TOLERANCE, `${label} ${name}: vs cpu`);
      }
      tf.dispose([x, dy]);
    }
  },
});

/** label, input shape, filter shape, stride, padding: convolutions large enough for parts. */
const LARGE_CONVS: typeof CONVS = [
  ["Conv⁺ 5×5×24, batch 50", [50, 28, 7, 24], [5, 5, 24, 24], 1, "same"],
  ["Conv⁺ 5×5×24, a last batch of 31", [31, 28, 7, 24], [5, 5, 24, 24], 1, "same"],
  ["ConvDeep first layer, batch 50", [50, 28, 3, 1], [5, 5, 1, 24], 1, "same"],
  ["ConvDeep second layer, batch 50", [50, 14, 2, 24], [3, 3, 24, 32], 1, "same"],
  ["valid padding, an odd count of output channels", [60, 20, 12, 6], [3, 2, 6, 7], 1, "valid"],
  ["stride 2", [64, 33, 31, 8], [3, 3, 8, 16], 2, "same"],
];

/** The multiply-adds of a convolution. */
const multiplyAdds = (g: NonNullable<ReturnType<typeof dnnlGeometry>>) =>
  g.B * g.OH * g.OW * g.O * g.kh * g.kw * g.C;

Deno.test({
  name: "convolution passes in parts across threads give the bits of the whole on one thread",
  ignore: noDnnl,
  async fn() {
    const dnnl = registration.dnnl!;
    /** Each case's three passes: their bits and how many of the runs went in parts. */
    const passes = () =>
      [...CONVS, ...LARGE_CONVS].map(([label, xs, ws, stride, pad]) => {
        const attrs = { strides: stride, pad, dataFormat: "NHWC", dilations: 1 };
        const g = dnnlGeometry(xs, ws, attrs as unknown as ConvAttrs, false)!;
        const x = uniform(xs, `parts/${label}/x`);
        const filter = uniform(ws, `parts/${label}/w`);
        const dy = uniform([g.B, g.OH, g.OW, g.O], `parts/${label}/dy`);
        const runs: [string, Record<string, tf.Tensor>, Record<string, unknown>][] = [
          [tf.Conv2D, { x, filter }, attrs],
          [tf.Conv2DBackpropInput, { dy, filter }, { ...attrs, inputShape: xs }],
          [tf.Conv2DBackpropFilter, { x, dy }, { ...attrs, filterShape: ws }],
        ];
        const result = runs.map(([name, inputs, a]) => {
          const before = dnnl.passesInParts;
          const bits = sameBitsTwice(`${label} ${name}`, name, inputs, a);
          return { label: `${label} ${name}`, bits, inParts: dnnl.passesInParts - before };
        });
        tf.dispose([x, filter, dy]);
        return { g, result };
      });
    const before = dnnl.threads;
    assertEquals(before, 1, "the suite runs oneDNN on one thread");
    const one = passes();
    assert(one.every(({ result }) => result.every((r) => r.inParts === 0)), "none in parts");
    let two: typeof one;
    try {
      dnnl.setThreads(2);
      assertEquals(await dnnl.started(), 1, "a helper started");
      two = passes();
    } finally {
      dnnl.setThreads(before);
    }
    assertEquals(dnnl.helpers, 0, "one thread stops the helpers");
    one.forEach(({ g, result }, i) =>
      result.forEach(({ label, bits }, pass) => {
        const { inParts } = two[i].result[pass];
        assertEquals(two[i].result[pass].bits, bits, `${label}: the same bits on two threads`);
        // the input gradient of one channel is the BLAS kernel's, not oneDNN's
        const onDnnl = pass !== 1 || g.C >= MIN_DNNL_INPUT_GRADIENT_CHANNELS;
        const parted = onDnnl && multiplyAdds(g) >= MIN_PARTED_MULTIPLY_ADDS;
        assertEquals(inParts, parted ? 2 : 0, `${label}: runs in parts`);
      })
    );
  },
});

Deno.test("samples or channels are cut into even ranges, none when there are too few", () => {
  assertEquals(evenRanges(24, 2), [[0, 12], [12, 24]]);
  assertEquals(evenRanges(7, 3), [[0, 3], [3, 5], [5, 7]]);
  assertEquals(evenRanges(32, 1), [[0, 32]]);
  assertEquals(evenRanges(2, 2), [[0, 1], [1, 2]]);
  assertEquals(evenRanges(1, 2), null);
});

Deno.test("a pass is cut by sample, its filter gradient by output channel, small ones not at all", () => {
  const attrs = { strides: 1, pad: "same", dataFormat: "NHWC", dilations: 1 } as const;
  const g = dnnlGeometry([50, 28, 7, 24], [5, 5, 24, 24], attrs as unknown as ConvAttrs, false)!;
  assertEquals(partRanges("forward", g, 2), [[0, 25], [25, 50]]);
  assertEquals(partRanges("backwardData", g, 3), [[0, 17], [17, 34], [34, 50]]);
  assertEquals(partRanges("backwardWeights", g, 2), [[0, 12], [12, 24]]);
  assertEquals(partRanges("forward", { ...g, B: 1 }, 2), null, "fewer samples than threads");
  const small = dnnlGeometry([2, 8, 7, 24], [5, 5, 24, 24], attrs as unknown as ConvAttrs, false)!;
  assertLessOrEqual(multiplyAdds(small), MIN_PARTED_MULTIPLY_ADDS);
  assertEquals(partRanges("backwardWeights", small, 2), null, "too small to hand out");
});

Deno.test({
  name: "the check of parts against the whole pass fails on a single bit",
  ignore: noDnnl,
  fn() {
    const dnnl = registration.dnnl!;
    const attrs = { strides: 1, pad: "same", dataFormat: "NHWC", dilations: 1 } as const;
    const g = dnnlGeometry([50, 28, 7, 24], [5, 5, 24, 24], attrs as unknown as ConvAttrs, true)!;
    for (const pass of ["forward", "backwardData", "backwardWeights"] as const) {
      const ranges = partRanges(pass, g, 2)!;
      const whole = (args: number[]) =>
        (dnnl.convolution(g)[pass] as (...a: number[]) => void)(...args);
      assert(partsGiveWholeBits(pass, g, ranges, whole, (p) => dnnl.runPart(p)), pass);
      // the same parts, with the last bit of the output's first value flipped
      const flipped = (p: ConvolutionPart) => {
        dnnl.runPart(p);
        const out = p.args.at(-1)!;
        const first = new Uint32Array(
          Deno.UnsafePointerView.getArrayBuffer(Deno.UnsafePointer.create(BigInt(out))!, 4),
        );
        if (p.range[0] === 0) first[0] ^= 1;
      };
      assert(!partsGiveWholeBits(pass, g, ranges, whole, flipped), `${pass}: one bit off`);
    }
  },
});

Deno.test({
  name: "a helper that cannot load oneDNN says why and takes no work",
  ignore: noDnnl,
  async fn() {
    const helpers = new DnnlHelpers("/no/such/libdnnl.so.2", 1);
    try {
      assertEquals(await helpers.started(), 0);
      assertStringIncludes(helpers.failures[0], "/no/such/libdnnl.so.2");
      assertEquals(helpers.ready, 0);
      assertThrows(() => helpers.run([{}], () => {}), RangeError, "1 parts for 0 ready helpers");
    } finally {
      helpers.close();
    }
  },
});

Deno.test({
  name: "a part that fails on a helper is named once the thread's own part has run",
  ignore: noDnnl,
  async fn() {
    const path = registration.dnnl!.path;
    const helpers = new DnnlHelpers<ConvolutionPart>(path, 1);
    try {
      assertEquals(await helpers.started(), 1);
      const attrs = { strides: 1, pad: "same", dataFormat: "NHWC", dilations: 1 };
      const g = dnnlGeometry([2, 6, 5, 3], [3, 3, 3, 4], attrs as unknown as ConvAttrs, false)!;
      const broken = { ...g, kh: 0 };
      let own = false;
      const failed = assertThrows(() =>
        helpers.run(
          [{ pass: "backwardWeights", geometry: broken, range: [2, 4], args: [0, 0, 0] }],
          () => (own = true),
        )
      );
      assert(own, "the thread's own part ran");
      assertStringIncludes((failed as Error).message, "a oneDNN helper failed: oneDNN:");
      // the helper takes the next part as before
      const dnnl = openDnnl(path, 1);
      const x = new Float32Array(g.B * g.H * g.W * g.C).map((_, i) => Math.sin(i));
      const dy = new Float32Array(g.B * g.OH * g.OW * g.O).map((_, i) => Math.cos(i));
      const [here, there] = [0, 1].map(() => new Float32Array(g.kh * g.kw * g.C * g.O));
      const at = (a: Float32Array) => Number(Deno.UnsafePointer.value(Deno.UnsafePointer.of(a)));
      dnnl.convolution(g).backwardWeights(at(x), at(dy), at(here));
      const part = (range: readonly [number, number]): ConvolutionPart => ({
        pass: "backwardWeights",
        geometry: g,
        range,
        args: [at(x), at(dy), at(there)],
      });
      helpers.run([part([2, 4])], () => dnnl.runPart(part([0, 2])));
      assertEquals(there, here);
    } finally {
      helpers.close();
    }
  },
});

/** Three Conv⁺Deep training steps (batch 50): the backend's description and the weights' bits. */
const TRAINING_PROBE = `
import { blasRegistration, initBackend, tf } from "./lib/backend/mod.ts";
import { buildCell, createModel } from "./lib/cells/mod.ts";
import { Adam, ADAM_DEFAULTS, benchBatch, DEFAULT_LEARNING_RATE, trainStep } from "./lib/train/mod.ts";
const info = await initBackend({ backend: "wasm", quiet: true });
const dnnl = blasRegistration()?.dnnl;
await dnnl?.started();
const spec = buildCell("conv+deep", 12);
const model = createModel(spec, { seed: 0 });
const adam = new Adam(model.params, { learningRate: DEFAULT_LEARNING_RATE, ...ADAM_DEFAULTS });
const { x, y } = benchBatch(spec.width, 50, 0);
for (let i = 0; i < 3; i++) trainStep(model, adam, x, y, 7 + i);
const bits = [...model.params.values()].map((p) =>
  Array.from(new Uint32Array((p.dataSync() as Float32Array).slice().buffer)).join(","));
const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(bits.join(";"))));
const inParts = dnnl?.passesInParts ?? 0;
console.log(JSON.stringify({ detail: info.detail, digest: Array.from(digest).join("."), inParts }));
`;

Deno.test({
  name: "RNNX_DNNL_THREADS=2 trains to the same bits as one thread, its passes in parts",
  ignore: noDnnl,
  async fn() {
    const run = async (threads: string) =>
      JSON.parse(
        (await inFreshProcess(TRAINING_PROBE, {
          RNNX_DNNL_THREADS: threads,
          RNNX_BLAS_THREADS: "1",
        }))[0],
      );
    const one = await run("1");
    const two = await run("2");
    assertStringIncludes(one.detail, "oneDNN");
    assertStringIncludes(one.detail, "1 thread)");
    assertStringIncludes(two.detail, "2 threads, passes in parts");
    assertStringIncludes(two.detail, "OpenBLAS", "OpenBLAS keeps its own count");
    assert(!two.detail.includes("libopenblas.so.0, 2 threads"), two.detail);
    assertEquals(two.digest, one.digest);
    assertEquals(one.inParts, 0);
    assertLessOrEqual(1, two.inParts, "the passes ran in parts");
  },
});

Deno.test("a thread count that is not a positive integer is named with its variable", async () => {
  for (const [name, value] of [["RNNX_DNNL_THREADS", "two"], ["RNNX_BLAS_THREADS", "0"]]) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["eval", "--quiet", PROBE],
      cwd: new URL("..", import.meta.url),
      env: { NO_COLOR: "1", [name]: value },
    }).output();
    assert(!out.success, `${name}=${value} must fail`);
    assertStringIncludes(
      new TextDecoder().decode(out.stderr),
      `${name} must be a positive integer, found "${value}"`,
    );
  }
});
