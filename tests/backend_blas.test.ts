/**
 * The native-BLAS kernels of the wasm backend give the numbers of the pure wasm kernels
 * they replace and of the cpu backend, and the backend falls back to the pure kernels
 * cleanly when the library is absent or turned off.
 */
import {
  assert,
  assertEquals,
  assertLessOrEqual,
  assertMatch,
  assertStringIncludes,
} from "@std/assert";
import { blasRegistration, initBackend, loadBlas, tf } from "../lib/backend/mod.ts";
import {
  inFreshProcess,
  onCpu,
  relativeDiff,
  runKernelConfig,
  TOLERANCE,
  uniform,
} from "./backend_fixtures.ts";
import {
  blasConv2D,
  blasConv2DBackpropFilter,
  blasConv2DBackpropInput,
  blasFusedConv2D,
  cachedPatchCount,
  type ConvAttrs,
  convLayout,
} from "../lib/backend/blas_conv2d.ts";

const info = await initBackend({ backend: "wasm", quiet: true });
const registration = blasRegistration()!;
const noBlas = registration.library === null;

const BLAS_CONVOLUTIONS = [
  [tf.Conv2D, blasConv2D],
  [tf.FusedConv2D, blasFusedConv2D],
  [tf.Conv2DBackpropFilter, blasConv2DBackpropFilter],
  [tf.Conv2DBackpropInput, blasConv2DBackpropInput],
] as const;

/**
 * Runs `fn` with the BLAS convolution kernels registered (oneDNN's, when it loaded,
 * replace them; `backend_dnnl.test.ts` tests those), and restores what was registered.
 */
function onBlasConvolutions(fn: () => void): void {
  const saved = BLAS_CONVOLUTIONS.map(([name]) => tf.getKernel(name, "wasm")!);
  for (const [name, make] of BLAS_CONVOLUTIONS) {
    tf.unregisterKernel(name, "wasm");
    tf.registerKernel(make(registration.library!, registration.replaced.get(name)!));
  }
  try {
    fn();
  } finally {
    for (const config of saved) {
      tf.unregisterKernel(config.kernelName, "wasm");
      tf.registerKernel(config);
    }
  }
}

/** Runs kernel `name` as registered (BLAS), as the pure kernel it replaced, and on cpu. */
function threeWays(
  name: string,
  inputs: Record<string, tf.Tensor>,
  attrs: Record<string, unknown>,
): { blas: Float32Array; pure: Float32Array | null; cpu: Float32Array } {
  const run = () => tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as tf.Tensor;
  const blasOut = run();
  const blas = blasOut.dataSync() as Float32Array;
  blasOut.dispose();
  let pure: Float32Array | null = null;
  const fallback = registration.replaced.get(name);
  if (fallback) {
    try {
      pure = runKernelConfig(fallback, inputs, attrs);
    } catch {
      pure = null; // the pure kernel does not support these attributes
    }
  }
  return { blas, pure, cpu: onCpu(name, inputs, attrs) };
}

function assertThreeWays(
  label: string,
  name: string,
  inputs: Record<string, tf.Tensor>,
  attrs: Record<string, unknown>,
  pure: "compare" | "if it runs" | "skip" = "compare",
): void {
  const r = threeWays(name, inputs, attrs);
  assertLessOrEqual(relativeDiff(r.blas, r.cpu), TOLERANCE, `${label}: BLAS vs cpu`);
  if (pure === "skip") return;
  if (pure === "compare") assert(r.pure !== null, `${label}: the pure wasm kernel did not run`);
  if (r.pure) assertLessOrEqual(relativeDiff(r.blas, r.pure), TOLERANCE, `${label}: BLAS vs pure`);
}

Deno.test({
  name: "with a BLAS library the backend names it and registers its kernels",
  ignore: noBlas,
  fn() {
    assertStringIncludes(info.detail, registration.library!.description);
    assertEquals(info.blas, registration.library!.description);
    for (const k of ["BatchMatMul", "_FusedMatMul", "Conv2D", "Conv2DBackpropFilter"]) {
      assert(info.kernelFixes.includes(k), `${k} missing from ${info.kernelFixes}`);
      assert(registration.replaced.has(k), `${k} has no pure kernel to fall back to`);
    }
  },
});

Deno.test({
  name: "BLAS matrix products match the pure wasm kernels and cpu (transposes, batches)",
  ignore: noBlas,
  fn() {
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        const a = uniform(ta ? [2, 7, 5] : [2, 5, 7], `a${ta}`);
        const b = uniform(tb ? [2, 3, 7] : [2, 7, 3], `b${tb}`);
        assertThreeWays(`batched ${ta}/${tb}`, tf.BatchMatMul, { a, b }, {
          transposeA: ta,
          transposeB: tb,
        });
        tf.dispose([a, b]);
      }
    }
    const a = uniform([1, 6, 4], "bcast/a");
    const b = uniform([3, 4, 5], "bcast/b");
    assertThreeWays("one a for three b", tf.BatchMatMul, { a, b }, {
      transposeA: false,
      transposeB: false,
    });
    tf.dispose([a, b]);
  },
});

