import { spawn } from "node:child_process";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createWorkspaceBootstrapper, WorkspaceError } from "../../src/workspace/bootstrap.ts";
import { credentialHelper } from "../../src/workspace/git.ts";
import { tempHome } from "./support/daemon-process.ts";
import { createBareRepo, git } from "./support/git-fixtures.ts";
import { startGitHttpServer } from "./support/git-http-server.ts";
import { startRedirectServer } from "./support/redirect-server.ts";
import { workspaceBootstrapper } from "./support/workspace-fixture.ts";

let cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.map((cleanup) => cleanup()));
  cleanups = [];
});

describe("workspace bootstrap refs", () => {
  it("checks out a named branch as a local tracking branch", async () => {
    const repo = await createBareRepo();
    const feature = await repo.commit({ "f.txt": "feature\n" }, { branch: "feature" });
    const { dir, workspace } = await workspaceBootstrapper();
    expect(await workspace.bootstrap({ url: repo.url, ref: "feature" })).toEqual({
      commit: feature,
    });
    expect(await git(["rev-parse", "--abbrev-ref", "feature@{upstream}"], dir)).toBe(
      "origin/feature",
    );
  });

  it("checks out a tag or a commit detached", async () => {
    const repo = await createBareRepo();
    const tagged = await repo.tag("v1");
    const later = await repo.commit({ "b.txt": "b\n" });
    const { dir, workspace } = await workspaceBootstrapper();
    expect(await workspace.bootstrap({ url: repo.url, ref: "v1" })).toEqual({ commit: tagged });
    expect(await git(["rev-parse", "--abbrev-ref", "HEAD"], dir)).toBe("HEAD");
    expect(await workspace.bootstrap({ url: repo.url, ref: later })).toEqual({ commit: later });
  });

  it("fails with git's message for a ref the remote lacks, leaving nothing behind", async () => {
    const repo = await createBareRepo();
    const { home, workspace } = await workspaceBootstrapper();
    const failure = workspace.bootstrap({ url: repo.url, ref: "no-such-branch" });
    await expect(failure).rejects.toBeInstanceOf(WorkspaceError);
    await expect(failure).rejects.toThrow(/couldn't find remote ref no-such-branch/);
    expect(await readdir(home)).toEqual([]);
  });

  it("switches branch on a re-bootstrap with another ref", async () => {
    const repo = await createBareRepo();
    const feature = await repo.commit({ "f.txt": "feature\n" }, { branch: "feature" });
    const { dir, workspace } = await workspaceBootstrapper();
    await workspace.bootstrap({ url: repo.url });
    expect(await workspace.bootstrap({ url: repo.url, ref: "feature" })).toEqual({
      commit: feature,
    });
    expect(await git(["rev-parse", "--abbrev-ref", "HEAD"], dir)).toBe("feature");
  });

  it("turns an empty workspace into a clone of the repo given later", async () => {
    const repo = await createBareRepo();
    const head = await repo.commit({ "a.txt": "a\n" });
    const { dir, workspace } = await workspaceBootstrapper();
    expect(await workspace.bootstrap()).toEqual({ commit: null });
    expect(await workspace.bootstrap({ url: repo.url })).toEqual({ commit: head });
    expect(await readFile(join(dir, "a.txt"), "utf8")).toBe("a\n");
  });
});

describe("workspace bootstrap credentials", () => {
  const token = "glpat_scopedToken0123";

  async function privateHost() {
    const repo = await createBareRepo({ name: "private.git" });
    const host = await startGitHttpServer({ root: dirname(repo.dir), token });
    cleanups.push(() => host.close());
    return host;
  }

  function withToken(home: string, env: Record<string, string | undefined> = {}) {
    return createWorkspaceBootstrapper({
      dir: join(home, "workspace"),
      env: () => ({ PATH: process.env.PATH, HOME: home, ...env }),
      token: () => token,
    });
  }

  it("hands the token to the repository's own host", async () => {
    const host = await privateHost();
    const { commit } = await withToken(await tempHome()).bootstrap({
      url: `${host.url}/private.git`,
    });
    expect(commit).toMatch(/^[0-9a-f]{40}$/);
    expect(new Set(host.passwordsSeen)).toEqual(new Set([token]));
  });

  it("gives a redirect target on another host nothing", async () => {
    const elsewhere = await privateHost();
    const moved = await startRedirectServer({ target: elsewhere.url });
    cleanups.push(() => moved.close());
    const failure = withToken(await tempHome()).bootstrap({ url: `${moved.url}/private.git` });
    await expect(failure).rejects.toBeInstanceOf(WorkspaceError);
    expect(moved.requests.length).toBeGreaterThan(0);
    expect(elsewhere.passwordsSeen).not.toContain(token);
  });

  it("gives a plain-http host outside loopback nothing (reached here through a proxy)", async () => {
    const proxy = await privateHost();
    const failure = withToken(await tempHome(), { http_proxy: proxy.url }).bootstrap({
      url: "http://git.example.com/private.git",
    });
    await expect(failure).rejects.toBeInstanceOf(WorkspaceError);
    expect(proxy.requests.some((r) => r.includes("git.example.com"))).toBe(true);
    expect(proxy.passwordsSeen).not.toContain(token);
  });

  /** What the credential helper answers when git asks for `protocol` and `host`. */
  async function helperAnswers(repoUrl: string, protocol: string, host: string) {
    const helper = credentialHelper({ token, url: repoUrl });
    if (!helper) return null;
    const child = spawn(
      "git",
      ["-c", "credential.helper=", ...helper.config, "credential", "fill"],
      {
        env: {
          PATH: process.env.PATH,
          GIT_TERMINAL_PROMPT: "0",
          HOME: await tempHome(),
          ...helper.env,
        },
      },
    );
    child.stdin.end(`protocol=${protocol}\nhost=${host}\n\n`);
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
    });
    const code = await new Promise((resolve) => child.once("close", resolve));
    return code === 0 ? out : "";
  }

  it.each([
    ["https://github.com/acme/repo.git", "https", "github.com", true],
    ["https://github.com/acme/repo.git", "https", "GitHub.com", true],
    ["https://github.com/acme/repo.git", "http", "github.com", false],
    ["https://github.com/acme/repo.git", "https", "evil.example", false],
    ["https://github.com/acme/repo.git", "https", "github.com.evil.example", false],
    ["https://github.com/acme/repo.git", "https", "github.com:8443", false],
    ["https://git.example.com:8443/r.git", "https", "git.example.com:8443", true],
    ["https://git.example.com:8443/r.git", "https", "git.example.com", false],
    ["http://127.0.0.1:9418/r.git", "http", "127.0.0.1:9418", true],
    ["http://127.0.0.1:9418/r.git", "http", "127.0.0.1:9419", false],
  ])("for %s, asked %s://%s, answers the token: %s", async (url, protocol, host, answers) => {
    const out = await helperAnswers(url, protocol, host);
    if (answers) expect(out).toContain(`password=${token}`);
    else expect(out ?? "").not.toContain(token);
  });

  it.each([
    "http://git.example.com/r.git",
    "http://10.0.0.1/r.git",
    "ssh://git@github.com/acme/repo.git",
    "git@github.com:acme/repo.git",
    "file:///srv/repo.git",
  ])("configures no helper at all for %s", (url) => {
    expect(credentialHelper({ token, url })).toBeNull();
  });
});

