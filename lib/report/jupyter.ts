/**
 * Headless notebook execution through Jupyter (nbconvert / nbclient) with the
 * Deno kernel.
 *
 * @module
 */
import { basename } from "node:path";
import { writeFileAtomic } from "../data/mod.ts";

/** Raised when Jupyter's nbconvert is not installed; the message says how to install it. */
export class JupyterMissingError extends Error {
  /** Creates the error. */
  constructor(detail: string) {
    super(
      `Jupyter (nbconvert + nbclient) is not installed (${detail}).\n` +
        "Install it with one of:\n" +
        "  Debian/Ubuntu: sudo apt-get install jupyter-nbconvert python3-nbclient jupyter-client\n" +
        "  pip:           python3 -m pip install nbconvert nbclient jupyter-client",
    );
    this.name = "JupyterMissingError";
  }
}

/** Raised when a notebook cell fails; carries the notebook and the cell's error. */
export class NotebookExecutionError extends Error {
  /** Creates the error. */
  constructor(readonly notebook: string, readonly detail: string) {
    super(`notebook ${notebook} failed:\n${detail}`);
    this.name = "NotebookExecutionError";
  }
}

async function run(
  cmd: string,
  args: string[],
  opts: { env?: Record<string, string>; cwd?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(cmd, {
    args,
    env: opts.env,
    cwd: opts.cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Returns nbconvert's version, or throws `JupyterMissingError`. */
export async function nbconvertVersion(): Promise<string> {
  try {
    const r = await run("jupyter", ["nbconvert", "--version"]);
    if (r.code !== 0) throw new JupyterMissingError(r.stderr.trim().split("\n").pop() ?? "");
    return r.stdout.trim();
  } catch (e) {
    if (e instanceof JupyterMissingError) throw e;
    throw new JupyterMissingError("no `jupyter` command on PATH");
  }
}

/** Installs the Deno kernelspec (`deno jupyter --install`) unless Jupyter already lists one. */
export async function ensureDenoKernel(): Promise<"present" | "installed"> {
  const list = await run("jupyter", ["kernelspec", "list", "--json"]);
  if (list.code === 0) {
    const specs = JSON.parse(list.stdout).kernelspecs ?? {};
    if ("deno" in specs) return "present";
  }
  const r = await run(Deno.execPath(), ["jupyter", "--install"]);
  if (r.code !== 0) throw new Error(`deno jupyter --install failed:\n${r.stderr}`);
  return "installed";
}

interface NotebookJson {
  cells: { cell_type: string; source: string | string[]; outputs?: NotebookOutput[] }[];
}
interface NotebookOutput {
  output_type: string;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}

// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

/** The error outputs of an executed notebook, as readable text. */
export function errorCells(nb: NotebookJson): string[] {
  const found: string[] = [];
  nb.cells.forEach((cell, i) => {
    for (const o of cell.outputs ?? []) {
      if (o.output_type === "error") {
        const source = Array.isArray(cell.source) ? cell.source.join("") : cell.source;
        const trace = (o.traceback ?? []).join("\n").replace(ANSI, "");
        found.push(`cell ${i + 1}:\n${source}\n--> ${o.ename}: ${o.evalue}\n${trace}`);
      }
    }
  });
  return found;
}

/**
 * Executes a notebook headlessly with the Deno kernel. The kernel runs in the
 * notebook's own folder (so `../lib` imports resolve); the executed copy is
 * written to `outputDir` (or in place when omitted), atomically and only when
 * every cell ran: nbconvert writes into a temporary folder, from which the copy
 * replaces the earlier one whole, so an interrupted or failed run leaves the
 * earlier copy (and in place, the notebook itself) as it was. Throws
 * `NotebookExecutionError` with the failing cell's error.
 */
export async function executeNotebook(
  path: string,
  opts: { outputDir?: string; env?: Record<string, string> } = {},
): Promise<string> {
  const name = basename(path);
  const target = opts.outputDir ? `${opts.outputDir}/${name}` : path;
  const staging = await Deno.makeTempDir({ prefix: "rnnx-notebook-" });
  try {
    const r = await run("jupyter", [
      "nbconvert",
      "--to",
      "notebook",
      "--execute",
      "--ExecutePreprocessor.timeout=-1",
      "--ExecutePreprocessor.kernel_name=deno",
      "--output-dir",
      staging,
      path,
    ], { env: { NO_COLOR: "1", ...opts.env } });
    let executed: string | null = null;
    let errors: string[] = [];
    try {
      executed = await Deno.readTextFile(`${staging}/${name}`);
      errors = errorCells(JSON.parse(executed));
    } catch {
      // no output written: the failure is in nbconvert's own message
    }
    if (r.code !== 0 || errors.length > 0 || executed === null) {
      const detail = errors.length > 0
        ? errors.join("\n\n")
        : r.stderr.replace(ANSI, "").split("\n").slice(-40).join("\n");
      throw new NotebookExecutionError(name, detail);
    }
    await writeFileAtomic(target, executed);
    return target;
  } finally {
    await Deno.remove(staging, { recursive: true }).catch(() => {});
  }
}

/** Converts an executed notebook to an HTML fragment (nbconvert's `basic` template). */
export async function notebookToHtmlFragment(path: string): Promise<string> {
  const r = await run("jupyter", [
    "nbconvert",
    "--to",
    "html",
    "--template",
    "basic",
    "--stdout",
    path,
  ]);
  if (r.code !== 0) throw new Error(`nbconvert --to html failed for ${path}:\n${r.stderr}`);
  return r.stdout;
}

/** CSS for the syntax highlighting classes nbconvert emits (from Pygments). */
export async function highlightCss(): Promise<string> {
  const r = await run("python3", [
    "-c",
    "from pygments.formatters import HtmlFormatter; print(HtmlFormatter(style='default').get_style_defs('.highlight'))",
  ]);
  return r.code === 0 ? r.stdout : "";
}
