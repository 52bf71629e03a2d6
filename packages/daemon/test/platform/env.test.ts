import { execFile } from "node:child_process";
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { errorBodySchema, signRequest } from "@iterate/contract";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { readMachineEnv } from "../../src/credentials.ts";
import { createInstanceEnvStore, InstanceEnvFileError } from "../../src/env/instance-env-store.ts";
import { createMachineEnv } from "../../src/env/machine-env.ts";
import { machineEnv, startDaemon, tempHome } from "./support/daemon-process.ts";
import { startFakePlatform } from "./support/fake-platform.ts";
import { createBareRepo } from "./support/git-fixtures.ts";
import { startGitHttpServer } from "./support/git-http-server.ts";
import { startMachine, type TestMachine } from "./support/machine.ts";
import { signedFetch } from "./support/signed-fetch.ts";
import { selfSignedCert } from "./support/tls.ts";

const exec = promisify(execFile);
const identity = readMachineEnv(machineEnv("https://os.example.com"));

let cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.map((cleanup) => cleanup()));
  cleanups = [];
});

async function hotReloadable(base: Record<string, string>) {
  const home = await tempHome();
  const file = join(home, ".iterate", "env.json");
  const store = await createInstanceEnvStore({ file });
  const env = createMachineEnv({
    base,
    identity,
    workspaceDir: join(home, "workspace"),
    store,
  });
  return { file, store, env };
}

/** What a child process started with `env` prints for `$name`. */
async function childSees(env: Record<string, string>, name: string): Promise<string> {
  const { stdout } = await exec("sh", ["-c", `printf %s "$${name}"`], { env });
  return stdout;
}

describe("machine env precedence (mergeMachineEnv through the hot-reload path)", () => {
  it("layers daemon process env < OS-provided defaults < instance env", async () => {
    const { env } = await hotReloadable({
      PATH: process.env.PATH ?? "",
      OPENAI_BASE_URL: "from-process",
      ONLY_BASE: "b",
    });
    expect(await childSees(env.runEnv(), "OPENAI_BASE_URL")).toBe(
      "https://os.example.com/api/llm/openai/v1",
    );
    expect(await childSees(env.runEnv(), "ONLY_BASE")).toBe("b");
    await env.replaceInstanceEnv({
      OPENAI_BASE_URL: "https://llm.example/v1",
      ONLY_BASE: "instance",
    });
    expect(await childSees(env.runEnv(), "OPENAI_BASE_URL")).toBe("https://llm.example/v1");
    expect(await childSees(env.runEnv(), "ONLY_BASE")).toBe("instance");
  });

  it("keeps the platform's values for reserved ITERATE_* names whatever the other layers say", async () => {
    const { env } = await hotReloadable({ ITERATE_MACHINE_ID: "from-process" });
    await env.replaceInstanceEnv({
      ITERATE_MACHINE_TOKEN: "forged",
      ITERATE_PLATFORM_URL: "https://evil.example",
    });
    const merged = env.runEnv();
    expect(merged.ITERATE_MACHINE_ID).toBe(identity.machineId);
    expect(merged.ITERATE_MACHINE_TOKEN).toBe(identity.machineToken);
    expect(merged.ITERATE_PLATFORM_URL).toBe("https://os.example.com");
  });

  it("points ITERATE_WORKSPACE at the absolute workspace path", async () => {
    const { env } = await hotReloadable({});
    expect(env.runEnv().ITERATE_WORKSPACE).toMatch(/^\/.+\/workspace$/);
  });

  it("is visible to a command started after the reload, and a removed var falls back", async () => {
    const { env } = await hotReloadable({ PATH: process.env.PATH ?? "", GREETING: "base" });
    await env.replaceInstanceEnv({ GREETING: "hello" });
    expect(await childSees(env.runEnv(), "GREETING")).toBe("hello");
    await env.replaceInstanceEnv({});
    expect(await childSees(env.runEnv(), "GREETING")).toBe("base");
  });

  it("hands the instance's PATH, HOME and GIT_* to runEnv() and leaves the daemon's process env alone", async () => {
    const before = { ...process.env };
    const { env } = await hotReloadable({ PATH: "/usr/bin:/bin", HOME: "/home/daemon" });
    await env.replaceInstanceEnv({
      PATH: "/nonexistent",
      HOME: "/nonexistent",
      GIT_DIR: "/nonexistent",
      NODE_TLS_REJECT_UNAUTHORIZED: "0",
    });
    expect(env.runEnv()).toMatchObject({
      PATH: "/nonexistent",
      HOME: "/nonexistent",
      GIT_DIR: "/nonexistent",
      NODE_TLS_REJECT_UNAUTHORIZED: "0",
    });
    expect(process.env).toEqual(before);
  });
});

describe("instance env store", () => {
  it("persists to env.json with mode 0600 and reloads it", async () => {
    const { file, store } = await hotReloadable({});
    await store.replace({ A: "1" });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(dirname(file))).mode & 0o777).toBe(0o700);
    expect((await createInstanceEnvStore({ file })).get()).toEqual({ A: "1" });
  });

  it("fails fast on a malformed file, naming the field but not the value", async () => {
    const { file, store } = await hotReloadable({});
    await store.replace({ A: "1" });
    await writeFile(file, JSON.stringify({ env: { "BAD NAME": "s3cret" } }));
    const failure = createInstanceEnvStore({ file });
    await expect(failure).rejects.toBeInstanceOf(InstanceEnvFileError);
    await expect(failure).rejects.toThrow(/is malformed: env\.BAD NAME/);
    await expect(failure).rejects.not.toThrow(/s3cret/);
  });
});