describe("workspace bootstrap keeps local work", () => {
  it("keeps unpushed local commits when the remote has nothing new", async () => {
    const repo = await createBareRepo();
    const { dir, workspace } = await workspaceBootstrapper();
    await workspace.bootstrap({ url: repo.url });
    await writeFile(join(dir, "agent.txt"), "work\n");
    await git(["add", "agent.txt"], dir);
    await git(["commit", "-q", "-m", "agent work"], dir);
    const local = await git(["rev-parse", "HEAD"], dir);
    expect(await workspace.bootstrap({ url: repo.url })).toEqual({ commit: local });
  });

  it("carries uncommitted changes across a fast-forward", async () => {
    const repo = await createBareRepo();
    const { dir, workspace } = await workspaceBootstrapper();
    await workspace.bootstrap({ url: repo.url });
    await writeFile(join(dir, "notes.txt"), "draft\n");
    const next = await repo.commit({ "other.txt": "x\n" });
    expect(await workspace.bootstrap({ url: repo.url })).toEqual({ commit: next });
    expect(await readFile(join(dir, "notes.txt"), "utf8")).toBe("draft\n");
  });

  it("refuses a remote default branch named like an option (--force) and keeps uncommitted work", async () => {
    const repo = await createBareRepo();
    // Whoever controls the remote points its HEAD at a branch called --force; a clone follows it.
    await git(["update-ref", "refs/heads/--force", "main"], repo.dir);
    await git(["symbolic-ref", "HEAD", "refs/heads/--force"], repo.dir);
    const { dir, workspace } = await workspaceBootstrapper();
    await workspace.bootstrap({ url: repo.url });
    await git(["checkout", "--quiet", "-b", "agent-work"], dir);
    await writeFile(join(dir, "README.md"), "agent's draft\n");
    const error = await workspace.bootstrap({ url: repo.url }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkspaceError);
    expect((error as WorkspaceError).message).toMatch(
      /default branch "--force".*must not start with -/,
    );
    // `git checkout --quiet --force` would have thrown the draft away.
    expect(await readFile(join(dir, "README.md"), "utf8")).toBe("agent's draft\n");
    expect(await git(["symbolic-ref", "--short", "HEAD"], dir)).toBe("agent-work");
  });

  it("refuses to move a diverged branch (conflict) and keeps the local commit", async () => {
    const repo = await createBareRepo();
    const { dir, workspace } = await workspaceBootstrapper();
    await workspace.bootstrap({ url: repo.url });
    await writeFile(join(dir, "agent.txt"), "work\n");
    await git(["add", "agent.txt"], dir);
    await git(["commit", "-q", "-m", "agent work"], dir);
    const local = await git(["rev-parse", "HEAD"], dir);
    await repo.commit({ "remote.txt": "r\n" });
    const failure = workspace.bootstrap({ url: repo.url });
    await expect(failure).rejects.toMatchObject({ kind: "conflict" });
    await expect(failure).rejects.toThrow(/diverged/);
    expect(await git(["rev-parse", "HEAD"], dir)).toBe(local);
  });

  it("refuses a workspace directory that is not a git repository (conflict)", async () => {
    const { dir, workspace } = await workspaceBootstrapper();
    await mkdir(dir);
    await writeFile(join(dir, "file.txt"), "mine\n");
    await expect(workspace.bootstrap()).rejects.toMatchObject({ kind: "conflict" });
    expect(await readFile(join(dir, "file.txt"), "utf8")).toBe("mine\n");
  });
});

