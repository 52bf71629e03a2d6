import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../src/app.ts";
import { createDb } from "../src/db/client.ts";
import { decryptInstanceEnv, envVarAad } from "../src/db/env-vars.ts";
import { isDevelopment } from "../src/development.ts";
import { keyringFromEnv } from "../src/keyring.ts";
import { Browser, call, expectError, ORIGIN, signUp } from "./helpers.ts";

const varPath = (instanceId: string, name: string) =>
  `/api/instances/${instanceId}/env-vars/${encodeURIComponent(name)}`;

/** A browser signed in with the session of `user`. */
function browserOf(user: { cookie: string }): Browser {
  return Browser.signedIn(user.cookie);
}

describe("env var values follow the contract (envVarValueSchema)", () => {
  it("refuses a NUL byte with 400 validation_failed, storing nothing", async () => {
    const user = await signUp("nul");
    const res = await call("PUT", varPath(user.instance.id, "BAD"), { value: "a\u0000b" }, user);
    const message = await expectError(res, 400, "validation_failed");
    expect(message).toMatch(/NUL/);
    const list = await call("GET", `/api/instances/${user.instance.id}/env-vars`, undefined, user);
    expect(await list.json()).toEqual({ envVars: [] });
  });

  it("refuses a NUL byte from the dashboard form with an error flash", async () => {
    const user = await signUp("nul-form");
    const browser = browserOf(user);
    const base = `/instances/${user.instance.id}/env-vars`;
    const res = await browser.submit(base, { name: "BAD", value: "a\u0000b" });
    expect(res.status).toBe(303);
    const page = await browser.page(base);
    expect(page).toMatch(/must not contain NUL/);
    expect(page).toContain("No env vars yet");
  });
});

describe("env var names that are special to JavaScript objects", () => {
  it.each(["__proto__", "constructor", "prototype"])(
    "refuses %s with 400 validation_failed",
    async (name) => {
      const user = await signUp("proto");
      const res = await call("PUT", varPath(user.instance.id, name), { value: "x" }, user);
      await expectError(res, 400, "validation_failed");
    },
  );

  it("keeps a __proto__ row stored before the rule as a plain key, never the prototype", async () => {
    const user = await signUp("proto-row");
    const keyring = await keyringFromEnv(env);
    const at = Date.now();
    await env.DB.prepare(
      "insert into env_vars (instance_id, name, value_encrypted, created_at, updated_at) values (?, ?, ?, ?, ?)",
    )
      .bind(
        user.instance.id,
        "__proto__",
        await keyring.encrypt("polluted", envVarAad(user.instance.id, "__proto__")),
        at,
        at,
      )
      .run();
    const decrypted = await decryptInstanceEnv(createDb(env.DB), keyring, user.instance.id);
    expect(Object.hasOwn(decrypted, "__proto__")).toBe(true);
    expect(Object.getPrototypeOf(decrypted)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(decrypted, "__proto__")?.value).toBe("polluted");
  });
});

describe("repository URLs", () => {
  const patch = (user: { cookie: string; instance: { id: string } }, body: unknown) =>
    call("PATCH", `/api/instances/${user.instance.id}`, body, { cookie: user.cookie });

  it.each([
    "https://ghp_secret@github.com/acme/agents.git",
    "https://x-access-token@github.com/acme/agents.git",
    "https://-evil.example/acme/agents.git",
    "ssh://-oProxyCommand=touch%20pwned/acme/agents",
    "ssh://-oProxyCommand=x@github.com/acme/agents",
    "-oProxyCommand=x@github.com:acme/agents.git",
    "git@-oProxyCommand=x:acme/agents.git",
  ])("refuses %s with 400 validation_failed", async (repoUrl) => {
    const user = await signUp("repo");
    await expectError(await patch(user, { repoUrl }), 400, "validation_failed");
  });

  it("allows file:// only on a development platform (PLATFORM_URL on loopback)", async () => {
    const user = await signUp("repo-file");
    const body = JSON.stringify({ repoUrl: "file:///srv/repos/agents" });
    const request = (platformUrl: string) =>
      createApp().request(
        `${ORIGIN}/api/instances/${user.instance.id}`,
        {
          method: "PATCH",
          headers: { cookie: user.cookie, "content-type": "application/json" },
          body,
        },
        { ...env, PLATFORM_URL: platformUrl },
      );
    const production = await request("https://os.example.com");
    const message = await expectError(production, 400, "validation_failed");
    expect(message).not.toContain("file://");
    expect((await request("http://127.0.0.1:8787")).status).toBe(200);
  });

  it.each([
    ["http://localhost:8787", true],
    ["http://127.0.0.1:8787", true],
    ["http://127.5.6.7:1", true],
    ["http://[::1]:8787", true],
    ["http://os.localhost", true],
    ["https://os.example.com", false],
    ["https://127.0.0.1.example.com", false],
    ["not a url", false],
    ["", false],
  ])("treats PLATFORM_URL %s as development: %s", (url, expected) => {
    expect(isDevelopment({ PLATFORM_URL: url })).toBe(expected);
  });
});

describe("the Settings form", () => {
  it("posted empty is a no-op that saves nothing (303, not 500)", async () => {
    const user = await signUp("empty-settings");
    const browser = browserOf(user);
    const base = `/instances/${user.instance.id}/settings`;
    const res = await browser.submit(base, {});
    expect(res.status).toBe(303);
    expect(await browser.page(base)).toContain("Settings saved.");
    const get = await call("GET", `/api/instances/${user.instance.id}`, undefined, user);
    expect(await get.json()).toMatchObject({ instance: { name: user.instance.name } });
  });
});
