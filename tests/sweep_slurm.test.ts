/**
 * A real Slurm array: a smoke sweep of Experiment 1 (14 runs) submitted to
 * the cluster `.ci/slurm-up` sets up on this machine, waited for, submitted
 * again (which submits nothing), and read by `deno task report` without
 * training anything. Skipped where Slurm does not answer.
 */
import { assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { join } from "node:path";
import { slurmAvailable, type TaskReport } from "../lib/sweep/mod.ts";
import { listRuns } from "../lib/train/mod.ts";
import { ensureDataMirror, tempRunsRoot } from "./train_fixtures.ts";

const available = await slurmAvailable();
if (!available) {
  console.error(
    "sweep_slurm.test.ts: SKIPPED: Slurm does not answer here (`sinfo` failed); " +
      "`.ci/slurm-up` sets up a single-node cluster (Debian, root)",
  );
}
ensureDataMirror();

const REPO = new URL("..", import.meta.url).pathname;
const WAIT_MS = 10 * 60_000;

async function task(args: string[], env: Record<string, string>) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", ...args],
    cwd: REPO,
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}

async function manifests(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const r of await listRuns(root)) {
    out.set(r.dir, await Deno.readTextFile(join(r.dir, "manifest.json")));
  }
  return out;
}

Deno.test({
  name: "a smoke sweep runs as a Slurm array; re-submission submits nothing; the report only reads",
  ignore: !available,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const root = await tempRunsRoot();
    const work = await Deno.makeTempDir({ prefix: "rnnx-report-" });
    const env = { RNNX_RUNS_DIR: root };
    const sweep = ["sweep", "--profile", "smoke", "--only", "exp1"];
    try {
      const submitted = await task([...sweep, "--slurm", "--max-parallel", "2"], env);
      assertEquals(submitted.code, 0, submitted.stderr);
      assertMatch(submitted.stdout, /submitted job \d+: 14 array tasks/);

      let tasks: TaskReport[] = [];
      const deadline = Date.now() + WAIT_MS;
      while (Date.now() < deadline) {
        const status = await task(["sweep", "--status", "--json"], env);
        assertEquals(status.code, 0, status.stderr);
        tasks = JSON.parse(status.stdout);
        if (tasks.every((t) => t.status === "finished" || t.status === "failed")) {
          // finished on disk: wait for the tasks to leave the queue too
          if (tasks.every((t) => t.slurm === null || t.slurm === "COMPLETED")) break;
        }
        await new Promise((r) => setTimeout(r, 2000));
      }
      assertEquals(tasks.length, 14);
      const failed = tasks.filter((t) => t.status !== "finished");
      assertEquals(failed, [], "every array task finished its run");
      for (const t of tasks) {
        assertStringIncludes(await Deno.readTextFile(t.log), `worker ${t.index}`);
      }

      const again = await task([...sweep, "--slurm"], env);
      assertEquals(again.code, 0, again.stderr);
      assertStringIncludes(again.stdout, "nothing to submit: 14 runs done");
      const dry = await task([...sweep, "--dry-run", "--json"], env);
      const plan = JSON.parse(dry.stdout);
      assertEquals(plan.totals.at(-1).done, 14);

      const before = await manifests(root);
      assertEquals(before.size, 14);
      const report = await task(
        ["report", "--profile", "smoke", "--only", "00,01", "--no-html", "--workdir", work],
        env,
      );
      assertEquals(report.code, 0, report.stderr);
      assertEquals(await manifests(root), before, "the report trained nothing");
      for (const nb of ["00-background.ipynb", "01-sequence-classification.ipynb"]) {
        const text = await Deno.readTextFile(join(work, "notebooks", nb));
        assertMatch(text, /models \(\d+ runs\): 0 trained, \d+ reused/, nb);
      }
    } finally {
      await Deno.remove(root, { recursive: true });
      await Deno.remove(work, { recursive: true });
    }
  },
});
