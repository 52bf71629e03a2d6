import { GitError } from "./git.ts";
import { refNameProblem } from "./ref-name.ts";
import { dropUnsafeConfig } from "./repo-config.ts";

/** Runs git with args in `cwd`, resolving with trimmed stdout (see `runGit`). */
export type Git = (args: string[], cwd?: string) => Promise<string>;

/** Thrown for local-state problems (diverged branch, local changes in the way): answered 409. */
export class WorkspaceConflictError extends Error {
  override name = "WorkspaceConflictError";
}

/** HEAD's commit, or null in a repository without commits. */
export async function currentCommit(git: Git, dir: string): Promise<string | null> {
  return (await tryGit(git, ["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], dir)) || null;
}

/**
 * Moves a fresh clone to `ref`: a remote branch becomes a local tracking branch; a tag or a
 * commit is checked out detached; anything else is fetched by name (e.g. a commit the remote
 * does not advertise). A ref the remote lacks fails with git's own message.
 */
export async function checkoutRef(git: Git, dir: string, ref: string): Promise<void> {
  const target = await resolveRef(git, dir, ref);
  if (target.kind === "branch") {
    await git(["checkout", "--quiet", "-B", ref, "--track", `origin/${ref}`], dir);
  } else {
    await git(["checkout", "--quiet", "--detach", target.commit], dir);
  }
}

/**
 * Brings an existing workspace to `repo`: drops config its git must not take (repo-config.ts),
 * points `origin` at the URL, fetches, then
 * fast-forwards the branch (or checks out the tag/commit). Never discards local work: a
 * diverged branch or local changes in the way raise {@link WorkspaceConflictError}.
 * Fetch failures surface as `GitError` (the remote's problem).
 */
export async function updateWorkspace(
  git: Git,
  dir: string,
  repo: { url: string; ref?: string },
  log: (line: string) => void = console.log,
): Promise<void> {
  const removed = await dropUnsafeConfig(git, dir);
  if (removed.length > 0) {
    log(
      `workspace: removed from ${dir}/.git/config what the daemon's git must not take: ${removed.join(", ")}`,
    );
  }
  const remotes = (await git(["remote"], dir)).split("\n");
  if (!remotes.includes("origin")) await git(["remote", "add", "origin", repo.url], dir);
  else if ((await git(["remote", "get-url", "origin"], dir)) !== repo.url) {
    await git(["remote", "set-url", "origin", repo.url], dir);
  }
  await git(["fetch", "--quiet", "--prune", "--tags", "origin"], dir);

  let ref = repo.ref;
  if (!ref) {
    // An empty remote has no HEAD to follow: nothing to move to yet.
    if ((await tryGit(git, ["remote", "set-head", "origin", "--auto"], dir)) === null) return;
    ref = (await git(["symbolic-ref", "--short", "refs/remotes/origin/HEAD"], dir)).replace(
      /^origin\//,
      "",
    );
    // Checked as a ref given by the platform is: whoever sets the remote's default branch could
    // otherwise name it `--force`, and `git checkout --force` discards the agent's local work.
    const problem = refNameProblem(ref);
    if (problem) {
      throw new GitError(
        `the remote's default branch ${JSON.stringify(ref)} cannot be checked out: it ${problem}; name a ref instead`,
        "symbolic-ref",
      );
    }
  }
  const target = await resolveRef(git, dir, ref);
  await local(async () => {
    if (target.kind !== "branch") {
      await git(["checkout", "--quiet", "--detach", target.commit], dir);
      return;
    }
    const hasLocal =
      (await tryGit(git, ["rev-parse", "--verify", "--quiet", `refs/heads/${ref}`], dir)) !== null;
    if (!hasLocal) {
      await git(["checkout", "--quiet", "-B", ref, "--track", `origin/${ref}`], dir);
      return;
    }
    const branch = await tryGit(git, ["symbolic-ref", "--quiet", "--short", "HEAD"], dir);
    if (branch !== ref) await git(["checkout", "--quiet", ref], dir);
    if (await isAncestor(git, dir, "HEAD", target.commit)) {
      await git(["merge", "--quiet", "--ff-only", target.commit], dir);
    } else if (!(await isAncestor(git, dir, target.commit, "HEAD"))) {
      throw new WorkspaceConflictError(
        `branch ${ref} in the workspace has diverged from origin/${ref}; not overwriting local commits`,
      );
    }
    // else: the workspace is ahead of origin (unpushed agent commits): keep them.
  });
}

type Target = { kind: "branch"; commit: string } | { kind: "detached"; commit: string };

async function resolveRef(git: Git, dir: string, ref: string): Promise<Target> {
  const branch = await tryGit(
    git,
    ["rev-parse", "--verify", "--quiet", `refs/remotes/origin/${ref}^{commit}`],
    dir,
  );
  if (branch) return { kind: "branch", commit: branch };
  const tag = await tryGit(
    git,
    ["rev-parse", "--verify", "--quiet", `refs/tags/${ref}^{commit}`],
    dir,
  );
  if (tag) return { kind: "detached", commit: tag };
  const commit = await tryGit(git, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], dir);
  if (commit) return { kind: "detached", commit };
  await git(["fetch", "--quiet", "origin", ref], dir);
  return {
    kind: "detached",
    commit: await git(["rev-parse", "--verify", "FETCH_HEAD^{commit}"], dir),
  };
}

async function isAncestor(git: Git, dir: string, ancestor: string, of: string): Promise<boolean> {
  return (await tryGit(git, ["merge-base", "--is-ancestor", ancestor, of], dir)) !== null;
}

/** stdout, or null when git exits non-zero (used for questions like "does this ref exist?"). */
async function tryGit(git: Git, args: string[], dir: string): Promise<string | null> {
  try {
    return await git(args, dir);
  } catch (error) {
    if (error instanceof GitError) return null;
    throw error;
  }
}

/** Git failures while moving the checkout are about local state, not the remote. */
async function local(step: () => Promise<void>): Promise<void> {
  try {
    await step();
  } catch (error) {
    if (error instanceof GitError) throw new WorkspaceConflictError(error.message);
    throw error;
  }
}
