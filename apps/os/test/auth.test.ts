import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, cookieFrom, expectError, SESSION_COOKIE, signUp, uniqueEmail } from "./helpers.ts";

describe("sign-up (POST /api/auth/signup)", () => {
  it("creates the user and their first instance, answering 201 with a session cookie", async () => {
    const email = uniqueEmail("Ada");
    const res = await call("POST", "/api/auth/signup", { email, password: "long enough pw" });
    expect(res.status).toBe(201);
    const body = (await res.json()) as {
      user: { id: string; email: string };
      instance: { id: string; name: string; slug: string };
    };
    expect(body.user).toEqual({ id: expect.stringMatching(/^usr_/), email: email.toLowerCase() });
    expect(body.instance).toEqual({
      id: expect.stringMatching(/^ins_/),
      name: expect.any(String),
      slug: expect.stringMatching(/^[a-z0-9-]+$/),
    });
    const membership = await env.DB.prepare(
      "select role from memberships where user_id = ? and instance_id = ?",
    )
      .bind(body.user.id, body.instance.id)
      .first();
    expect(membership).toEqual({ role: "owner" });
  });

  it("sets the session cookie __Host- prefixed, HttpOnly, Secure, SameSite=Lax, Path=/", async () => {
    const res = await call("POST", "/api/auth/signup", {
      email: uniqueEmail(),
      password: "long enough pw",
    });
    const header = res.headers.getSetCookie().find((h) => h.startsWith(`${SESSION_COOKIE}=`));
    expect(header).toMatch(/^__Host-iterate_session=/);
    expect(header).toMatch(/Path=\//);
    expect(header).not.toMatch(/Domain=/i);
    expect(header).toMatch(/HttpOnly/);
    expect(header).toMatch(/Secure/);
    expect(header).toMatch(/SameSite=Lax/);
  });

  it("leaves Secure and the prefix off on plain-http localhost, where there is no TLS", async () => {
    const { SELF } = await import("cloudflare:test");
    const res = await SELF.fetch("http://localhost:8787/api/auth/signup", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: uniqueEmail(), password: "long enough pw" }),
    });
    const header = res.headers.getSetCookie().find((h) => h.startsWith("iterate_session="));
    expect(header).toMatch(/HttpOnly/);
    expect(header).not.toMatch(/Secure/);
  });

  it("stores only the SHA-256 (base64url) of the session cookie", async () => {
    const user = await signUp();
    expect(user.cookie.startsWith(`${SESSION_COOKIE}=`)).toBe(true);
    const value = user.cookie.slice(SESSION_COOKIE.length + 1);
    // Computed here, not with the app's helper, so a change of hash or encoding is caught.
    const digest = new Uint8Array(
      await crypto.subtle.digest("SHA-256", new TextEncoder().encode(value)),
    );
    const expected = btoa(String.fromCharCode(...digest))
      .replaceAll("+", "-")
      .replaceAll("/", "_")
      .replace(/=+$/, "");
    const rows = await env.DB.prepare("select token_hash from sessions where user_id = ?")
      .bind(user.user.id)
      .all<{ token_hash: string }>();
    expect(rows.results.map((r) => r.token_hash)).toEqual([expected]);
    expect(expected).not.toBe(value);
  });

  it("refuses a taken email with 409 conflict, in any letter case", async () => {
    const user = await signUp();
    const res = await call("POST", "/api/auth/signup", {
      email: user.email.toUpperCase(),
      password: "another password",
    });
    await expectError(res, 409, "conflict");
  });

  it("refuses a bad email or a short password with 400 validation_failed", async () => {
    await expectError(
      await call("POST", "/api/auth/signup", { email: "nope", password: "long enough pw" }),
      400,
      "validation_failed",
    );
    await expectError(
      await call("POST", "/api/auth/signup", { email: uniqueEmail(), password: "short" }),
      400,
      "validation_failed",
    );
  });
});

describe("log-in and log-out", () => {
  it("logs in with the right password: 200 { user } and a session that works", async () => {
    const user = await signUp();
    const res = await call("POST", "/api/auth/login", {
      email: user.email,
      password: user.password,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ user: user.user });
    const cookie = cookieFrom(res, SESSION_COOKIE) as string;
    expect((await call("GET", "/api/instances", undefined, { cookie })).status).toBe(200);
  });

  it("answers a wrong password and an unknown email identically (401 unauthorized)", async () => {
    const user = await signUp();
    const wrong = await call("POST", "/api/auth/login", {
      email: user.email,
      password: "not the password",
    });
    const unknown = await call("POST", "/api/auth/login", {
      email: uniqueEmail("ghost"),
      password: "not the password",
    });
    const a = await expectError(wrong, 401, "unauthorized");
    const b = await expectError(unknown, 401, "unauthorized");
    expect(a).toBe(b);
    expect(cookieFrom(wrong, SESSION_COOKIE)).toBeUndefined();
  });

  it("log-out deletes the session: 204, and the old cookie is refused afterwards", async () => {
    const user = await signUp();
    const res = await call("POST", "/api/auth/logout", undefined, { cookie: user.cookie });
    expect(res.status).toBe(204);
    const after = await call("GET", "/api/instances", undefined, { cookie: user.cookie });
    await expectError(after, 401, "unauthorized");
  });
});
