/**
 * A process for the run-lock tests: prints "churning <pid>", then takes and
 * releases the lock of the run directory given as its argument over and over
 * until it is killed.
 */
import { acquireRunLock } from "../lib/train/run_lock.ts";

console.log(`churning ${Deno.pid}`);
for (;;) await (await acquireRunLock(Deno.args[0], { wait: true, pollMs: 5 })).release();
