import { chmod, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createBareRepo, git } from "./support/git-fixtures.ts";
import { workspaceBootstrapper } from "./support/workspace-fixture.ts";

/** Whether `path` exists. */
const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

describe("the workspace's own git config does not steer the daemon's git", () => {
  it("runs no hook and no fsmonitor command an agent configured, on the next bootstrap's fetch, checkout and merge", async () => {
    const repo = await createBareRepo();
    const { home, dir, workspace } = await workspaceBootstrapper();
    await workspace.bootstrap({ url: repo.url });
    // What a prompt-injected agent could write with its file tools and run_command.
    const marker = join(home, "pwned");
    const hooks = join(dir, ".agent-hooks");
    await mkdir(hooks);
    const script = `#!/bin/sh\necho "$0" >> ${marker}\n`;
    for (const hook of ["reference-transaction", "post-checkout", "post-merge", "fsmonitor"]) {
      await writeFile(join(hooks, hook), script);
      await chmod(join(hooks, hook), 0o755);
    }
    await git(["config", "core.hooksPath", hooks], dir);
    await git(["config", "core.fsmonitor", join(hooks, "fsmonitor")], dir);
    // Something to fetch and merge: every hook above would fire.
    const next = await repo.commit({ "b.txt": "b\n" });

    expect(await workspace.bootstrap({ url: repo.url })).toEqual({ commit: next });
    expect(await exists(marker), await readFile(marker, "utf8").catch(() => "")).toBe(false);
  });

  it("drops what a config may do beyond the overrides: upload-pack commands, URL rewrites, URL-scoped TLS switches, includes", async () => {
    const repo = await createBareRepo();
    const { home, dir, workspace } = await workspaceBootstrapper();
    await workspace.bootstrap({ url: repo.url });
    const marker = join(home, "pwned");
    await git(
      ["config", "remote.origin.uploadpack", `echo uploadpack >> ${marker}; git-upload-pack`],
      dir,
    );
    await git(["config", `url.file:///nowhere/.insteadOf`, repo.url], dir);
    await git(["config", "http.https://github.com.sslVerify", "false"], dir);
    await git(["config", "include.path", join(home, "elsewhere.gitconfig")], dir);
    await git(["config", "user.name", "Kept"], dir);
    // The same upload-pack in the worktree's own config, which `--local` does not list.
    await git(["config", "extensions.worktreeConfig", "true"], dir);
    await git(
      [
        "config",
        "--worktree",
        "remote.origin.uploadpack",
        `echo worktree >> ${marker}; git-upload-pack`,
      ],
      dir,
    );
    const next = await repo.commit({ "c.txt": "c\n" });

    expect(await workspace.bootstrap({ url: repo.url })).toEqual({ commit: next });
    expect(await exists(marker)).toBe(false);
    const left = await git(["config", "--local", "--name-only", "--list"], dir);
    expect(left).not.toMatch(/uploadpack|insteadof|sslverify|include\.path|worktreeconfig/i);
    expect(left).toContain("user.name");
  });

  it("reads none of the user's config the agent could write (~/.gitconfig, ~/.config/git/config)", async () => {
    const repo = await createBareRepo();
    const { home, workspace } = await workspaceBootstrapper();
    await workspace.bootstrap({ url: repo.url });
    const marker = join(home, "pwned");
    const uploadPack = (where: string) =>
      `[remote "origin"]\n\tuploadpack = echo ${where} >> ${marker}; git-upload-pack\n`;
    await writeFile(join(home, ".gitconfig"), uploadPack("home"));
    await mkdir(join(home, ".config", "git"), { recursive: true });
    await writeFile(join(home, ".config", "git", "config"), uploadPack("xdg"));
    const next = await repo.commit({ "d.txt": "d\n" });

    expect(await workspace.bootstrap({ url: repo.url })).toEqual({ commit: next });
    expect(await exists(marker), await readFile(marker, "utf8").catch(() => "")).toBe(false);
  });

  it("checks no signature on its merge (that runs gpg.program) and drops the gpg settings", async () => {
    const repo = await createBareRepo();
    const { home, dir, workspace } = await workspaceBootstrapper();
    await workspace.bootstrap({ url: repo.url });
    const marker = join(home, "pwned");
    const program = join(home, "fake-gpg");
    await writeFile(program, `#!/bin/sh\necho gpg >> ${marker}\nexit 1\n`);
    await chmod(program, 0o755);
    // With the check on, an unsigned commit is refused — and a signed one runs the program.
    await git(["config", "merge.verifySignatures", "true"], dir);
    await git(["config", "gpg.program", program], dir);
    const next = await repo.commit({ "e.txt": "e\n" });

    expect(await workspace.bootstrap({ url: repo.url })).toEqual({ commit: next });
    expect(await exists(marker)).toBe(false);
    expect(await git(["config", "--local", "--name-only", "--list"], dir)).not.toMatch(/^gpg\./m);
  });
});
