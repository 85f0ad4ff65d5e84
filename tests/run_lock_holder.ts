/**
 * A process for the run-lock tests: takes the lock of the run directory given
 * as its argument, prints "locked <pid>" and holds it until a line arrives on
 * its standard input (or it is killed), then releases it.
 */
import { acquireRunLock } from "../lib/train/run_lock.ts";

const lock = await acquireRunLock(Deno.args[0], { wait: true, pollMs: 50 });
console.log(`locked ${Deno.pid}`);
const reader = Deno.stdin.readable.getReader();
await reader.read();
await lock.release();
console.log("released");
