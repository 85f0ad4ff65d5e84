import {
  assert,
  assertEquals,
  assertRejects,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import { join } from "node:path";
import { initBackend, tf } from "../lib/backend/mod.ts";
import {
  buildCell,
  createModel,
  decodeSafetensors,
  disposeModel,
  encodeSafetensors,
  forward,
  loadModel,
  loadWeightsInto,
  readSafetensors,
  type SafeTensor,
  SafetensorsError,
  saveWeights,
  writeSafetensors,
} from "../lib/cells/mod.ts";

await initBackend({ quiet: true });

function sample(): Map<string, SafeTensor> {
  return new Map<string, SafeTensor>([
    ["w", { dtype: "F32", shape: [2, 3], data: new Float32Array([1, -2, 3.5, 0, 1e-8, -1e8]) }],
    ["ids", { dtype: "I32", shape: [3], data: new Int32Array([-1, 0, 2147483647]) }],
    ["mask", { dtype: "U8", shape: [1, 1, 5], data: new Uint8Array([0, 1, 2, 254, 255]) }],
    ["d", { dtype: "F64", shape: [], data: new Float64Array([Math.PI]) }],
    ["big", { dtype: "I64", shape: [2], data: new BigInt64Array([-5n, 1n << 40n]) }],
  ]);
}

Deno.test("safetensors round-trips every dtype, shape and the metadata", () => {
  const bytes = encodeSafetensors(sample(), { cell: "deep", note: "ä ✓" });
  const back = decodeSafetensors(bytes);
  assertEquals(back.metadata, { cell: "deep", note: "ä ✓" });
  assertEquals([...back.tensors.keys()], ["w", "ids", "mask", "d", "big"]);
  for (const [name, t] of sample()) {
    const b = back.tensors.get(name)!;
    assertEquals(b.dtype, t.dtype, name);
    assertEquals(b.shape, t.shape, name);
    assertEquals(
      Array.from(b.data as ArrayLike<unknown>),
      Array.from(t.data as ArrayLike<unknown>),
    );
  }
});

Deno.test("the safetensors header is JSON space-padded so that the data start at a multiple of 8", () => {
  const bytes = encodeSafetensors(sample());
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assertEquals(n % 8, 0);
  const header = new TextDecoder().decode(bytes.subarray(8, 8 + n));
  const parsed = JSON.parse(header);
  assertEquals(parsed.w, { dtype: "F32", shape: [2, 3], data_offsets: [0, 24] });
  assertEquals(parsed.ids.data_offsets, [24, 36]);
  assert(header.endsWith(" ") || header.endsWith("}"));
  assertEquals(bytes.length, 8 + n + 24 + 12 + 5 + 8 + 16);
});

Deno.test("malformed safetensors files fail with a message naming the problem", () => {
  const bytes = encodeSafetensors(sample());
  const truncated = bytes.slice(0, bytes.length - 3);
  assertStringIncludes(
    assertThrows(() => decodeSafetensors(truncated, "x.safetensors"), SafetensorsError).message,
    "truncated",
  );
  const bad = bytes.slice();
  bad[8] = "[".charCodeAt(0);
  assertThrows(() => decodeSafetensors(bad, "y.safetensors"), SafetensorsError, "y.safetensors");
  assertThrows(() => decodeSafetensors(new Uint8Array(4)), SafetensorsError, "at least 8");
  assertThrows(
    () =>
      encodeSafetensors(
        new Map([["w", { dtype: "F32", shape: [3], data: new Float32Array(2) }]]),
      ),
    SafetensorsError,
    "needs 3 values",
  );
  assertThrows(
    () =>
      encodeSafetensors(
        new Map([["w", { dtype: "F32", shape: [2], data: new Int32Array(2) }]]),
      ),
    SafetensorsError,
    "matching typed array",
  );
});

async function python(code: string, args: string[]): Promise<{ ok: boolean; out: string }> {
  try {
    const r = await new Deno.Command("python3", { args: ["-c", code, ...args] }).output();
    return {
      ok: r.success,
      out: new TextDecoder().decode(r.stdout) + new TextDecoder().decode(r.stderr),
    };
  } catch {
    return { ok: false, out: "python3 not found" };
  }
}

const hasNumpy = (await python("import numpy", [])).ok;

// A reader that follows the published format with NumPy only (safetensors' own
// `load_file` is used instead when that package is installed).
const PY_READ = `
import json, struct, sys
import numpy as np
path = sys.argv[1]
try:
    from safetensors.numpy import load_file
    arrays = load_file(path)
except ImportError:
    raw = open(path, "rb").read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    header.pop("__metadata__", None)
    kinds = {"F32": "<f4", "F64": "<f8", "I32": "<i4", "I64": "<i8", "U8": "u1"}
    arrays = {}
    for k, v in header.items():
        b, e = v["data_offsets"]
        arrays[k] = np.frombuffer(raw[8 + n + b:8 + n + e], dtype=kinds[v["dtype"]]).reshape(v["shape"])
print(json.dumps({k: {"shape": list(a.shape), "sum": float(a.astype(np.float64).sum())} for k, a in arrays.items()}))
`;

const PY_WRITE = `
import json, struct, sys
import numpy as np
w = np.arange(12, dtype="<f4").reshape(3, 4) / 8
header = {"__metadata__": {"origin": "numpy"}, "w": {"dtype": "F32", "shape": [3, 4], "data_offsets": [0, 48]}}
h = json.dumps(header).encode()
h += b" " * (-len(h) % 8)
open(sys.argv[1], "wb").write(struct.pack("<Q", len(h)) + h + w.tobytes())
`;

Deno.test({
  name: "NumPy reads files written here and files written by NumPy read back here",
  ignore: !hasNumpy,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "rnnx-st-" });
    try {
      const path = join(dir, "a.safetensors");
      await writeSafetensors(path, sample(), { k: "v" });
      const r = await python(PY_READ, [path]);
      assert(r.ok, r.out);
      const info = JSON.parse(r.out);
      assertEquals(info.w, { shape: [2, 3], sum: 1 - 2 + 3.5 + 0 + Math.fround(1e-8) - 1e8 });
      assertEquals(info.mask, { shape: [1, 1, 5], sum: 512 });
      assertEquals(info.d.shape, []);
      const other = join(dir, "b.safetensors");
      const w = await python(PY_WRITE, [other]);
      assert(w.ok, w.out);
      const back = await readSafetensors(other);
      assertEquals(back.metadata, { origin: "numpy" });
      assertEquals(Array.from(back.tensors.get("w")!.data as Float32Array), [
        ...Array.from({ length: 12 }, (_, i) => i / 8),
      ]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("model weights saved as safetensors rebuild the same model", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rnnx-weights-" });
  const model = createModel(buildCell("rlstm-sd", 12), { seed: 17, biasMode: "thesis" });
  const x = tf.randomUniform([2, 28, 84], -1, 1, "float32", 3);
  try {
    const path = join(dir, "w.safetensors");
    await saveWeights(model, path, { note: "test" });
    const file = await readSafetensors(path);
    assertEquals(file.metadata.cell, "rlstm-sd");
    assertEquals(file.metadata.bias_mode, "thesis");
    assertEquals(file.metadata.note, "test");
    assertEquals(file.tensors.get("in1.weight")!.shape, [196, 256]);
    const again = await loadModel(path);
    const a = forward(model, x);
    const b = forward(again, x);
    assertEquals(Array.from(a.dataSync()), Array.from(b.dataSync()));
    tf.dispose([a, b]);
    disposeModel(again);
    const wrong = createModel(buildCell("rlstm-sd", 12), { seed: 1, biasMode: "code" });
    await assertRejects(() => loadWeightsInto(wrong, path), SafetensorsError, "not parameters");
    disposeModel(wrong);
    const other = createModel(buildCell("deep", 12), { seed: 1 });
    await assertRejects(() => loadWeightsInto(other, path), SafetensorsError, "holds rlstm-sd");
    disposeModel(other);
  } finally {
    x.dispose();
    disposeModel(model);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a safetensors file written over another is never seen partly written", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rnnx-safetensors-" });
  const path = join(dir, "w.safetensors");
  const tensors = (v: number) =>
    new Map<string, SafeTensor>([
      ["w", { dtype: "F32", shape: [1 << 20], data: new Float32Array(1 << 20).fill(v) }],
    ]);
  try {
    await writeSafetensors(path, tensors(0));
    let writing = true;
    const seen = new Set<number>();
    const broken: string[] = [];
    const watch = (async () => {
      while (writing) {
        try {
          const w = (await readSafetensors(path)).tensors.get("w")!.data as Float32Array;
          seen.add(w[0]);
          if (w[w.length - 1] !== w[0]) broken.push("two writes mixed");
        } catch (e) {
          broken.push((e as Error).message);
        }
      }
    })();
    for (let i = 1; i <= 40; i++) await writeSafetensors(path, tensors(i));
    writing = false;
    await watch;
    assertEquals(broken, [], "readers saw a partly written file");
    assert(seen.size > 1, "the reader saw the file change");
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["w.safetensors"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
