import {
  assert,
  assertEquals,
  assertGreater,
  assertRejects,
  assertStringIncludes,
} from "@std/assert";
import { join } from "node:path";
import { processStartTime } from "../lib/train/process_alive.ts";
import {
  acquireRunLock,
  RunLockedError,
  type RunLockHolder,
  runLockPath,
} from "../lib/train/run_lock.ts";

const HOLDER = new URL("./run_lock_holder.ts", import.meta.url).pathname;
const CHURN = new URL("./run_lock_churn.ts", import.meta.url).pathname;

/**
 * A child process running `script` on run directory `dir` (stdin piped), once it
 * has printed its first line, which must be `<word> <its pid>`.
 */
async function startChild(script: string, dir: string, word: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", script, dir],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await lines.read();
    if (done) throw new Error(`${script} exited before printing "${word}": ${text}`);
    text += value;
  }
  assertEquals(text.trim(), `${word} ${child.pid}`);
  return { child, lines };
}

/** A child process holding the lock of `dir` (see run_lock_holder.ts). */
function startHolder(dir: string) {
  return startChild(HOLDER, dir, "locked");
}

async function withTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "rnnx-lock-" });
  try {
    await body(join(root, "mnist-maj", "deep-T12", "smoke-seed0", "fold-0of2"));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

async function writeForeignLock(dir: string, holder: RunLockHolder, ageMs: number): Promise<void> {
  await Deno.mkdir(join(dir, ".."), { recursive: true });
  await Deno.writeTextFile(runLockPath(dir), JSON.stringify(holder) + "\n");
  const t = new Date(Date.now() - ageMs);
  await Deno.utime(runLockPath(dir), t, t);
}

Deno.test("a lock held by another process is refused, or waited for until it is released", async () => {
  await withTempDir(async (dir) => {
    const { child, lines } = await startHolder(dir);
    const e = await assertRejects(() => acquireRunLock(dir), RunLockedError) as RunLockedError;
    assertEquals(e.dir, dir);
    assertEquals(e.holder?.pid, child.pid);
    assertStringIncludes(e.message, `pid ${child.pid} on host ${Deno.hostname()}`);
    assertStringIncludes(e.message, runLockPath(dir));
    const seen: (RunLockHolder | null)[] = [];
    const writer = child.stdin.getWriter();
    const lock = await acquireRunLock(dir, {
      wait: true,
      pollMs: 20,
      onWait: async (holder) => {
        seen.push(holder);
        await writer.write(new TextEncoder().encode("release\n"));
      },
    });
    try {
      assertEquals(seen.map((h) => h?.pid), [child.pid]);
      assert(lock.waited);
      assertEquals(JSON.parse(await Deno.readTextFile(lock.path)).pid, Deno.pid);
      assertEquals((await lines.read()).value?.trim(), "released");
      assert((await child.status).success);
    } finally {
      await lock.release();
      await writer.close();
      await lines.cancel();
    }
    await assertRejects(() => Deno.stat(runLockPath(dir)), Deno.errors.NotFound);
  });
});

Deno.test("the lock of a holder killed with SIGKILL is taken over at once", async () => {
  await withTempDir(async (dir) => {
    const { child, lines } = await startHolder(dir);
    child.kill("SIGKILL");
    await child.status;
    await lines.cancel();
    await child.stdin.close();
    // the killed holder's file is still there
    assertEquals(JSON.parse(await Deno.readTextFile(runLockPath(dir))).pid, child.pid);
    const stale: string[] = [];
    const lock = await acquireRunLock(dir, { onStale: (_h, reason) => void stale.push(reason) });
    try {
      assertEquals(stale, [`pid ${child.pid} no longer runs on ${Deno.hostname()}`]);
      assertEquals(lock.waited, false);
      assertEquals(JSON.parse(await Deno.readTextFile(lock.path)).pid, Deno.pid);
    } finally {
      await lock.release();
    }
  });
});

Deno.test("a lock from another host is stale only once its heartbeat is older than the timeout", async () => {
  await withTempDir(async (dir) => {
    const holder: RunLockHolder = {
      pid: 4242,
      hostname: "slurm-node-17",
      processStart: null,
      startedAt: "2026-01-01T00:00:00.000Z",
    };
    await writeForeignLock(dir, holder, 60_000);
    const e = await assertRejects(() => acquireRunLock(dir), RunLockedError);
    assertStringIncludes(e.message, "pid 4242 on host slurm-node-17");
    await writeForeignLock(dir, holder, 11 * 60_000);
    const stale: (RunLockHolder | null)[] = [];
    const lock = await acquireRunLock(dir, { onStale: (h) => void stale.push(h) });
    await lock.release();
    assertEquals(stale, [holder]);
    // a shorter timeout can be asked for
    await writeForeignLock(dir, holder, 60_000);
    await (await acquireRunLock(dir, { staleMs: 30_000 })).release();
  });
});

Deno.test("a pid of this host that now belongs to a later process does not keep a lock", async () => {
  const start = processStartTime(Deno.pid);
  if (start === null) return; // no /proc: only the heartbeat decides
  await withTempDir(async (dir) => {
    const holder = { pid: Deno.pid, hostname: Deno.hostname(), startedAt: "2026-01-01T00:00Z" };
    await writeForeignLock(dir, { ...holder, processStart: start }, 0);
    await assertRejects(() => acquireRunLock(dir), RunLockedError);
    await writeForeignLock(dir, { ...holder, processStart: `${start}1` }, 0);
    const stale: string[] = [];
    const lock = await acquireRunLock(dir, { onStale: (_h, reason) => void stale.push(reason) });
    await lock.release();
    assertStringIncludes(stale[0], "now belongs to a process started later");
  });
});

Deno.test("the holder refreshes the lock's heartbeat, from its timer and on demand", async () => {
  await withTempDir(async (dir) => {
    const past = new Date(Date.now() - 3_600_000);
    const mtime = async () => (await Deno.stat(runLockPath(dir))).mtime!.getTime();
    const onDemand = await acquireRunLock(dir, { heartbeatMs: 3_600_000 });
    await Deno.utime(onDemand.path, past, past);
    onDemand.refresh(); // not due yet
    assertEquals(await mtime(), past.getTime());
    await onDemand.release();

    const due = await acquireRunLock(dir, { heartbeatMs: 1 });
    Deno.utimeSync(due.path, past, past);
    for (const t0 = Date.now(); Date.now() - t0 < 3;) {
      // busy, as a training loop is: the timer cannot run
    }
    due.refresh();
    assertGreater(Deno.statSync(due.path).mtime!.getTime(), Date.now() - 60_000);
    await due.release();

    const lock = await acquireRunLock(dir, { heartbeatMs: 10 });
    try {
      await Deno.utime(lock.path, past, past);
      for (let i = 0; i < 500 && await mtime() === past.getTime(); i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      assertGreater(await mtime(), Date.now() - 60_000);
    } finally {
      await lock.release();
    }
  });
});

Deno.test("release removes only the holder's own lock file and can be repeated", async () => {
  await withTempDir(async (dir) => {
    const lock = await acquireRunLock(dir);
    const other = JSON.stringify({ pid: 1, hostname: "elsewhere" });
    await Deno.writeTextFile(lock.path, other);
    await lock.release();
    await lock.release();
    assertEquals(await Deno.readTextFile(lock.path), other);
  });
});

Deno.test("two waiters never both take over the same stale lock", async () => {
  await withTempDir(async (dir) => {
    const dead = {
      pid: 999_999_999,
      hostname: Deno.hostname(),
      processStart: null,
      startedAt: "2026-01-01T00:00:00.000Z",
    };
    await writeForeignLock(dir, dead, 0);
    let firstReleased = false;
    const take = async () => {
      const lock = await acquireRunLock(dir, { wait: true, pollMs: 5 });
      return { lock, afterRelease: firstReleased };
    };
    const a = take();
    const b = take();
    const first = await Promise.race([a, b]);
    assertEquals(first.afterRelease, false);
    assertEquals(JSON.parse(await Deno.readTextFile(runLockPath(dir))).pid, Deno.pid);
    await new Promise((r) => setTimeout(r, 50));
    firstReleased = true;
    await first.lock.release();
    const [ra, rb] = await Promise.all([a, b]);
    const second = ra === first ? rb : ra;
    assert(second.afterRelease, "the second waiter got the lock only after the first released it");
    assert(second.lock.waited);
    await second.lock.release();
  });
});

Deno.test("waiting for a lock stops when its signal is aborted", async () => {
  await withTempDir(async (dir) => {
    const held = await acquireRunLock(dir);
    const controller = new AbortController();
    const waiting = acquireRunLock(dir, {
      wait: true,
      pollMs: 5,
      signal: controller.signal,
      onWait: () => controller.abort(new Error("given up")),
    });
    await assertRejects(() => waiting, Error, "given up");
    await held.release();
  });
});

Deno.test("a lock file is never seen without its holder", async () => {
  await withTempDir(async (dir) => {
    const path = runLockPath(dir);
    let taking = true;
    let holders = 0;
    const unreadable: string[] = [];
    const watch = (async () => {
      while (taking) {
        try {
          const text = await Deno.readTextFile(path);
          if (typeof JSON.parse(text || "null")?.pid === "number") holders++;
          else unreadable.push(JSON.stringify(text));
        } catch (e) {
          if (e instanceof SyntaxError) unreadable.push("partly written");
          else if (!(e instanceof Deno.errors.NotFound)) throw e;
        }
      }
    })();
    for (let i = 0; i < 400; i++) await (await acquireRunLock(dir)).release();
    taking = false;
    await watch;
    assertEquals(unreadable, [], "lock files seen without a holder");
    assertGreater(holders, 0);
    const left = [...Deno.readDirSync(join(dir, ".."))].map((e) => e.name);
    assertEquals(left, [], "nothing is left beside the run once its lock is released");
  });
});

Deno.test("a process killed at any moment of taking and releasing locks blocks the next one for no time", async () => {
  await withTempDir(async (dir) => {
    for (let kill = 0; kill < 15; kill++) {
      const { child, lines } = await startChild(CHURN, dir, "churning");
      await new Promise((r) => setTimeout(r, 20 + 7 * kill));
      child.kill("SIGKILL");
      await child.status;
      await lines.cancel();
      const lock = await acquireRunLock(dir, {
        wait: true,
        pollMs: 20,
        signal: AbortSignal.timeout(5_000),
      });
      await lock.release();
    }
  });
});
