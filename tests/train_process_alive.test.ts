/** Reading `/proc` stat lines apart: a command name with spaces and parentheses, ended processes. */
import { assertEquals } from "@std/assert";
import { join } from "node:path";
import { processStartTime, readProcStat } from "../lib/train/process_alive.ts";

Deno.test("readProcStat splits the fields after the command name's last parenthesis", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "stat");
    // a thread named "a) (b c": the name holds both parentheses and spaces
    await Deno.writeTextFile(path, "4242 (a) (b c) S 1 4242 4242 0 -1 4194560 7 0 0 0 13 5\n");
    const stat = readProcStat(path);
    assertEquals(stat?.name, "a) (b c");
    assertEquals(stat?.fields, [
      "S",
      "1",
      "4242",
      "4242",
      "0",
      "-1",
      "4194560",
      "7",
      "0",
      "0",
      "0",
      "13",
      "5",
    ]);
    // utime and stime, fields 14 and 15
    assertEquals([stat?.fields[11], stat?.fields[12]], ["13", "5"]);
    assertEquals(readProcStat(join(dir, "gone")), null);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("processStartTime is field 22 of the process's stat line, null once it has ended", () => {
  const stat = readProcStat(`/proc/${Deno.pid}/stat`);
  if (stat === null) return; // no /proc here
  assertEquals(processStartTime(Deno.pid), stat.fields[19]);
  assertEquals(/^\d+$/.test(processStartTime(Deno.pid)!), true);
  assertEquals(processStartTime(2 ** 22 + 1), null); // above Linux's pid_max
});
