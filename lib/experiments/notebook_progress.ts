/**
 * Progress of training and explaining as a notebook keeps it: while a cell
 * runs, one line that updates in place; when it ends, a single collapsed
 * summary (`<details>`) whose one visible line is the last message (e.g. "8
 * models (16 runs): 16 trained, 0 reused …") and whose body holds one line
 * per model. Per-epoch lines never stay in the notebook. Outside a Jupyter
 * kernel the progress goes to the terminal (standard error) as before.
 *
 * @module
 */
import {
  createProgressDisplay,
  escapeHtml,
  formatProgress,
  type JupyterApi,
  jupyterApi,
  JupyterOutput,
  type ProgressDisplay,
  type TrainProgress,
} from "../train/mod.ts";

/** Live in place while running; one collapsed summary with a line per model when closed. */
export class NotebookProgress implements ProgressDisplay {
  #output: JupyterOutput;
  #lines: string[] = [];
  #current = "";
  #last = -Infinity;
  #minInterval: number;

  /** A display through `api` (`Deno.jupyter`), refreshed at most every `minIntervalMs`. */
  constructor(api: JupyterApi, minIntervalMs = 500) {
    this.#output = new JupyterOutput(api, "rnnx-progress");
    this.#minInterval = minIntervalMs;
  }

  async #send(data: Record<string, string>): Promise<void> {
    this.#last = performance.now();
    await this.#output.show(data);
  }

  /** The live bundle: the last model line and the current progress line. */
  #live(): Record<string, string> {
    const text = [...this.#lines.slice(-1), this.#current].filter(Boolean).join("\n");
    return { "text/plain": text, "text/html": `<pre>${escapeHtml(text)}</pre>` };
  }

  /** The final bundle: the summary line, the model lines folded away under it. */
  summary(): Record<string, string> {
    const head = this.#lines.at(-1) ?? "";
    const body = this.#lines.slice(0, -1);
    const html = body.length
      ? `<details class="rnnx-progress"><summary>${escapeHtml(head)}</summary><pre>${
        escapeHtml(body.join("\n"))
      }</pre></details>`
      : `<div class="rnnx-progress">${escapeHtml(head)}</div>`;
    return { "text/plain": head, "text/html": html };
  }

  /** Shows the current step in place (throttled; epoch ends are not kept). */
  async update(p: TrainProgress): Promise<void> {
    this.#current = formatProgress(p);
    if (!p.epochDone && performance.now() - this.#last < this.#minInterval) return;
    await this.#send(this.#live());
  }

  /** Keeps a line (one per model) for the summary. */
  async message(line: string): Promise<void> {
    this.#lines.push(line);
    this.#current = "";
    await this.#send(this.#live());
  }

  /** Replaces the live output with the collapsed summary. */
  async close(): Promise<void> {
    if (this.#lines.length === 0 && !this.#output.shown) return;
    await this.#send(this.summary());
  }
}

/**
 * The progress display of the experiment drivers: {@link NotebookProgress}
 * inside a Deno Jupyter kernel, the terminal display elsewhere.
 */
export function notebookProgress(api: JupyterApi | null = jupyterApi()): ProgressDisplay {
  return api ? new NotebookProgress(api) : createProgressDisplay("auto");
}
