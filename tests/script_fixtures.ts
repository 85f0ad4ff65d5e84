/** Running one of the project's scripts in a process of its own, as a test sees it. */

/** What a script run printed, and how it ended. */
export interface ScriptRun {
  /** Whether it exited 0. */
  ok: boolean;
  /** Its exit code. */
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `script` (a path from the repository root) with `args`, all permissions and
 * `NO_COLOR` plus `env` added to this process's environment.
 */
export async function runScript(
  script: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<ScriptRun> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", script, ...args],
    cwd: new URL("..", import.meta.url),
    env: { NO_COLOR: "1", ...env },
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { ok: out.success, code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}
