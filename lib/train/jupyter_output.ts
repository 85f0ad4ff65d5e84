/**
 * Output inside a Deno Jupyter kernel: the part of `Deno.jupyter` the
 * project uses, one output that is shown once and then updated in place
 * (a display with a `display_id`, refreshed through `update_display_data`),
 * and the HTML escaping of the text it shows.
 *
 * @module
 */

/** The part of `Deno.jupyter` used here. */
export interface JupyterApi {
  /** Shows a MIME bundle (with `{ raw: true, display_id }` for an output updated later). */
  display(obj: unknown, options?: Record<string, unknown>): Promise<void>;
  /** Sends a message on the IOPub channel (here `update_display_data`). */
  broadcast(msgType: string, content: Record<string, unknown>): Promise<void>;
}

/** `Deno.jupyter` when running inside a Deno Jupyter kernel, else null. */
export function jupyterApi(): JupyterApi | null {
  try {
    const api = (Deno as unknown as { jupyter?: JupyterApi }).jupyter;
    return api && typeof api.broadcast === "function" && typeof api.display === "function"
      ? api
      : null;
  } catch {
    return null;
  }
}

/**
 * Escapes text for HTML content and attribute values.
 *
 * @example
 * ```ts
 * import { escapeHtml } from "./jupyter_output.ts";
 * if (escapeHtml('<a href="x">') !== "&lt;a href=&quot;x&quot;&gt;") throw new Error();
 * ```
 */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

let outputCounter = 0;

/**
 * One notebook output that is displayed on the first {@link show} and
 * replaced in place by every later one.
 *
 * @example
 * ```ts
 * import { JupyterOutput } from "./jupyter_output.ts";
 * const sent: string[] = [];
 * const api = {
 *   display: () => Promise.resolve(void sent.push("display")),
 *   broadcast: (type: string) => Promise.resolve(void sent.push(type)),
 * };
 * const out = new JupyterOutput(api, "demo");
 * await out.show({ "text/plain": "1" });
 * await out.show({ "text/plain": "2" });
 * console.log(sent); // ["display", "update_display_data"]
 * ```
 */
export class JupyterOutput {
  #api: JupyterApi;
  #id: string;
  #shown = false;

  /** An output of `api` whose display id starts with `prefix`. */
  constructor(api: JupyterApi, prefix: string) {
    this.#api = api;
    this.#id = `${prefix}-${Date.now()}-${++outputCounter}`;
  }

  /** Whether the output has been displayed. */
  get shown(): boolean {
    return this.#shown;
  }

  /** Displays `data` (a MIME bundle), or replaces what this output shows with it. */
  async show(data: Record<string, string>): Promise<void> {
    if (!this.#shown) {
      this.#shown = true;
      await this.#api.display(data, { raw: true, display_id: this.#id });
    } else {
      await this.#api.broadcast("update_display_data", {
        data,
        metadata: {},
        transient: { display_id: this.#id },
      });
    }
  }
}
