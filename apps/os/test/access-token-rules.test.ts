import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { Browser, call, createToken, expectError, signUp } from "./helpers.ts";
import { eventually } from "./machines/support.ts";

const tokensPath = (instanceId: string) => `/api/instances/${instanceId}/access-tokens`;
const tokenId = (token: string) => token.split("_").slice(1, 3).join("_");
const DAY_MS = 24 * 60 * 60 * 1000;

type TokenJson = { id: string; kind: string; expiresAt: string | null; revokedAt: string | null };

async function listTokens(user: { cookie: string; instance: { id: string } }) {
  const res = await call("GET", tokensPath(user.instance.id), undefined, user);
  return ((await res.json()) as { tokens: TokenJson[] }).tokens;
}

describe("access tokens cannot manage access tokens", () => {
  it("refuses creating a token with a token (403 forbidden); nothing is created", async () => {
    const user = await signUp("token-mints");
    const token = await createToken(user);
    const res = await call("POST", tokensPath(user.instance.id), { name: "successor" }, { token });
    const message = await expectError(res, 403, "forbidden");
    expect(message).toMatch(/signed-in user/);
    expect((await listTokens(user)).filter((t) => t.kind === "user")).toHaveLength(1);
  });

  it("refuses revoking a token with a token, its own or another (403); both stay live", async () => {
    const user = await signUp("token-revokes");
    const [a, b] = [await createToken(user, "a"), await createToken(user, "b")];
    for (const target of [a, b]) {
      const res = await call(
        "DELETE",
        `${tokensPath(user.instance.id)}/${tokenId(target)}`,
        undefined,
        {
          token: a,
        },
      );
      await expectError(res, 403, "forbidden");
    }
    for (const token of [a, b]) {
      expect((await call("GET", "/api/instances", undefined, { token })).status).toBe(200);
    }
  });

  it("still lets a token list tokens (read-only)", async () => {
    const user = await signUp("token-lists");
    const token = await createToken(user);
    expect((await call("GET", tokensPath(user.instance.id), undefined, { token })).status).toBe(
      200,
    );
  });
});

describe("the Access tokens page", () => {
  it("never lists machine tokens, also not in the answer to creating one", async () => {
    const user = await signUp("token-page-machine");
    await eventually("the machine token", async () =>
      (await listTokens(user)).find((t) => t.kind === "machine"),
    );
    const browser = Browser.signedIn(user.cookie);
    const base = `/instances/${user.instance.id}/access-tokens`;
    expect(await browser.page(base)).not.toContain("machine token");
    const created = await browser.submit(base, { name: "laptop" });
    expect(created.status).toBe(201);
    expect(await created.text()).not.toContain("machine token");
  });
});

describe("access token expiry", () => {
  it("creates a token with expiresInDays: expiresAt in the answer and the list", async () => {
    const user = await signUp("token-expiry");
    const before = Date.now();
    const res = await call(
      "POST",
      tokensPath(user.instance.id),
      { name: "CI", expiresInDays: 30 },
      user,
    );
    expect(res.status).toBe(201);
    const { accessToken } = (await res.json()) as { accessToken: TokenJson };
    const expiresAt = Date.parse(accessToken.expiresAt as string);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 30 * DAY_MS);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 30 * DAY_MS);
    expect((await listTokens(user)).find((t) => t.id === accessToken.id)?.expiresAt).toBe(
      accessToken.expiresAt,
    );
  });

  it("creates a token without expiry by default (expiresAt null)", async () => {
    const user = await signUp("token-no-expiry");
    const res = await call("POST", tokensPath(user.instance.id), { name: "forever" }, user);
    expect(((await res.json()) as { accessToken: TokenJson }).accessToken.expiresAt).toBeNull();
  });

  it.each([0, -1, 1.5, 3651, "soon", true])(
    "refuses expiresInDays %s with 400 validation_failed",
    async (expiresInDays) => {
      const user = await signUp("token-bad-expiry");
      const res = await call(
        "POST",
        tokensPath(user.instance.id),
        { name: "x", expiresInDays },
        user,
      );
      await expectError(res, 400, "validation_failed");
    },
  );

  it("refuses an expired token everywhere (401 unauthorized)", async () => {
    const user = await signUp("token-expired");
    const token = await createToken(user);
    expect((await call("GET", "/api/instances", undefined, { token })).status).toBe(200);
    await env.DB.prepare("update access_tokens set expires_at = ? where id = ?")
      .bind(Date.now() - 1000, tokenId(token))
      .run();
    for (const path of ["/api/instances", `/api/instances/${user.instance.id}/env-vars`]) {
      await expectError(await call("GET", path, undefined, { token }), 401, "unauthorized");
    }
  });

  it("offers an expiry on the dashboard and shows it, and Expired once past", async () => {
    const user = await signUp("token-expiry-page");
    const browser = Browser.signedIn(user.cookie);
    const base = `/instances/${user.instance.id}/access-tokens`;
    expect(await browser.page(base)).toContain('name="expiresInDays"');
    const res = await browser.submit(base, { name: "laptop", expiresInDays: "7" });
    expect(res.status).toBe(201);
    const [row] = (await listTokens(user)).filter((t) => t.kind === "user");
    expect(Date.parse(row?.expiresAt as string)).toBeGreaterThan(Date.now() + 6 * DAY_MS);
    expect(await browser.page(base)).toContain(`data-expires="${row?.expiresAt}"`);
    await env.DB.prepare("update access_tokens set expires_at = ? where id = ?")
      .bind(Date.now() - 1000, row?.id)
      .run();
    expect(await browser.page(base)).toContain("Expired");
  });
});
