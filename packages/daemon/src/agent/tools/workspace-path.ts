import { lstat, realpath } from "node:fs/promises";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";

/**
 * The one error a file tool throws for a path the model may not use; the loop hands its message
 * to the model as the tool's error result (never fatal to the run).
 */
export class PathEscapeError extends Error {
  override name = "PathEscapeError";
}

/** A path inside the workspace: absolute (`real`, symlinks resolved) and as the model sees it. */
export interface WorkspacePath {
  /** Absolute path with every existing symlink resolved; always inside the workspace. */
  real: string;
  /** Workspace-relative, `/`-separated (`.` for the root): what tool output shows. */
  shown: string;
}

/**
 * Resolves a path the model gave (relative to the workspace, or absolute inside it) and refuses
 * anything that lands outside: `..` segments that climb out, absolute paths elsewhere, and
 * symlinks (of the file or of any directory on the way) that point out — checked on the real
 * path, so `link/../..` tricks and links created by an earlier command count too. A path that
 * does not exist yet (a new file) is checked through its nearest existing ancestor.
 *
 * This keeps the file tools honest; it is not the sandbox. `run_command` runs a shell, and the
 * machine itself is what contains the agent.
 *
 * @example
 * const { real, shown } = await resolveWorkspacePath(workspaceDir, "src/app.ts");
 * await resolveWorkspacePath(workspaceDir, "../etc/passwd"); // throws PathEscapeError
 */
export async function resolveWorkspacePath(
  workspaceDir: string,
  path: string,
): Promise<WorkspacePath> {
  if (path.includes("\0")) throw new PathEscapeError("the path contains a NUL byte");
  const root = await realpath(workspaceDir);
  const lexical = resolve(root, path);
  if (!isInside(root, lexical)) {
    throw new PathEscapeError(`${path} is outside the workspace (${root}); use a path inside it`);
  }
  const real = await realOrNearest(lexical);
  if (!isInside(root, real)) {
    throw new PathEscapeError(
      `${path} resolves through a symlink to ${real}, outside the workspace; file tools stay inside ${root}`,
    );
  }
  return { real, shown: shownPath(root, real) };
}

/** The realpath of `path`, or — when it does not exist — of its nearest existing ancestor plus the rest. */
async function realOrNearest(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ENOENT" && code !== "ENOTDIR") throw error;
  }
  // A dangling symlink exists but has no realpath: where it points is unknowable, so refuse it.
  const link = await lstat(path).catch(() => null);
  if (link?.isSymbolicLink()) {
    throw new PathEscapeError(`${path} is a symlink to a path that does not exist`);
  }
  const parent = dirname(path);
  if (parent === path) return path;
  const realParent = await realOrNearest(parent);
  return resolve(realParent, relative(parent, path));
}

function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : `${root}${sep}`);
}

/** Workspace-relative form for output (`.` for the root). */
export function shownPath(root: string, real: string): string {
  const rel = relative(root, real);
  if (rel === "") return ".";
  return isAbsolute(rel) ? real : rel.split(sep).join("/");
}
