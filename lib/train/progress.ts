/**
 * Training progress displays: a bar redrawn in place with `\r` on a terminal,
 * plain periodic lines when the output is not a terminal (logs, CI), and an
 * output that updates in place inside a Jupyter notebook (a display with a
 * `display_id`, refreshed through `update_display_data`). Updates are
 * throttled; epoch ends and messages are always shown.
 *
 * @module
 */
import { escapeHtml, type JupyterApi, jupyterApi, JupyterOutput } from "./jupyter_output.ts";
import type { TrainProgress } from "./trainer.ts";

/** Receives training progress and messages. */
export interface ProgressDisplay {
  /** Shows a progress snapshot (may be throttled). */
  update(p: TrainProgress): void | Promise<void>;
  /** Shows a line of text (e.g. a fold's result), never throttled. */
  message(line: string): void | Promise<void>;
  /** Finishes the display (ends the in-place line). */
  close(): void | Promise<void>;
}

/** Where progress goes: `auto` picks `jupyter`, `tty` or `lines`. */
export type ProgressMode = "auto" | "tty" | "lines" | "jupyter" | "none";

/** The valid progress modes. */
export const PROGRESS_MODES: readonly ProgressMode[] = ["auto", "tty", "lines", "jupyter", "none"];

/** Options of {@link createProgressDisplay}. */
export interface ProgressOptions {
  /** Minimum milliseconds between two in-place redraws (default 100 on a terminal, 500 in Jupyter). */
  minIntervalMs?: number;
  /** Milliseconds between two lines in `lines` mode (default 10,000). */
  lineIntervalMs?: number;
  /** Where text goes in `tty` and `lines` mode (default standard error). */
  write?: (text: string) => void;
  /** The Jupyter API to use (default `Deno.jupyter` when running in a Deno kernel). */
  jupyter?: JupyterApi;
}

/** Formats milliseconds as h:mm:ss or m:ss. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "?";
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}

/** A text bar of `width` characters filled to `fraction`. */
export function progressBar(fraction: number, width = 20): string {
  const f = Math.min(1, Math.max(0, fraction));
  const full = Math.round(f * width);
  return `[${"#".repeat(full)}${".".repeat(width - full)}]`;
}

/**
 * One line describing a progress snapshot; with early stopping it ends with the last
 * scored epoch's held-out accuracy, the best so far (the epoch a plateau counts from) and
 * the target.
 *
 * @example
 * ```ts
 * import { formatProgress } from "./progress.ts";
 * const line = formatProgress({
 *   cell: "deep", T: 12, fold: 0, epoch: 1, epochs: 2, batch: 10, batches: 20, loss: 2.1,
 *   accuracy: 0.25, seqPerSec: 800, elapsedMs: 1000, etaMs: 3000, epochDone: false,
 * });
 * if (!line.includes("epoch 1/2") || !line.includes("ETA 0:03")) throw new Error(line);
 * ```
 */
export function formatProgress(p: TrainProgress): string {
  const where = p.fold === null ? "" : ` fold ${p.fold}`;
  const done = ((p.epoch - 1) * p.batches + p.batch) / (p.epochs * p.batches);
  return `${p.cell} T${p.T}${where} ${progressBar(done)} epoch ${p.epoch}/${p.epochs} ` +
    `batch ${p.batch}/${p.batches} loss ${p.loss.toFixed(4)} acc ${
      (100 * p.accuracy).toFixed(1)
    }% ${p.seqPerSec.toFixed(0)} seq/s ETA ${formatDuration(p.etaMs)}${heldOutText(p)}`;
}

/** " held-out 97.90% (best 98.02% @5, target 98.50%)", or "" without early stopping. */
function heldOutText(p: TrainProgress): string {
  const h = p.heldOut;
  if (!h) return "";
  const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
  const target = h.target === null ? "" : `, target ${pct(h.target)}`;
  return ` held-out ${pct(h.accuracy)} (best ${pct(h.best.accuracy)} @${h.best.epoch}${target})`;
}

function isTerminal(): boolean {
  try {
    return Deno.stderr.isTerminal();
  } catch {
    return false;
  }
}

function stderrWriter(): (text: string) => void {
  const enc = new TextEncoder();
  return (text) => {
    Deno.stderr.writeSync(enc.encode(text));
  };
}

class TerminalDisplay implements ProgressDisplay {
  #write: (text: string) => void;
  #minInterval: number;
  #last = -Infinity;
  #open = false;

