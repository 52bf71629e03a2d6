import { mkdtemp, readdir, rename, rm, rmdir, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { GitError, runGit } from "./git.ts";
import { checkoutRef, currentCommit, updateWorkspace, WorkspaceConflictError } from "./git-sync.ts";

/** What to clone into the workspace; absent = an empty git repository. */
export interface RepoSpec {
  url: string;
  /** Branch, tag or commit; absent = the remote's default branch. */
  ref?: string;
}

/**
 * Why a bootstrap failed: `git_failed` = the remote or the clone (git's message, answered as
 * 502); `conflict` = the existing workspace cannot be moved without losing local work (409).
 */
export class WorkspaceError extends Error {
  override name = "WorkspaceError";
  constructor(
    readonly kind: "git_failed" | "conflict",
    message: string,
  ) {
    super(message);
  }
}

/** Clones or updates the instance repository in the workspace directory. */
export interface WorkspaceBootstrapper {
  /** The workspace's path (`<home>/workspace`). */
  readonly dir: string;
  /** Idempotent; concurrent calls for the same repo share one run. Resolves with HEAD (null when empty). */
  bootstrap(repo?: RepoSpec): Promise<{ commit: string | null }>;
}

/** Options of {@link createWorkspaceBootstrapper}. */
export interface WorkspaceBootstrapperOptions {
  /** The workspace directory, e.g. `<home>/workspace`. Temp clones are made beside it. */
  dir: string;
  /**
   * The env git runs with: the daemon's own, never the instance env (whose `PATH`, `HOME`,
   * `GIT_*` would steer the daemon's git). Read per run.
   */
  env: () => Record<string, string | undefined>;
  /**
   * The https token for the repository's host (e.g. `GITHUB_TOKEN` from the machine env),
   * read per run so a hot-reloaded one applies at once; offered to that host only.
   */
  token?: () => string | undefined;
  /** Per git command. Default 10 minutes. */
  timeoutMs?: number;
}

/**
 * Creates the workspace bootstrapper. First bootstrap clones into a temp directory beside the
 * workspace and renames it into place, so a failed clone leaves nothing behind; later ones
 * fetch and fast-forward. Private HTTPS repos get `token()` through git's credential helper.
 *
 * @example
 * const workspace = createWorkspaceBootstrapper({
 *   dir: join(home, "workspace"),
 *   env: () => daemonEnv,
 *   token: () => gitToken(machineEnv.runEnv()),
 * });
 * await workspace.bootstrap({ url: "https://github.com/acme/repo.git", ref: "main" });
 */
export function createWorkspaceBootstrapper(
  options: WorkspaceBootstrapperOptions,
): WorkspaceBootstrapper {
  const dir = options.dir;
  const tempPrefix = join(dirname(dir), `.${basename(dir)}.tmp-`);
  // Runs are serialized; a call identical to the last queued one joins it instead of re-running.
  let tail: Promise<unknown> = sweepStaleTemps(tempPrefix);
  let last: { key: string; run: Promise<{ commit: string | null }> } | null = null;

  async function run(repo: RepoSpec | undefined): Promise<{ commit: string | null }> {
    const env = options.env();
    const token = options.token?.();
    const git = (args: string[], cwd?: string) =>
      runGit(args, {
        cwd,
        env,
        // The clone and every later fetch talk to `origin`, which is set to exactly this URL.
        credential: token && repo ? { token, url: repo.url } : undefined,
        timeoutMs: options.timeoutMs,
      });
    const state = await inspect(dir);
    if (state === "other") {
      throw new WorkspaceError("conflict", `${dir} exists and is not a git repository`);
    }
    if (state === "repo") {
      if (repo) await updateWorkspace(git, dir, repo).catch(rethrowClassified);
      return { commit: await currentCommit(git, dir) };
    }
    if (state === "empty") await rmdir(dir);
    const temp = await mkdtemp(tempPrefix);
    try {
      if (repo) {
        await git(["clone", "--origin", "origin", "--", repo.url, temp]);
        if (repo.ref) await checkoutRef(git, temp, repo.ref);
      } else {
        await git(["init", "--initial-branch=main", temp]);
      }
      const commit = await currentCommit(git, temp);
      await rename(temp, dir);
      return { commit };
    } catch (error) {
      await rm(temp, { recursive: true, force: true });
      rethrowClassified(error);
    }
  }

  return {
    dir,
    bootstrap(repo) {
      const key = JSON.stringify(repo ? { url: repo.url, ref: repo.ref ?? null } : null);
      if (last?.key === key) return last.run;
      const current = tail.then(() => run(repo));
      const entry = { key, run: current };
      last = entry;
      tail = current.catch(() => {});
      void tail.then(() => {
        if (last === entry) last = null;
      });
      return current;
    },
  };
}

function rethrowClassified(error: unknown): never {
  if (error instanceof GitError) throw new WorkspaceError("git_failed", error.message);
  if (error instanceof WorkspaceConflictError) throw new WorkspaceError("conflict", error.message);
  throw error;
}

async function inspect(dir: string): Promise<"absent" | "empty" | "repo" | "other"> {
  try {
    const info = await stat(dir);
    if (!info.isDirectory()) return "other";
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "absent";
    throw error;
  }
  const entries = await readdir(dir);
  if (entries.length === 0) return "empty";
  return entries.includes(".git") ? "repo" : "other";
}

/** Temp clones left by a daemon killed mid-clone. */
async function sweepStaleTemps(prefix: string): Promise<void> {
  const parent = dirname(prefix);
  const entries = await readdir(parent).catch(() => [] as string[]);
  await Promise.all(
    entries
      .filter((name) => name.startsWith(basename(prefix)))
      .map((name) => rm(join(parent, name), { recursive: true, force: true })),
  );
}
