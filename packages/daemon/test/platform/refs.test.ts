import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { errorBodySchema } from "@iterate/contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { refNameProblem } from "../../src/workspace/ref-name.ts";
import { createBareRepo, git } from "./support/git-fixtures.ts";
import { startMachine, type TestMachine } from "./support/machine.ts";
import { signedFetch } from "./support/signed-fetch.ts";

describe("bootstrap ref names", () => {
  it.each([
    "main",
    "feature/login-form",
    "v1.2.3",
    "refs/tags/v1",
    "release_2026",
    "a".repeat(40),
    "0123456789abcdef0123456789abcdef01234567",
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
  ])("accepts %j", (ref) => {
    expect(refNameProblem(ref)).toBeNull();
  });

  it.each([
    ["+refs/heads/main:refs/heads/agent-work", /start with \+/],
    ["+main", /start with \+/],
    ["main:agent-work", /contain :/],
    ["-main", /start with -/],
    ["a..b", /\.\./],
    ["HEAD@{1}", /@\{/],
    ["@", /@ alone/],
    ["main.lock", /\.lock/],
    ["feature.lock/x", /\.lock/],
    [".hidden", /start with \./],
    ["x/.hidden", /start with \./],
    ["main.", /end with \./],
    ["/main", /\/\//],
    ["main/", /\/\//],
    ["a//b", /\/\//],
    ["a b", /\\u0020/],
    ["a\u0001b", /\\u0001/],
    ["a\u007fb", /\\u007f/],
    ["a\nb", /\\u000a/],
    ["main~1", /contain ~/],
    ["main^", /contain \^/],
    ["refs/heads/*", /contain \*/],
    ["what?", /contain \?/],
    ["a[b", /contain \[/],
    ["a\\b", /contain \\/],
    ["", /empty/],
  ])("refuses %j", (ref, problem) => {
    expect(refNameProblem(ref)).toMatch(problem);
  });
});

describe("POST /platform/bootstrap refuses refs that git would read as refspecs", () => {
  let m: TestMachine;
  beforeAll(async () => {
    m = await startMachine();
  });
  afterAll(() => m.stop());

  it("answers 400 naming repo.ref for a forced refspec and leaves the local branch where it was", async () => {
    const repo = await createBareRepo();
    const first = await signedFetch(m.daemon.url, m.key, "POST", "/platform/bootstrap", {
      repo: { url: repo.url },
    });
    expect(first.status).toBe(200);
    const workspace = join(m.daemon.home, "workspace");
    // An agent's local branch, with work origin does not have.
    await git(["checkout", "-q", "-b", "agent-work"], workspace);
    await writeFile(join(workspace, "agent.txt"), "work\n");
    await git(["add", "agent.txt"], workspace);
    await git(["commit", "-q", "-m", "agent work"], workspace);
    const agentWork = await git(["rev-parse", "agent-work"], workspace);
    await git(["checkout", "-q", "main"], workspace);
    await repo.commit({ "remote.txt": "r\n" });

    const res = await signedFetch(m.daemon.url, m.key, "POST", "/platform/bootstrap", {
      repo: { url: repo.url, ref: "+refs/heads/main:refs/heads/agent-work" },
    });
    expect(res.status).toBe(400);
    const body = errorBodySchema.parse(await res.json());
    expect(body.error.code).toBe("validation_failed");
    expect(body.error.message).toMatch(/^repo\.ref: /);
    expect(await git(["rev-parse", "agent-work"], workspace)).toBe(agentWork);
  });

  it.each(["main:agent-work", "HEAD@{1}", "a..b", "main.lock", "refs/heads/*"])(
    "answers 400 validation_failed for %j",
    async (ref) => {
      const res = await signedFetch(m.daemon.url, m.key, "POST", "/platform/bootstrap", {
        repo: { url: "file:///nowhere.git", ref },
      });
      expect(res.status).toBe(400);
      const body = errorBodySchema.parse(await res.json());
      expect(body.error).toMatchObject({ code: "validation_failed" });
      expect(body.error.message).toMatch(/^repo\.ref: /);
    },
  );
});