Deno.test({
  name: "BLAS fused products add column, element and scalar biases and apply the activation",
  ignore: noBlas,
  fn() {
    const a = uniform([1, 6, 4], "f/a");
    const b = uniform([1, 4, 5], "f/b");
    // The pure kernel takes rank-1 biases only, and reads a one-value bias as a column
    // bias (past its end): those two are compared with cpu only.
    const biases: [string, tf.Tensor, "compare" | "skip"][] = [
      ["column", uniform([5], "f/c"), "compare"],
      ["element", uniform([6, 5], "f/e"), "skip"],
      ["scalar", uniform([1], "f/s"), "skip"],
    ];
    for (const [layout, bias, pure] of biases) {
      for (const activation of ["linear", "relu", "sigmoid", "leakyrelu"]) {
        assertThreeWays(
          `${layout} bias, ${activation}`,
          tf._FusedMatMul,
          { a, b, bias },
          { transposeA: false, transposeB: false, activation, leakyreluAlpha: 0.3 },
          pure,
        );
      }
    }
    tf.dispose([a, b, ...biases.map((b) => b[1])]);
  },
});

/**
 * Conv attributes over the cases the kernels handle (SAME/VALID, stride, dilation), and
 * the layouts of the forward pass and of the input gradient they run in.
 */
const CONVS: [string, number[], number[], Record<string, unknown>, string, string][] = [
  [
    "5x5 same, one channel",
    [3, 9, 7, 1],
    [5, 5, 1, 4],
    { strides: 1, pad: "same" },
    "patches",
    "gather",
  ],
  [
    "5x5 same, one channel, gathered a sample at a time",
    [3, 48, 40, 1],
    [5, 5, 1, 3],
    { strides: 1, pad: "same" },
    "patches",
    "gather",
  ],
  [
    "5x5 valid, one channel, gathered two samples at a time",
    [5, 44, 34, 1],
    [5, 5, 1, 2],
    { strides: 1, pad: "valid" },
    "patches",
    "gather",
  ],
  [
    "3x3 valid, one channel",
    [2, 6, 5, 1],
    [3, 3, 1, 3],
    { strides: 1, pad: "valid" },
    "patches",
    "gather",
  ],
  [
    "2x4 same (uneven), one channel",
    [2, 5, 6, 1],
    [2, 4, 1, 3],
    { strides: 1, pad: "same" },
    "patches",
    "gather",
  ],
  [
    "3x3 stride 2, one channel",
    [2, 7, 6, 1],
    [3, 3, 1, 2],
    { strides: 2, pad: "same" },
    "patches",
    "patches",
  ],
  ["3x3 same", [2, 6, 5, 6], [3, 3, 6, 4], { strides: 1, pad: "same" }, "patches", "patches"],
  ["3x3 valid", [2, 6, 5, 3], [3, 3, 3, 2], { strides: 1, pad: "valid" }, "patches", "patches"],
  [
    "2x2 same (uneven padding)",
    [2, 5, 5, 2],
    [2, 2, 2, 3],
    { strides: 1, pad: "same" },
    "patches",
    "patches",
  ],
  ["3x3 stride 2", [2, 8, 7, 2], [3, 3, 2, 3], { strides: 2, pad: "same" }, "patches", "patches"],
  ["1x1", [2, 4, 3, 5], [1, 1, 5, 2], { strides: 1, pad: "valid" }, "pointwise", "pointwise"],
  [
    "5x5 same, 25 channels in, 8 out",
    [3, 8, 4, 25],
    [5, 5, 25, 8],
    { strides: 1, pad: "same" },
    "row-taps",
    "row-taps",
  ],
  [
    "5x5 same, 25 in, 6 out",
    [2, 7, 5, 25],
    [5, 5, 25, 6],
    { strides: 1, pad: "same" },
    "row-taps",
    "patches",
  ],
  [
    "3x3 valid, 16 channels",
    [2, 7, 6, 16],
    [3, 3, 16, 12],
    { strides: 1, pad: "valid" },
    "row-taps",
    "row-taps",
  ],
  [
    "2x4 same (uneven), 16 channels",
    [2, 6, 7, 16],
    [2, 4, 16, 9],
    { strides: 1, pad: "same" },
    "row-taps",
    "row-taps",
  ],
  [
    "3x5 same, stride 2 across",
    [2, 7, 9, 12],
    [3, 5, 12, 8],
    { strides: [1, 2], pad: "same" },
    "row-taps",
    "patches",
  ],
  [
    "3x3 stride 2, 16 channels",
    [2, 8, 7, 16],
    [3, 3, 16, 12],
    { strides: 2, pad: "same" },
    "patches",
    "patches",
  ],
];

