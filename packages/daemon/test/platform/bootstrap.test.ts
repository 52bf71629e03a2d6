import { access, readdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { bootstrapResponseSchema, errorBodySchema } from "@iterate/contract";
import { afterEach, describe, expect, it } from "vitest";
import { tempHome } from "./support/daemon-process.ts";
import { createBareRepo, git } from "./support/git-fixtures.ts";
import { startGitHttpServer } from "./support/git-http-server.ts";
import { startMachine, type TestMachine } from "./support/machine.ts";
import { startRedirectServer } from "./support/redirect-server.ts";
import { signedFetch } from "./support/signed-fetch.ts";

let cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.map((cleanup) => cleanup()));
  cleanups = [];
});

async function machine(): Promise<TestMachine> {
  const started = await startMachine();
  cleanups.push(() => started.stop());
  return started;
}

function bootstrap(m: TestMachine, body?: unknown): Promise<Response> {
  return signedFetch(m.daemon.url, m.key, "POST", "/platform/bootstrap", body);
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

describe("POST /platform/bootstrap", () => {
  it("clones the repo into ~/workspace and answers 200 with its commit", async () => {
    const repo = await createBareRepo();
    const head = await repo.commit({ "src/app.ts": "export {};\n" });
    const m = await machine();
    const res = await bootstrap(m, { repo: { url: repo.url } });
    expect(res.status).toBe(200);
    expect(bootstrapResponseSchema.parse(await res.json())).toEqual({ ok: true, commit: head });
    const workspace = join(m.daemon.home, "workspace");
    expect(await readFile(join(workspace, "src/app.ts"), "utf8")).toBe("export {};\n");
    expect(await git(["rev-parse", "--abbrev-ref", "HEAD"], workspace)).toBe("main");
  });

  it("fast-forwards on re-bootstrap, and is a no-op when nothing changed", async () => {
    const repo = await createBareRepo();
    const m = await machine();
    await bootstrap(m, { repo: { url: repo.url } });
    const next = await repo.commit({ "README.md": "v2\n" });
    const res = await bootstrap(m, { repo: { url: repo.url } });
    expect(await res.json()).toEqual({ ok: true, commit: next });
    expect(await readFile(join(m.daemon.home, "workspace/README.md"), "utf8")).toBe("v2\n");
    const again = await bootstrap(m, { repo: { url: repo.url } });
    expect(await again.json()).toEqual({ ok: true, commit: next });
  });

  it("creates an empty git repository when no repo is given, and answers commit null", async () => {
    const m = await machine();
    const res = await bootstrap(m);
    expect(await res.json()).toEqual({ ok: true, commit: null });
    const workspace = join(m.daemon.home, "workspace");
    expect(await git(["rev-parse", "--is-inside-work-tree"], workspace)).toBe("true");
    expect((await bootstrap(m, {})).status).toBe(200);
  });

  it("answers 502 with git's own message for a bad URL and leaves no workspace behind", async () => {
    const m = await machine();
    const missing = `file://${await tempHome()}/nope.git`;
    const res = await bootstrap(m, { repo: { url: missing } });
    expect(res.status).toBe(502);
    const body = errorBodySchema.parse(await res.json());
    expect(body.error.code).toBe("upstream_error");
    expect(body.error.message).toMatch(/does not appear to be a git repository|not found/);
    expect(await exists(join(m.daemon.home, "workspace"))).toBe(false);
    const leftovers = (await readdir(m.daemon.home)).filter((n) => n.includes("workspace"));
    expect(leftovers).toEqual([]);
    // A good URL afterwards still works.
    const repo = await createBareRepo();
    expect((await bootstrap(m, { repo: { url: repo.url } })).status).toBe(200);
  });

  it("coalesces concurrent calls: git runs once, and all answer 200 with the same commit", async () => {
    const token = "ghp_coalesceToken0123456789";
    const repo = await createBareRepo({ name: "shared.git" });
    await repo.commit({ "a.txt": "a\n" });
    const host = await startGitHttpServer({ root: dirname(repo.dir), token });
    cleanups.push(() => host.close());
    const url = `${host.url}/shared.git`;
    // Every git run against the host starts with the ref advertisement.
    const gitRuns = () => host.requests.filter((r) => r.includes("/info/refs?service=")).length;
    const withToken = async () => {
      const m = await machine();
      await signedFetch(m.daemon.url, m.key, "PUT", "/platform/env", { env: { GIT_TOKEN: token } });
      return m;
    };

    // What one bootstrap costs on a fresh machine.
    expect((await bootstrap(await withToken(), { repo: { url } })).status).toBe(200);
    const one = gitRuns();
    expect(one).toBeGreaterThan(0);

    const m = await withToken();
    const answers = await Promise.all([1, 2, 3].map(() => bootstrap(m, { repo: { url } })));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200]);
    const commits = new Set(await Promise.all(answers.map(async (r) => (await r.json()).commit)));
    expect(commits.size).toBe(1);
    expect(gitRuns() - one).toBe(one);
  });

  it("refuses a URL that embeds credentials (400) and a ref that looks like an option (400)", async () => {
    const m = await machine();
    const withToken = await bootstrap(m, {
      repo: { url: "https://ghp_x@github.com/acme/repo.git" },
    });
    expect(withToken.status).toBe(400);
    expect((await withToken.json()).error.message).toMatch(/must not embed credentials/);
    expect(await exists(join(m.daemon.home, "workspace"))).toBe(false);
    const option = await bootstrap(m, { repo: { url: "file:///x", ref: "--upload-pack=touch" } });
    expect(option.status).toBe(400);
    expect((await option.json()).error.code).toBe("validation_failed");
  });

  it("clones a private repo with GITHUB_TOKEN from the instance env, never writing the token down", async () => {
    const token = "ghp_privateTokenValue0123456789";
    const repo = await createBareRepo({ name: "private.git" });
    const host = await startGitHttpServer({ root: dirname(repo.dir), token });
    cleanups.push(() => host.close());
    const url = `${host.url}/private.git`;
    const m = await machine();

    const refused = await bootstrap(m, { repo: { url } });
    expect(refused.status).toBe(502);
    expect((await refused.json()).error.message).toMatch(
      /could not read Username|Authentication failed|terminal prompts disabled/,
    );

    // Hot reload: the next git command sees the new env, without a daemon restart.
    const put = await signedFetch(m.daemon.url, m.key, "PUT", "/platform/env", {
      env: { GITHUB_TOKEN: token },
    });
    expect(put.status).toBe(200);
    const cloned = await bootstrap(m, { repo: { url } });
    expect(cloned.status).toBe(200);
    expect(host.passwordsSeen).toContain(token);

    const workspace = join(m.daemon.home, "workspace");
    expect(await readFile(join(workspace, ".git/config"), "utf8")).not.toContain(token);
    expect(await git(["remote", "get-url", "origin"], workspace)).toBe(url);
    expect(m.daemon.output()).not.toContain(token);

    // Fetch on re-bootstrap authenticates the same way.
    const next = await repo.commit({ "README.md": "private v2\n" });
    expect(await (await bootstrap(m, { repo: { url } })).json()).toEqual({
      ok: true,
      commit: next,
    });
  });

  it("falls back to GIT_TOKEN from the instance env when GITHUB_TOKEN is not set", async () => {
    const token = "glpat_fallbackToken0123";
    const repo = await createBareRepo({ name: "private.git" });
    const host = await startGitHttpServer({ root: dirname(repo.dir), token });
    cleanups.push(() => host.close());
    const m = await machine();
    await signedFetch(m.daemon.url, m.key, "PUT", "/platform/env", { env: { GIT_TOKEN: token } });
    const res = await bootstrap(m, { repo: { url: `${host.url}/private.git` } });
    expect(res.status).toBe(200);
    expect(new Set(host.passwordsSeen)).toEqual(new Set([token]));
  });

  it("never hands GITHUB_TOKEN to the host a repo URL redirects to", async () => {
    const token = "ghp_redirectedToken0123456789";
    const repo = await createBareRepo({ name: "private.git" });
    const elsewhere = await startGitHttpServer({ root: dirname(repo.dir), token });
    cleanups.push(() => elsewhere.close());
    const moved = await startRedirectServer({ target: elsewhere.url });
    cleanups.push(() => moved.close());
    const m = await machine();
    await signedFetch(m.daemon.url, m.key, "PUT", "/platform/env", {
      env: { GITHUB_TOKEN: token },
    });
    const res = await bootstrap(m, { repo: { url: `${moved.url}/private.git` } });
    expect(res.status).toBe(502);
    expect(moved.requests.length).toBeGreaterThan(0);
    expect(elsewhere.requests.length).toBeGreaterThan(0);
    expect(elsewhere.passwordsSeen).not.toContain(token);
    expect(await exists(join(m.daemon.home, "workspace"))).toBe(false);
  });
});
