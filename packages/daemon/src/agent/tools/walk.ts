import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";

/** Directories skipped unless asked for by name: version control and dependency trees. */
export const SKIPPED_DIRS = new Set([".git", "node_modules"]);

/** One entry found by {@link walkWorkspace}. */
export interface WalkEntry {
  /** `/`-separated, relative to the walk's start. */
  path: string;
  /** Absolute path. */
  abs: string;
  dir: boolean;
  size: number;
}

/**
 * Lists files below `dir` depth-first in name order, without following symlinks (so a link
 * cannot lead the walk out of the workspace or round in circles), stopping after `max` entries.
 *
 * @example for await (const e of walkWorkspace(root, { max: 500 })) console.log(e.path);
 */
export async function* walkWorkspace(
  dir: string,
  options: { max: number; includeSkipped?: boolean },
): AsyncGenerator<WalkEntry> {
  let count = 0;
  const stack: Array<{ abs: string; rel: string }> = [{ abs: dir, rel: "" }];
  while (stack.length > 0) {
    const { abs, rel } = stack.pop() as { abs: string; rel: string };
    const names = await readdir(abs).catch(() => [] as string[]);
    names.sort();
    const dirs: Array<{ abs: string; rel: string }> = [];
    for (const name of names) {
      const childAbs = join(abs, name);
      const childRel = rel === "" ? name : `${rel}/${name}`;
      const info = await lstat(childAbs).catch(() => null);
      if (!info) continue;
      const isDir = info.isDirectory();
      if (isDir && SKIPPED_DIRS.has(name) && !options.includeSkipped) continue;
      yield { path: childRel, abs: childAbs, dir: isDir, size: info.size };
      if (++count >= options.max) return;
      if (isDir) dirs.push({ abs: childAbs, rel: childRel });
    }
    // Reversed onto the stack, so directories are visited in name order.
    for (const child of dirs.reverse()) stack.push(child);
  }
}