Deno.test({
  name: "BLAS convolutions match the pure wasm kernels and cpu",
  ignore: noBlas,
  fn() {
    onBlasConvolutions(() => {
      for (const [label, xs, ws, attrs, forward, input] of CONVS) {
        const x = uniform(xs, `c/${label}/x`);
        const filter = uniform(ws, `c/${label}/w`);
        const full = { ...attrs, dataFormat: "NHWC", dilations: 1 };
        assertEquals(convLayout(xs, ws, full as ConvAttrs), { forward, input }, label);
        assertThreeWays(`${label}: Conv2D`, tf.Conv2D, { x, filter }, full);
        const dy = tf.conv2d(
          x as tf.Tensor4D,
          filter as tf.Tensor4D,
          attrs.strides as 1,
          attrs.pad as "same",
        );
        // the pure filter gradient handles stride 1 only
        assertThreeWays(
          `${label}: Conv2DBackpropFilter`,
          tf.Conv2DBackpropFilter,
          { x, dy },
          { ...full, filterShape: ws },
          attrs.strides === 1 ? "compare" : "skip",
        );
        assertThreeWays(`${label}: Conv2DBackpropInput`, tf.Conv2DBackpropInput, {
          dy,
          filter,
        }, { ...full, inputShape: xs });
        tf.dispose([x, filter, dy]);
      }
      const x = uniform([2, 6, 6, 2], "dil/x");
      const filter = uniform([3, 3, 2, 2], "dil/w");
      assertThreeWays("dilation 2: Conv2D", tf.Conv2D, { x, filter }, {
        strides: 1,
        pad: "same",
        dataFormat: "NHWC",
        dilations: 2,
      });
      tf.dispose([x, filter]);
    });
  },
});

Deno.test({
  name: "BLAS fused convolutions add the bias and apply the activation like cpu",
  ignore: noBlas,
  fn() {
    onBlasConvolutions(() => {
      const x = uniform([2, 6, 5, 3], "fc/x");
      const filter = uniform([3, 3, 3, 4], "fc/w");
      const bias = uniform([4], "fc/b");
      for (const activation of ["linear", "relu", "sigmoid"]) {
        assertThreeWays(`fused conv ${activation}`, tf.FusedConv2D, { x, filter, bias }, {
          strides: 1,
          pad: "same",
          dataFormat: "NHWC",
          dilations: 1,
          activation,
        });
      }
      tf.dispose([x, filter, bias]);
    });
  },
});

Deno.test({
  name: "a filter gradient reuses the forward pass's patches and gives the same numbers",
  ignore: noBlas,
  fn() {
    onBlasConvolutions(() => {
      // the full patch matrix, then the width patches of the row-tap layout
      for (const C of [4, 16]) {
        const x = uniform([3, 8, 6, C], `cache/x${C}`) as tf.Tensor4D;
        const w = uniform([3, 3, C, 5], `cache/w${C}`) as tf.Tensor4D;
        const g = uniform([3, 8, 6, 5], `cache/g${C}`);
        const attrs = { strides: 1, pad: "same", dataFormat: "NHWC", filterShape: [3, 3, C, 5] };
        assertEquals(
          convLayout(x.shape, w.shape, attrs as ConvAttrs).forward,
          C === 4 ? "patches" : "row-taps",
        );
        const before = cachedPatchCount();
        let during = -1;
        const viaGrad = tf.grad((filter: tf.Tensor) => {
          const y = tf.conv2d(x, filter as tf.Tensor4D, 1, "same");
          during = cachedPatchCount();
          return tf.sum(tf.mul(y, g));
        })(w);
        assertEquals(during, before + 1, "the recorded forward pass keeps its patches");
        assertEquals(cachedPatchCount(), before, "the filter gradient takes them");
        const direct = tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy: g }, attrs);
        assertLessOrEqual(
          relativeDiff(viaGrad.dataSync(), (direct as tf.Tensor).dataSync()),
          1e-6,
        );
        tf.dispose([x, w, g, viaGrad, direct as tf.Tensor]);
      }
    });
  },
});