describe("PUT /platform/env", () => {
  let m: TestMachine;
  beforeAll(async () => {
    m = await startMachine();
  });
  afterAll(() => m.stop());

  it("answers 200 with the names only and persists the values to ~/.iterate/env.json (0600)", async () => {
    const res = await signedFetch(m.daemon.url, m.key, "PUT", "/platform/env", {
      env: { B: "2", A: "s3cret" },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, names: ["A", "B"] });
    const file = join(m.daemon.home, ".iterate", "env.json");
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(file, "utf8")).env).toEqual({ B: "2", A: "s3cret" });
    expect(m.daemon.output()).not.toContain("s3cret");
  });

  it.each([
    [{ env: { ITERATE_MACHINE_TOKEN: "x" } }, 400, "reserved_name"],
    [{ env: { "1BAD": "x" } }, 400, "validation_failed"],
    [{ env: { A: 1 } }, 400, "validation_failed"],
    [{ nope: {} }, 400, "validation_failed"],
  ])("refuses %j with %i %s", async (body, status, code) => {
    const res = await signedFetch(m.daemon.url, m.key, "PUT", "/platform/env", body);
    expect(res.status).toBe(status);
    expect(errorBodySchema.parse(await res.json()).error.code).toBe(code);
  });

  it("refuses a body that is not JSON (400 invalid_json) or not declared JSON (415)", async () => {
    const body = "{not json";
    const token = await signRequest({ ...m.key, method: "PUT", url: "/platform/env", body });
    const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
    const res = await fetch(`${m.daemon.url}/platform/env`, { method: "PUT", headers, body });
    expect(res.status).toBe(400);
    expect(errorBodySchema.parse(await res.json()).error.code).toBe("invalid_json");
    const plain = '{"env":{}}';
    const token2 = await signRequest({
      ...m.key,
      method: "PUT",
      url: "/platform/env",
      body: plain,
    });
    const res2 = await fetch(`${m.daemon.url}/platform/env`, {
      method: "PUT",
      headers: { authorization: `Bearer ${token2}`, "content-type": "text/plain" },
      body: plain,
    });
    expect(res2.status).toBe(415);
  });
});

describe("the instance env does not steer the daemon itself", () => {
  it("keeps TLS checks on for the ping although the instance sets NODE_TLS_REJECT_UNAUTHORIZED=0", async () => {
    const platform = await startFakePlatform({ tls: await selfSignedCert() });
    cleanups.push(() => platform.close());
    const home = await tempHome();
    // As a PUT /platform/env before a restart would have left it.
    await mkdir(join(home, ".iterate"), { recursive: true, mode: 0o700 });
    await writeFile(
      join(home, ".iterate", "env.json"),
      JSON.stringify({ env: { NODE_TLS_REJECT_UNAUTHORIZED: "0" }, updatedAt: "2026-01-01" }),
      { mode: 0o600 },
    );
    const daemon = await startDaemon({ home, env: machineEnv(platform.url) });
    cleanups.push(() => daemon.stop());
    await daemon.waitForOutput(/ping: attempt 2 failed: .*(SELF_SIGNED|self.signed)/i);
    // The secret never reached a server whose certificate nothing vouches for.
    expect(platform.pings).toEqual([]);
    expect(daemon.output()).not.toContain("NODE_TLS_REJECT_UNAUTHORIZED");
  });

  it("bootstraps with the daemon's own git although the instance sets PATH, HOME, GIT_DIR", async () => {
    const repo = await createBareRepo();
    const m = await startMachine();
    cleanups.push(() => m.stop());
    const decoy = await tempHome();
    const put = await signedFetch(m.daemon.url, m.key, "PUT", "/platform/env", {
      env: {
        PATH: "/nonexistent",
        HOME: "/nonexistent",
        GIT_DIR: join(decoy, "elsewhere.git"),
        GIT_WORK_TREE: decoy,
        GIT_CONFIG_GLOBAL: "/nonexistent/gitconfig",
      },
    });
    expect(put.status).toBe(200);
    const res = await signedFetch(m.daemon.url, m.key, "POST", "/platform/bootstrap", {
      repo: { url: repo.url },
    });
    expect(res.status).toBe(200);
    const workspace = join(m.daemon.home, "workspace");
    expect(await readFile(join(workspace, "README.md"), "utf8")).toBe("# hello\n");
    expect(await readdir(decoy)).toEqual([]);
  });
});

describe("instance env across a daemon restart", () => {
  it("is kept, and beats the daemon's own process env", async () => {
    const token = "ghp_persistedToken0123456789";
    const repo = await createBareRepo({ name: "private.git" });
    const host = await startGitHttpServer({ root: dirname(repo.dir), token });
    cleanups.push(() => host.close());
    const url = `${host.url}/private.git`;

    const first = await startMachine();
    await signedFetch(first.daemon.url, first.key, "PUT", "/platform/env", {
      env: { GITHUB_TOKEN: token },
    });
    await first.stop();

    // Restarted with a wrong GITHUB_TOKEN in its own process env: the instance env must win.
    const second = await startMachine({
      home: first.daemon.home,
      env: { GITHUB_TOKEN: "ghp_wrong" },
    });
    cleanups.push(() => second.stop());
    const res = await signedFetch(second.daemon.url, second.key, "POST", "/platform/bootstrap", {
      repo: { url },
    });
    expect(res.status).toBe(200);
    expect(host.passwordsSeen).not.toContain("ghp_wrong");
    expect(host.passwordsSeen.at(-1)).toBe(token);
  });
});
