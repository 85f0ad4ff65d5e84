import { assert, assertEquals, assertStringIncludes, assertThrows } from "@std/assert";
import { createCanvas, loadImage } from "@napi-rs/canvas";
import { FigureSpecError, type HeatmapFigure, heatmapGrid } from "../lib/plot/mod.ts";

async function pixels(
  png: Uint8Array,
): Promise<{ width: number; height: number; at(x: number, y: number): number[] }> {
  const image = await loadImage(png);
  const canvas = createCanvas(image.width, image.height);
  const ctx = canvas.getContext("2d");
  ctx.drawImage(image, 0, 0);
  const data = ctx.getImageData(0, 0, image.width, image.height).data;
  return {
    width: image.width,
    height: image.height,
    at: (x, y) => Array.from(data.slice((y * image.width + x) * 4, (y * image.width + x) * 4 + 3)),
  };
}

/** Centre pixel of heatmap cell (row r, column c) of the 28-row grid. */
function at(fig: HeatmapFigure, cell: number, r: number, c: number): [number, number] {
  const box = fig.meta.cells[cell];
  const s = fig.meta.scale;
  return [box.x + c * s + Math.floor(s / 2), box.y + r * s + Math.floor(s / 2)];
}

function sample(width: number): Float32Array {
  const r = new Float32Array(28 * width);
  r[3 * width + 4] = 2; // strongest positive
  r[10 * width + 20] = -2; // strongest negative
  r[20 * width + 10] = 0.5; // 0.25 after normalisation
  return r;
}

Deno.test("a heatmap PNG has the layout's size and every cell is upscaled by the scale", async () => {
  const fig = heatmapGrid({
    rows: [
      {
        label: "Deep · DTD",
        cells: [{ relevance: sample(28), width: 28 }, { relevance: sample(84), width: 84 }],
      },
      {
        label: "Shallow · SA",
        cells: [{ relevance: sample(28), width: 28 }, { relevance: sample(84), width: 84 }],
      },
    ],
    columnLabels: ["digit 3", "MAJ sample"],
    title: "Example",
    scale: 3,
  });
  const img = await pixels(fig.png);
  assertEquals([img.width, img.height], [fig.width, fig.height]);
  assertEquals(fig.meta.cells.length, 4);
  assertEquals([fig.meta.cells[0].width, fig.meta.cells[0].height], [84, 84]);
  assertEquals([fig.meta.cells[1].width, fig.meta.cells[1].height], [252, 84]);
  assert(fig.meta.cells[2].y > fig.meta.cells[0].y + 84, "second row below the first");
  assert(fig.meta.colorBar !== null && fig.meta.colorBar.x > fig.meta.cells[1].x + 252);
});

Deno.test("positive, negative and zero relevance are drawn red, blue and light grey", async () => {
  const fig = heatmapGrid({
    rows: [{ label: "Deep · DTD", cells: [{ relevance: sample(28), width: 28 }] }],
  });
  const img = await pixels(fig.png);
  assertEquals(img.at(...at(fig, 0, 3, 4)), [102, 0, 0]);
  assertEquals(img.at(...at(fig, 0, 10, 20)), [0, 0, 102]);
  assertEquals(img.at(...at(fig, 0, 0, 0)), [230, 230, 230]);
  // 0.25: R = 0.9, G = B = 0.9 - 0.5 * 0.25 / 0.3
  assertEquals(img.at(...at(fig, 0, 20, 10)), [230, 123, 123]);
  // nearest-neighbour upscaling: the whole 4×4 block of the pixel has its colour
  const box = fig.meta.cells[0];
  for (let dy = 0; dy < 4; dy++) {
    for (let dx = 0; dx < 4; dx++) {
      assertEquals(img.at(box.x + 4 * 4 + dx, box.y + 3 * 4 + dy), [102, 0, 0]);
    }
  }
});

