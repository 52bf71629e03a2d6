import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, createToken, expectError, signUp } from "./helpers.ts";
import { eventually } from "./machines/support.ts";

const tokensPath = (instanceId: string) => `/api/instances/${instanceId}/access-tokens`;

describe("access tokens", () => {
  it("creates a token shown exactly once: 201 { token, accessToken }, then only metadata", async () => {
    const user = await signUp();
    const res = await call("POST", tokensPath(user.instance.id), { name: "CI" }, user);
    expect(res.status).toBe(201);
    const body = (await res.json()) as { token: string; accessToken: { id: string } };
    expect(body.token).toMatch(/^itk_tok_[0-9a-z]{20}_[0-9A-Za-z]{43}$/);
    expect(body.accessToken).toEqual({
      id: expect.stringMatching(/^tok_/),
      name: "CI",
      kind: "user",
      createdAt: expect.any(String),
      lastUsedAt: null,
      revokedAt: null,
      expiresAt: null,
    });
    const list = await call("GET", tokensPath(user.instance.id), undefined, user);
    const text = await list.text();
    expect(text).not.toContain(body.token);
    expect(text).not.toContain(body.token.split("_").at(-1));
    // The instance's machine token (minted with its machine) is listed too, as kind "machine".
    const { tokens } = JSON.parse(text) as { tokens: { kind: string }[] };
    expect(tokens.filter((t) => t.kind === "user")).toEqual([body.accessToken]);
  });

  it("stores only a hash of the secret", async () => {
    const user = await signUp();
    const token = await createToken(user);
    const secret = token.split("_").at(-1) as string;
    const row = await env.DB.prepare(
      "select * from access_tokens where instance_id = ? and kind = 'user'",
    )
      .bind(user.instance.id)
      .first<Record<string, unknown>>();
    expect(JSON.stringify(row)).not.toContain(secret);
  });

  it("authenticates the JSON API for its instance and records the last use", async () => {
    const user = await signUp();
    const token = await createToken(user, "script");
    const res = await call("GET", tokensPath(user.instance.id), undefined, { token });
    expect(res.status).toBe(200);
    const { tokens } = (await res.json()) as {
      tokens: { kind: string; lastUsedAt: string | null }[];
    };
    expect(tokens.find((t) => t.kind === "user")?.lastUsedAt).toEqual(expect.any(String));
  });

  it("revokes a token: 204, listed with revokedAt, refused afterwards with 401", async () => {
    const user = await signUp();
    const token = await createToken(user);
    const id = token.split("_").slice(1, 3).join("_");
    const del = await call("DELETE", `${tokensPath(user.instance.id)}/${id}`, undefined, user);
    expect(del.status).toBe(204);
    const list = await call("GET", tokensPath(user.instance.id), undefined, user);
    const { tokens } = (await list.json()) as { tokens: { id: string; revokedAt: string }[] };
    expect(tokens.find((t) => t.id === id)?.revokedAt).toEqual(expect.any(String));
    const after = await call("GET", "/api/instances", undefined, { token });
    await expectError(after, 401, "unauthorized");
  });

  it("answers 404 for revoking a token that does not exist", async () => {
    const user = await signUp();
    const res = await call(
      "DELETE",
      `${tokensPath(user.instance.id)}/tok_00000000000000000000`,
      undefined,
      user,
    );
    await expectError(res, 404, "not_found");
  });

  it("refuses a blank or overlong name with 400 validation_failed", async () => {
    const user = await signUp();
    for (const name of ["", "   ", "x".repeat(101)]) {
      const res = await call("POST", tokensPath(user.instance.id), { name }, user);
      await expectError(res, 400, "validation_failed");
    }
  });

  it("refuses a forged secret for a real token id with 401", async () => {
    const user = await signUp();
    const token = await createToken(user);
    const forged = `${token.slice(0, -4)}AAAA`;
    await expectError(
      await call("GET", "/api/instances", undefined, { token: forged }),
      401,
      "unauthorized",
    );
  });
});

describe("machine tokens", () => {
  it("are listed as kind machine but cannot be revoked through the user API (404); only a rebuild revokes them", async () => {
    const user = await signUp();
    const machineToken = await eventually("the machine token", async () => {
      const res = await call("GET", tokensPath(user.instance.id), undefined, user);
      const { tokens } = (await res.json()) as { tokens: { id: string; kind: string }[] };
      return tokens.find((t) => t.kind === "machine");
    });
    const res = await call(
      "DELETE",
      `${tokensPath(user.instance.id)}/${machineToken.id}`,
      undefined,
      user,
    );
    await expectError(res, 404, "not_found");
    const row = await env.DB.prepare("select revoked_at from access_tokens where id = ?")
      .bind(machineToken.id)
      .first<{ revoked_at: number | null }>();
    expect(row?.revoked_at).toBeNull();
  });
});
