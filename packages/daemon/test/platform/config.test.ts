import { mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { configResponseSchema, errorBodySchema } from "@iterate/contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readWorkspaceConfig, WorkspaceConfigError } from "../../src/workspace/config.ts";
import { tempHome } from "./support/daemon-process.ts";
import { type BareRepo, createBareRepo } from "./support/git-fixtures.ts";
import { startMachine, type TestMachine } from "./support/machine.ts";
import { signedFetch } from "./support/signed-fetch.ts";

describe("GET /platform/config", () => {
  let m: TestMachine;
  let repo: BareRepo;
  const getConfig = () => signedFetch(m.daemon.url, m.key, "GET", "/platform/config");
  const bootstrap = () =>
    signedFetch(m.daemon.url, m.key, "POST", "/platform/bootstrap", { repo: { url: repo.url } });

  beforeAll(async () => {
    m = await startMachine();
    repo = await createBareRepo();
  });
  afterAll(() => m.stop());

  it("answers 409 before the workspace is bootstrapped", async () => {
    const res = await getConfig();
    expect(res.status).toBe(409);
    expect(errorBodySchema.parse(await res.json()).error.code).toBe("conflict");
  });

  it("answers the validated config and the context rules in load order", async () => {
    await repo.commit({
      "iterate.config.json": JSON.stringify({
        name: "acme",
        agents: { model: "gpt-5-mini" },
        rules: ["docs/extra.md"],
      }),
      "AGENTS.md": "# Agents\n",
      ".iterate/rules/b-style.md": "style\n",
      ".iterate/rules/a-tests.md": "tests\n",
      ".iterate/rules/ignored.txt": "not markdown\n",
      "docs/extra.md": "extra\n",
    });
    expect((await bootstrap()).status).toBe(200);
    const res = await getConfig();
    expect(res.status).toBe(200);
    expect(configResponseSchema.parse(await res.json())).toEqual({
      config: { name: "acme", agents: { model: "gpt-5-mini" }, rules: ["docs/extra.md"] },
      rules: [
        { path: "AGENTS.md", content: "# Agents\n" },
        { path: ".iterate/rules/a-tests.md", content: "tests\n" },
        { path: ".iterate/rules/b-style.md", content: "style\n" },
        { path: "docs/extra.md", content: "extra\n" },
      ],
      mcpServers: [],
    });
  });

  it("answers 422 naming the field when the config is broken", async () => {
    await repo.commit({ "iterate.config.json": JSON.stringify({ agents: { model: 42 } }) });
    expect((await bootstrap()).status).toBe(200);
    const res = await getConfig();
    expect(res.status).toBe(422);
    const { error } = errorBodySchema.parse(await res.json());
    expect(error.code).toBe("validation_failed");
    expect(error.message).toMatch(/^iterate\.config\.json: agents\.model: /);
  });

  it("answers 422 invalid_json when the config is not JSON", async () => {
    await repo.commit({ "iterate.config.json": "{ name: acme" });
    expect((await bootstrap()).status).toBe(200);
    const res = await getConfig();
    expect(res.status).toBe(422);
    expect(errorBodySchema.parse(await res.json()).error.code).toBe("invalid_json");
  });
});

describe("workspace config reader", () => {
  async function workspace(files: Record<string, string>): Promise<string> {
    const dir = join(await tempHome(), "workspace");
    await mkdir(dir);
    for (const [path, content] of Object.entries(files)) {
      await mkdir(join(dir, path, ".."), { recursive: true });
      await writeFile(join(dir, path), content);
    }
    return dir;
  }

  it("treats a missing config file as an empty config", async () => {
    expect(await readWorkspaceConfig(await workspace({}))).toEqual({ config: {}, rules: [] });
  });

  it("refuses unknown keys, naming them", async () => {
    const dir = await workspace({ "iterate.config.json": '{"modle":"x"}' });
    const failure = readWorkspaceConfig(dir);
    await expect(failure).rejects.toBeInstanceOf(WorkspaceConfigError);
    await expect(failure).rejects.toThrow(/modle/);
  });

  it("ignores rule files that are symlinks out of the workspace", async () => {
    const outside = join(await tempHome(), "secret.md");
    await writeFile(outside, "not for agents\n");
    const dir = await workspace({ "AGENTS.md": "ok\n" });
    await mkdir(join(dir, ".iterate/rules"), { recursive: true });
    await symlink(outside, join(dir, ".iterate/rules/leak.md"));
    await symlink(outside, join(dir, "linked.md"));
    await writeFile(join(dir, "iterate.config.json"), JSON.stringify({ rules: ["linked.md"] }));
    const { rules } = await readWorkspaceConfig(dir);
    expect(rules).toEqual([{ path: "AGENTS.md", content: "ok\n" }]);
  });
});
