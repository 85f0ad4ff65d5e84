import { assertEquals, assertRejects } from "@std/assert";
import { createFileAtomic, writeFileAtomic } from "../lib/data/mod.ts";

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

Deno.test("an atomic create makes a new file whole, refuses an existing one and leaves no temporary file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assertEquals(await createFileAtomic(`${dir}/a/run.lock`, "first\n"), true);
    assertEquals(
      await createFileAtomic(`${dir}/a/run.lock`, new TextEncoder().encode("second")),
      false,
    );
    assertEquals(await Deno.readTextFile(`${dir}/a/run.lock`), "first\n");
    assertEquals(await names(`${dir}/a`), ["run.lock"]);
    if (Deno.build.os !== "windows") {
      assertEquals((await Deno.stat(`${dir}/a/run.lock`)).mode! & 0o777, 0o644);
    }
    // a folder in the way is "something already there" too, and stays as it was
    await Deno.mkdir(`${dir}/a/taken`);
    assertEquals(await createFileAtomic(`${dir}/a/taken`, "x"), false);
    assertEquals(await names(`${dir}/a`), ["run.lock", "taken"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("of 32 concurrent creates of one file, exactly one wins and its content stays", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const won = await Promise.all(
      Array.from({ length: 32 }, (_, i) => createFileAtomic(`${dir}/x.lock`, `writer ${i}`)),
    );
    assertEquals(won.filter((w) => w).length, 1);
    assertEquals(await Deno.readTextFile(`${dir}/x.lock`), `writer ${won.indexOf(true)}`);
    assertEquals(await names(dir), ["x.lock"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
