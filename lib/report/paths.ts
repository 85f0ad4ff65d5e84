/**
 * Finding absolute paths of a machine in text meant to be published
 * (notebooks, figures, the manifest, the report): POSIX paths under the
 * usual top-level folders, Windows drive paths, and any folder given. A path
 * counts only where it starts a word (after a space, quote, bracket, colon,
 * comma or equals sign), so URLs and base64 images do not.
 *
 * @module
 */

const ROOTS = [
  "home",
  "tmp",
  "work",
  "root",
  "Users",
  "var",
  "opt",
  "srv",
  "mnt",
  "media",
  "private",
];

const START = String.raw`(?<=^|[\s"'(\[=:,>])`;

/**
 * The absolute paths in `text`: under the usual roots, Windows drive paths,
 * and under any of `folders`.
 *
 * @example
 * ```ts
 * import { absolutePaths } from "./paths.ts";
 * if (absolutePaths("runs: /home/ann/runs").length !== 1) throw new Error();
 * if (absolutePaths("runs: data/runs").length !== 0) throw new Error();
 * ```
 */
export function absolutePaths(text: string, folders: readonly string[] = []): string[] {
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const alternatives = [
    ...ROOTS.map((r) => `/${r}/`),
    ...folders.filter((f) => f.length > 1).map((f) => `${escape(f.replace(/\/$/, ""))}/`),
  ];
  const posix = new RegExp(`${START}(?:${alternatives.join("|")})[^\\s"'<>)\\],]*`, "g");
  const windows = new RegExp(String.raw`${START}[A-Za-z]:\\[^\s"'<>)\],]+`, "g");
  const found = [...text.matchAll(posix), ...text.matchAll(windows)];
  return found.sort((a, b) => a.index! - b.index!).map((m) => m[0]);
}