Deno.test({
  name: "BLAS kernels leave no tensors behind",
  ignore: noBlas,
  fn() {
    const x = uniform([2, 6, 5, 3], "leak/x") as tf.Tensor4D;
    const w = tf.variable(uniform([3, 3, 3, 4], "leak/w"));
    const a = uniform([5, 7], "leak/a") as tf.Tensor2D;
    const b = uniform([7, 3], "leak/b") as tf.Tensor2D;
    const step = () => {
      const { value, grads } = tf.variableGrads(() =>
        tf.add(
          tf.sum(
            tf.fused.conv2d({
              x,
              filter: w as tf.Tensor4D,
              activation: "relu",
              strides: 1,
              pad: "same",
            }),
          ),
          tf.sum(tf.fused.matMul({ a, b, activation: "relu" })),
        ) as tf.Scalar
      );
      tf.dispose([value, ...Object.values(grads)]);
    };
    step();
    const tensors = tf.memory().numTensors;
    const bytes = tf.memory().numBytes;
    for (let i = 0; i < 3; i++) step();
    assertEquals(tf.memory().numTensors, tensors);
    assertEquals(tf.memory().numBytes, bytes);
    tf.dispose([x, w, a, b]);
  },
});

const PROBE = `
import { initBackend, tf, blasRegistration } from "./lib/backend/mod.ts";
const info = await initBackend({ backend: "wasm", quiet: true });
const y = tf.matMul(tf.ones([2, 3]), tf.ones([4, 3]), false, true).dataSync();
console.log(JSON.stringify({ blas: info.blas, detail: info.detail, fixes: info.kernelFixes,
  reason: blasRegistration().reason, y: Array.from(y) }));
`;

Deno.test("a missing BLAS library leaves the pure wasm kernels, without an error", async () => {
  const [line] = await inFreshProcess(PROBE, {
    RNNX_BLAS: "/nonexistent/libopenblas.so.0",
  });
  const r = JSON.parse(line);
  assertEquals(r.blas, null);
  assertMatch(r.detail, /^tfjs-backend-wasm \((no )?SIMD[^)]*\)$/);
  assertStringIncludes(r.reason, "/nonexistent/libopenblas.so.0");
  assert(r.fixes.includes("BatchMatMul"), "the pure transpose fix is still registered");
  assert(!r.fixes.includes("Conv2D"), "no BLAS convolution without BLAS");
  assertEquals(r.y, new Array(8).fill(3));
});

Deno.test("RNNX_BLAS=off turns the BLAS kernels off and says so", async () => {
  const [line] = await inFreshProcess(PROBE, {
    RNNX_BLAS: "off",
  });
  const r = JSON.parse(line);
  assertEquals(r.blas, null);
  assertStringIncludes(r.reason, "RNNX_BLAS=off");
});

Deno.test("loadBlas reports a library without cblas_sgemm as not found", () => {
  const prev = Deno.env.get("RNNX_BLAS");
  Deno.env.set("RNNX_BLAS", "libc.so.6");
  try {
    const r = loadBlas();
    assert(!r.ok);
    assertStringIncludes(r.reason, "libc.so.6");
    assertStringIncludes(r.reason, "cblas_sgemm");
  } finally {
    if (prev === undefined) Deno.env.delete("RNNX_BLAS");
    else Deno.env.set("RNNX_BLAS", prev);
  }
});

const CORE_PROBE = `
import { initBackend, openblasCoreType } from "./lib/backend/mod.ts";
const info = await initBackend({ backend: "wasm", quiet: true });
console.log(JSON.stringify({ blas: info.blas, default: openblasCoreType(undefined, undefined),
  env: Deno.env.get("OPENBLAS_CORETYPE") ?? null }));
`;

Deno.test({
  name:
    "RNNX_BLAS_CORETYPE picks OpenBLAS's kernels over OPENBLAS_CORETYPE, the backend names them, children's environment is untouched",
  ignore: !(blasRegistration()?.library?.description ?? "").startsWith("OpenBLAS"),
  async fn() {
    const probe = async (env: Record<string, string>) =>
      JSON.parse((await inFreshProcess(CORE_PROBE, env))[0]);
    const pinned = await probe({ RNNX_BLAS_CORETYPE: "Haswell", OPENBLAS_CORETYPE: "Prescott" });
    assertStringIncludes(pinned.blas, "Haswell kernels");
    assertEquals(pinned.env, "Prescott", "the variable children inherit is as it was");
    const library = await probe({ RNNX_BLAS_CORETYPE: "auto", OPENBLAS_CORETYPE: "Haswell" });
    assertStringIncludes(library.blas, "Haswell kernels");
    const chosen = await probe({ RNNX_BLAS_CORETYPE: "", OPENBLAS_CORETYPE: "Haswell" });
    if (chosen.default === null) {
      assertStringIncludes(chosen.blas, "Haswell kernels");
    } else {
      assertEquals(chosen.default, "SkylakeX", "AVX-512 machines load the SkylakeX kernels");
      assertStringIncludes(chosen.blas, "SkylakeX kernels");
    }
  },
});