describe("workspace bootstrap concurrency", () => {
  it("shares one run between identical concurrent calls", async () => {
    const repo = await createBareRepo();
    const { workspace } = await workspaceBootstrapper();
    const first = workspace.bootstrap({ url: repo.url });
    const second = workspace.bootstrap({ url: repo.url });
    expect(second).toBe(first);
    await first;
    // Once settled, the next call runs afresh (and sees new commits).
    const next = await repo.commit({ "n.txt": "n\n" });
    expect(await workspace.bootstrap({ url: repo.url })).toEqual({ commit: next });
  });

  it("serializes different concurrent calls; the last one wins", async () => {
    const repo = await createBareRepo();
    const feature = await repo.commit({ "f.txt": "f\n" }, { branch: "feature" });
    const { dir, workspace } = await workspaceBootstrapper();
    const [a, b] = await Promise.all([
      workspace.bootstrap({ url: repo.url }),
      workspace.bootstrap({ url: repo.url, ref: "feature" }),
    ]);
    expect(a.commit).not.toBe(feature);
    expect(b).toEqual({ commit: feature });
    expect(await git(["rev-parse", "HEAD"], dir)).toBe(feature);
  });

  it("sweeps temp clones left by a daemon killed mid-clone", async () => {
    const home = await tempHome();
    await mkdir(join(home, ".workspace.tmp-abc123"));
    await writeFile(join(home, ".workspace.tmp-abc123", "half"), "x");
    const workspace = createWorkspaceBootstrapper({
      dir: join(home, "workspace"),
      env: () => ({ PATH: process.env.PATH, HOME: home }),
    });
    await workspace.bootstrap();
    expect(await readdir(home)).toEqual(["workspace"]);
  });
});