  constructor(opts: ProgressOptions) {
    this.#write = opts.write ?? stderrWriter();
    this.#minInterval = opts.minIntervalMs ?? 100;
  }

  update(p: TrainProgress): void {
    const now = performance.now();
    if (!p.epochDone && now - this.#last < this.#minInterval) return;
    this.#last = now;
    this.#write(`\r${formatProgress(p)}\x1b[K`);
    this.#open = true;
    if (p.epochDone) {
      this.#write("\n");
      this.#open = false;
    }
  }

  message(line: string): void {
    this.#write(`${this.#open ? "\r\x1b[K" : ""}${line}\n`);
    this.#open = false;
  }

  close(): void {
    if (this.#open) this.#write("\n");
    this.#open = false;
  }
}

class LineDisplay implements ProgressDisplay {
  #write: (text: string) => void;
  #interval: number;
  #last = -Infinity;

  constructor(opts: ProgressOptions) {
    this.#write = opts.write ?? stderrWriter();
    this.#interval = opts.lineIntervalMs ?? 10000;
  }

  update(p: TrainProgress): void {
    const now = performance.now();
    if (!p.epochDone && now - this.#last < this.#interval) return;
    this.#last = now;
    this.#write(`${formatProgress(p)}\n`);
  }

  message(line: string): void {
    this.#write(`${line}\n`);
  }

  close(): void {}
}

class JupyterDisplay implements ProgressDisplay {
  #output: JupyterOutput;
  #minInterval: number;
  #last = -Infinity;
  #lines: string[] = [];
  #current = "";
  #fraction = 0;

  constructor(api: JupyterApi, opts: ProgressOptions) {
    this.#output = new JupyterOutput(api, "rnnx-train");
    this.#minInterval = opts.minIntervalMs ?? 500;
  }

  #bundle(): Record<string, string> {
    const text = [...this.#lines.slice(-30), ...(this.#current ? [this.#current] : [])].join("\n");
    const bar = `<progress value="${this.#fraction.toFixed(4)}" max="1" style="width: 40em">` +
      `</progress>`;
    return {
      "text/plain": text,
      "text/html": `<div>${bar}<pre>${escapeHtml(text)}</pre></div>`,
    };
  }

  async #render(): Promise<void> {
    this.#last = performance.now();
    await this.#output.show(this.#bundle());
  }

  async update(p: TrainProgress): Promise<void> {
    this.#current = formatProgress(p);
    this.#fraction = ((p.epoch - 1) * p.batches + p.batch) / (p.epochs * p.batches);
    if (p.epochDone) {
      this.#lines.push(this.#current);
      this.#current = "";
    } else if (performance.now() - this.#last < this.#minInterval) {
      return;
    }
    await this.#render();
  }

  async message(line: string): Promise<void> {
    this.#lines.push(line);
    await this.#render();
  }

  async close(): Promise<void> {
    this.#current = "";
    if (this.#output.shown) await this.#render();
  }
}

class SilentDisplay implements ProgressDisplay {
  update(): void {}
  message(): void {}
  close(): void {}
}

/**
 * Creates a progress display. `auto` uses the Jupyter display inside a Deno
 * Jupyter kernel, the in-place bar when standard error is a terminal, and
 * plain lines otherwise.
 *
 * @example
 * ```ts
 * import { createProgressDisplay } from "./progress.ts";
 * const lines: string[] = [];
 * const display = createProgressDisplay("lines", { write: (t) => lines.push(t) });
 * display.message("fold 0 done");
 * if (lines[0] !== "fold 0 done\n") throw new Error();
 * ```
 */
export function createProgressDisplay(
  mode: ProgressMode = "auto",
  opts: ProgressOptions = {},
): ProgressDisplay {
  if (!PROGRESS_MODES.includes(mode)) {
    throw new RangeError(`unknown progress mode "${mode}"; valid: ${PROGRESS_MODES.join(", ")}`);
  }
  let chosen = mode;
  const api = opts.jupyter ?? jupyterApi();
  if (chosen === "auto") chosen = api ? "jupyter" : isTerminal() ? "tty" : "lines";
  switch (chosen) {
    case "jupyter":
      if (!api) throw new Error("progress mode jupyter: Deno.jupyter is not available here");
      return new JupyterDisplay(api, opts);
    case "tty":
      return new TerminalDisplay(opts);
    case "lines":
      return new LineDisplay(opts);
    default:
      return new SilentDisplay();
  }
}
