import { assertEquals, assertRejects } from "@std/assert";
import { writeFileAtomic } from "../lib/data/mod.ts";

async function names(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) out.push(e.name);
  return out.sort();
}

Deno.test("an atomic write creates parent folders and leaves no temporary file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await writeFileAtomic(`${dir}/a/b/c.txt`, "one");
    await writeFileAtomic(`${dir}/a/b/c.txt`, new TextEncoder().encode("two"));
    assertEquals(await Deno.readTextFile(`${dir}/a/b/c.txt`), "two");
    assertEquals(await names(`${dir}/a/b`), ["c.txt"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "an atomically written file is readable by everyone, as a plain write would leave it",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      await writeFileAtomic(`${dir}/report.html`, "<p>");
      assertEquals((await Deno.stat(`${dir}/report.html`)).mode! & 0o777, 0o644);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("a failed atomic write keeps what was at the path and leaves no temporary file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // Renaming a file over a non-empty folder fails after the temporary file is written.
    await Deno.mkdir(`${dir}/target`);
    await Deno.writeTextFile(`${dir}/target/x`, "old");
    await assertRejects(() => writeFileAtomic(`${dir}/target`, "new"));
    assertEquals(await Deno.readTextFile(`${dir}/target/x`), "old");
    assertEquals(await names(dir), ["target"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
