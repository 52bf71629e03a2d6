import { describe, expect, it } from "vitest";
import { call, createToken, expectError, signUp } from "./helpers.ts";

describe("GET /api/instances", () => {
  it("lists the instances the user belongs to as { id, name, slug }", async () => {
    const user = await signUp();
    const res = await call("GET", "/api/instances", undefined, { cookie: user.cookie });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ instances: [user.instance] });
  });

  it("lists only the token's own instance for an access token", async () => {
    const user = await signUp();
    const token = await createToken(user);
    const res = await call("GET", "/api/instances", undefined, { token });
    expect(await res.json()).toEqual({ instances: [user.instance] });
  });

  it("answers 401 unauthorized without credentials", async () => {
    await expectError(await call("GET", "/api/instances"), 401, "unauthorized");
  });
});

describe("PATCH /api/instances/:instanceId (settings)", () => {
  const patch = (user: { cookie: string; instance: { id: string } }, body: unknown) =>
    call("PATCH", `/api/instances/${user.instance.id}`, body, { cookie: user.cookie });

  it("renames the instance and sets the repository, answering the updated instance", async () => {
    const user = await signUp();
    const res = await patch(user, {
      name: "  Acme agents ",
      repoUrl: "https://github.com/acme/agents.git",
      repoRef: "main",
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      instance: {
        id: user.instance.id,
        name: "Acme agents",
        repoUrl: "https://github.com/acme/agents.git",
        repoRef: "main",
      },
    });
    const get = await call("GET", `/api/instances/${user.instance.id}`, undefined, user);
    expect(await get.json()).toMatchObject({ instance: { name: "Acme agents" } });
  });

  it.each([
    "https://github.com/acme/agents.git",
    "ssh://git@github.com/acme/agents.git",
    "ssh://git@git.example.com:2222/acme/agents",
    "git@github.com:acme/agents.git",
    "file:///srv/repos/agents",
  ])("accepts the repository URL %s", async (repoUrl) => {
    const user = await signUp();
    const res = await patch(user, { repoUrl });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ instance: { repoUrl } });
  });

  it.each([
    "http://github.com/acme/agents.git",
    "ftp://example.com/repo",
    "https://user:hunter2@github.com/acme/agents.git",
    "https://github.com",
    "not a url",
    "file://host/path",
    "git@github.com:acme/agents.git; rm -rf /",
  ])("refuses the repository URL %s with 400 validation_failed", async (repoUrl) => {
    const user = await signUp();
    await expectError(await patch(user, { repoUrl }), 400, "validation_failed");
  });

  it("refuses an invalid ref and unknown fields with 400 validation_failed", async () => {
    const user = await signUp();
    await expectError(await patch(user, { repoRef: "--upload-pack=x" }), 400, "validation_failed");
    await expectError(await patch(user, { repoRef: "a..b" }), 400, "validation_failed");
    await expectError(await patch(user, { owner: "me" }), 400, "validation_failed");
  });

  it("clears the repository with an empty string or null", async () => {
    const user = await signUp();
    await patch(user, { repoUrl: "https://github.com/acme/agents.git", repoRef: "main" });
    const res = await patch(user, { repoUrl: "", repoRef: null });
    expect(await res.json()).toMatchObject({ instance: { repoUrl: null, repoRef: null } });
  });
});
