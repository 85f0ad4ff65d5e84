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

Deno.test("a failed atomic write keeps the old file and leaves no temporary file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/keep.txt`, "old");
    await Deno.mkdir(`${dir}/keep.txt.d`);
    // Renaming a file over a non-empty folder fails after the temporary file is written.
    await Deno.writeTextFile(`${dir}/keep.txt.d/x`, "");
    await assertRejects(() => writeFileAtomic(`${dir}/keep.txt.d`, "new"));
    assertEquals(await Deno.readTextFile(`${dir}/keep.txt`), "old");
    assertEquals(await names(dir), ["keep.txt", "keep.txt.d"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
