import { execFile } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { tempDir } from "./temp.ts";

const exec = promisify(execFile);

/** A clean git env: fixed identity, no user/system config, no prompts. */
const GIT_ENV = {
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  GIT_AUTHOR_NAME: "Test",
  GIT_AUTHOR_EMAIL: "test@example.com",
  GIT_COMMITTER_NAME: "Test",
  GIT_COMMITTER_EMAIL: "test@example.com",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_TERMINAL_PROMPT: "0",
};

/** Runs git and returns trimmed stdout. */
export async function git(args: string[], cwd?: string): Promise<string> {
  const { stdout } = await exec("git", args, { cwd, env: GIT_ENV });
  return stdout.trim();
}

/** A bare repository on disk plus a scratch clone to push commits from. */
export interface BareRepo {
  /** The bare repository's directory. */
  dir: string;
  /** `file://…` URL of the bare repository. */
  url: string;
  /** Commits `files` on `branch` (default main) and pushes; resolves with the new commit. */
  commit(
    files: Record<string, string>,
    options?: { branch?: string; message?: string },
  ): Promise<string>;
  /** Tags the tip of `branch` and pushes the tag. */
  tag(name: string, branch?: string): Promise<string>;
}

/**
 * Creates a bare repository (default branch `main`) with an initial commit, unless `empty`.
 *
 * @example
 * const repo = await createBareRepo();
 * const c2 = await repo.commit({ "README.md": "v2" });
 */
export async function createBareRepo(
  options: { empty?: boolean; root?: string; name?: string } = {},
): Promise<BareRepo> {
  const root = options.root ?? (await tempDir("git-"));
  const dir = join(root, options.name ?? "origin.git");
  await git(["init", "--quiet", "--bare", "--initial-branch=main", dir]);
  const scratch = join(root, `scratch-${options.name ?? "origin"}`);
  await git(["clone", "--quiet", dir, scratch]).catch(() => undefined);
  await git(["checkout", "--quiet", "-B", "main"], scratch).catch(() => undefined);
  let current = "main";
  const repo: BareRepo = {
    dir,
    url: pathToFileURL(dir).href,
    async commit(files, commitOptions = {}) {
      const branch = commitOptions.branch ?? "main";
      if (branch !== current) {
        await git(["checkout", "--quiet", "-B", branch], scratch);
        current = branch;
      }
      for (const [path, content] of Object.entries(files)) {
        await mkdir(dirname(join(scratch, path)), { recursive: true });
        await writeFile(join(scratch, path), content);
      }
      await git(["add", "--all"], scratch);
      await git(
        ["commit", "--quiet", "--allow-empty", "-m", commitOptions.message ?? "change"],
        scratch,
      );
      await git(["push", "--quiet", "origin", `${branch}:${branch}`], scratch);
      return git(["rev-parse", "HEAD"], scratch);
    },
    async tag(name, branch = "main") {
      await git(["tag", name, branch], scratch);
      await git(["push", "--quiet", "origin", `refs/tags/${name}`], scratch);
      return git(["rev-parse", `${name}^{commit}`], scratch);
    },
  };
  if (!options.empty) await repo.commit({ "README.md": "# hello\n" }, { message: "initial" });
  return repo;
}
