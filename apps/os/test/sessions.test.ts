import { env } from "cloudflare:test";
import { hashSecret } from "@iterate/contract";
import { describe, expect, it } from "vitest";
import { Browser, call, cookieFrom, expectError, SESSION_COOKIE, signUp } from "./helpers.ts";
import { legacyPasswordHash } from "./legacy-password.ts";

const cookieValue = (cookie: string) => cookie.slice(cookie.indexOf("=") + 1);

async function sessionRows(userId: string) {
  const { results } = await env.DB.prepare(
    "select token_hash, expires_at from sessions where user_id = ?",
  )
    .bind(userId)
    .all<{ token_hash: string; expires_at: number }>();
  return results;
}

async function logIn(user: { email: string; password: string }, cookie?: string) {
  const res = await call(
    "POST",
    "/api/auth/login",
    { email: user.email, password: user.password },
    cookie ? { cookie } : undefined,
  );
  expect(res.status).toBe(200);
  return cookieFrom(res, SESSION_COOKIE) as string;
}

describe("passwords are peppered", () => {
  it("stores hashes in the peppered scheme", async () => {
    const user = await signUp("pepper");
    const row = await env.DB.prepare("select password_hash from users where id = ?")
      .bind(user.user.id)
      .first<{ password_hash: string }>();
    expect(row?.password_hash).toMatch(/^pbkdf2-sha256-pepper\$100000\$/);
  });

  it("logs in a user whose hash predates the pepper, and upgrades the hash", async () => {
    const user = await signUp("legacy");
    await env.DB.prepare("update users set password_hash = ? where id = ?")
      .bind(await legacyPasswordHash(user.password), user.user.id)
      .run();
    await logIn(user);
    const row = await env.DB.prepare("select password_hash from users where id = ?")
      .bind(user.user.id)
      .first<{ password_hash: string }>();
    expect(row?.password_hash).toMatch(/^pbkdf2-sha256-pepper\$100000\$/);
    await logIn(user); // and the upgraded hash verifies
    await expectError(
      await call("POST", "/api/auth/login", { email: user.email, password: "wrong password" }),
      401,
      "unauthorized",
    );
  });
});

describe("sessions", () => {
  it("a log-in with a session cookie rotates it: new value, old row deleted, old cookie refused", async () => {
    const user = await signUp("rotate");
    const fresh = await logIn(user, user.cookie);
    expect(cookieValue(fresh)).not.toBe(cookieValue(user.cookie));
    const hashes = (await sessionRows(user.user.id)).map((r) => r.token_hash);
    expect(hashes).toEqual([await hashSecret(cookieValue(fresh))]);
    await expectError(
      await call("GET", "/api/instances", undefined, { cookie: user.cookie }),
      401,
      "unauthorized",
    );
    expect((await call("GET", "/api/instances", undefined, { cookie: fresh })).status).toBe(200);
  });

  it("log out everywhere (dashboard) ends every session of the user, not other users'", async () => {
    const user = await signUp("everywhere");
    const other = await signUp("bystander");
    const laptop = await logIn(user);
    const browser = Browser.signedIn(user.cookie);
    const page = await browser.page(`/instances/${user.instance.id}/machines`);
    expect(page).toContain('action="/logout-everywhere"');
    const res = await browser.submit("/logout-everywhere", {});
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/login");
    expect(await browser.page("/login")).toContain("logged out on every device");
    for (const cookie of [user.cookie, laptop]) {
      await expectError(
        await call("GET", "/api/instances", undefined, { cookie }),
        401,
        "unauthorized",
      );
    }
    expect(await sessionRows(user.user.id)).toEqual([]);
    expect((await call("GET", "/api/instances", undefined, { cookie: other.cookie })).status).toBe(
      200,
    );
  });

  it("log out everywhere (API): 204, every session gone; 401 without a session", async () => {
    const user = await signUp("everywhere-api");
    const second = await logIn(user);
    const res = await call("POST", "/api/auth/logout-everywhere", undefined, { cookie: second });
    expect(res.status).toBe(204);
    expect(await sessionRows(user.user.id)).toEqual([]);
    await expectError(await call("POST", "/api/auth/logout-everywhere"), 401, "unauthorized");
  });

  it("sweeps expired sessions on log-in: the user's own and others'", async () => {
    const user = await signUp("sweep");
    const other = await signUp("sweep-other");
    const past = Date.now() - 1000;
    const insert = (token: string, userId: string) =>
      env.DB.prepare(
        "insert into sessions (token_hash, user_id, created_at, expires_at) values (?, ?, ?, ?)",
      )
        .bind(token, userId, past - 1000, past)
        .run();
    await insert(`expired-own-${crypto.randomUUID()}`, user.user.id);
    await insert(`expired-other-${crypto.randomUUID()}`, other.user.id);
    await logIn(user);
    const expired = await env.DB.prepare(
      "select count(*) as n from sessions where expires_at <= ? and user_id in (?, ?)",
    )
      .bind(Date.now(), user.user.id, other.user.id)
      .first<{ n: number }>();
    expect(expired?.n).toBe(0);
    // Live sessions stay.
    expect((await call("GET", "/api/instances", undefined, { cookie: other.cookie })).status).toBe(
      200,
    );
  });
});