Deno.test("positive-only mode draws negative relevance as zero", async () => {
  const fig = heatmapGrid({
    rows: [{ label: "R-LSTM-SD", cells: [{ relevance: sample(28), width: 28 }] }],
    positiveOnly: true,
  });
  const img = await pixels(fig.png);
  assertEquals(img.at(...at(fig, 0, 10, 20)), [230, 230, 230]);
  assertEquals(img.at(...at(fig, 0, 3, 4)), [102, 0, 0]);
});

Deno.test("misclassified samples are framed in red, lightened and still readable; inputs grey", async () => {
  const input = new Float32Array(28 * 28).fill(-1);
  input[5 * 28 + 5] = 1;
  const fig = heatmapGrid({
    rows: [{
      label: "Deep · GB",
      cells: [
        { relevance: sample(28), width: 28, input },
        { relevance: sample(28), width: 28, input, faded: true },
      ],
    }],
    columnLabels: ["ok", "wrong"],
    inputRow: true,
  });
  assertEquals(fig.meta.rowLabels, ["Input", "Deep · GB"]);
  assertEquals(fig.meta.cells.map((c) => [c.row, c.column, c.kind, c.faded]), [
    [-1, 0, "input", false],
    [-1, 1, "input", false],
    [0, 0, "relevance", false],
    [0, 1, "relevance", true],
  ]);
  const img = await pixels(fig.png);
  assertEquals(img.at(...at(fig, 0, 5, 5)), [255, 255, 255]);
  assertEquals(img.at(...at(fig, 0, 0, 0)), [0, 0, 0]);
  // faded: 0.6·colour + 0.4·white
  assertEquals(img.at(...at(fig, 3, 3, 4)), [163, 102, 102]);
  assertEquals(img.at(...at(fig, 3, 0, 0)), [240, 240, 240]);
  const box = fig.meta.cells[3];
  assertEquals(img.at(box.x - 1, box.y + 20), [214, 39, 40], "no red frame left of the cell");
  const ok = fig.meta.cells[2];
  assertEquals(img.at(ok.x - 1, ok.y + 20), [255, 255, 255], "a correct sample is framed");
  assertEquals(fig.svg.match(/class="rnnx-misclassified"/g)?.length, 1);
});

Deno.test("the SVG carries the labels as text and the cells as embedded PNG images", () => {
  const fig = heatmapGrid({
    rows: [{ label: "Conv⁺Deep · LRP-α1.5β0.5", cells: [{ relevance: sample(84), width: 84 }] }],
    columnLabels: ["label <7>"],
    title: "MAJ",
  });
  assert(fig.svg.startsWith("<svg"));
  assertStringIncludes(fig.svg, `width="${fig.width}" height="${fig.height}"`);
  assertStringIncludes(fig.svg, ">Conv⁺Deep · LRP-α1.5β0.5</text>");
  assertStringIncludes(fig.svg, ">label &lt;7&gt;</text>");
  assertStringIncludes(fig.svg, 'href="data:image/png;base64,');
  assertStringIncludes(fig.svg, "linearGradient");
});

Deno.test("grids with ragged rows, wrong sizes or missing inputs are rejected", () => {
  const cell = { relevance: sample(28), width: 28 };
  assertThrows(
    () =>
      heatmapGrid({ rows: [{ label: "a", cells: [cell] }, { label: "b", cells: [cell, cell] }] }),
    FigureSpecError,
    "has 2 cells, expected 1",
  );
  assertThrows(
    () =>
      heatmapGrid({
        rows: [{ label: "a", cells: [{ relevance: new Float32Array(10), width: 28 }] }],
      }),
    FigureSpecError,
    "28×28 = 784 values, got 10",
  );
  assertThrows(
    () => heatmapGrid({ rows: [{ label: "a", cells: [cell] }], inputRow: true }),
    FigureSpecError,
    "input row needs an input in column 0",
  );
  assertThrows(
    () => heatmapGrid({ rows: [{ label: "a", cells: [cell] }], scale: 1.5 }),
    FigureSpecError,
  );
});
