/** Byte-level search of every file under a directory — used to prove no plaintext secret hit disk. */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";

/** Every regular file under `dir`, recursively. */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

/**
 * For each needle, the files (relative to `dir`) whose raw bytes contain it as UTF-8.
 * @example const hits = await findInFiles(persistDir, ["hunter2"]); // { hunter2: [] }
 */
export async function findInFiles(
  dir: string,
  needles: string[],
): Promise<Record<string, string[]>> {
  const hits: Record<string, string[]> = Object.fromEntries(needles.map((n) => [n, []]));
  for (const file of await listFiles(dir)) {
    const bytes = await readFile(file);
    for (const needle of needles) {
      if (bytes.includes(Buffer.from(needle, "utf8"))) hits[needle]?.push(path.relative(dir, file));
    }
  }
  return hits;
}
