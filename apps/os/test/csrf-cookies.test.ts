import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { sessionCsrfToken } from "../src/middleware/csrf.ts";
import { Browser, CSRF_COOKIE, call, cookieFrom, SESSION_COOKIE, signUp } from "./helpers.ts";

const cookieValue = (cookie: string) => cookie.slice(cookie.indexOf("=") + 1);

/** A browser holding the session cookie of `cookie` (`name=value`) and a pre-session CSRF cookie. */
async function signedInBrowser(cookie: string): Promise<Browser> {
  const browser = new Browser();
  await browser.page("/login"); // the pre-session CSRF cookie
  browser.cookies.set(SESSION_COOKIE, cookieValue(cookie));
  return browser;
}

describe("cookies are __Host- prefixed", () => {
  it("sets the CSRF cookie as __Host-iterate_csrf: Secure, Path=/, no Domain", async () => {
    const res = await call("GET", "/login");
    const header = res.headers.getSetCookie().find((h) => h.startsWith(`${CSRF_COOKIE}=`));
    expect(header).toMatch(/Secure/);
    expect(header).toMatch(/Path=\//);
    expect(header).toMatch(/HttpOnly/);
    expect(header).not.toMatch(/Domain=/i);
  });

  it("ignores an unprefixed session cookie on https (it could have been planted)", async () => {
    const user = await signUp("planted");
    const res = await call("GET", "/api/instances", undefined, undefined, {
      cookie: `iterate_session=${cookieValue(user.cookie)}`,
    });
    expect(res.status).toBe(401);
  });

  it("shows no flash from an unprefixed cookie on https (a subdomain could have planted a banner)", async () => {
    const user = await signUp("planted-flash");
    const planted = encodeURIComponent(
      JSON.stringify({ kind: "error", message: "Account locked: mail support@evil.example" }),
    );
    const page = (flash: string) =>
      call("GET", `/instances/${user.instance.id}/settings`, undefined, {
        cookie: `${user.cookie}; ${flash}=${planted}`,
      }).then((res) => res.text());
    expect(await page("iterate_flash")).not.toContain("evil.example");
    expect(await page("__Host-iterate_flash")).toContain("evil.example");
  });

  it("falls back to unprefixed, non-Secure cookies only on plain-http loopback", async () => {
    const res = await SELF.fetch("http://127.0.0.1:8787/login");
    const header = res.headers.getSetCookie().find((h) => h.startsWith("iterate_csrf="));
    expect(header).toBeDefined();
    expect(header).not.toMatch(/Secure/);
  });
});

describe("the CSRF token is bound to the session", () => {
  it("renders the session's own token into the forms of a signed-in page", async () => {
    const user = await signUp("csrf-page");
    const browser = await signedInBrowser(user.cookie);
    const html = await browser.page(`/instances/${user.instance.id}/settings`);
    const token = await sessionCsrfToken(cookieValue(user.cookie));
    expect(html).toContain(`name="_csrf" value="${token}"`);
    expect(html).not.toContain(browser.cookies.get(CSRF_COOKIE) as string);
  });

  it("refuses the pre-session double-submit token once signed in (403)", async () => {
    const user = await signUp("csrf-cookie");
    const browser = await signedInBrowser(user.cookie);
    const csrfCookie = browser.cookies.get(CSRF_COOKIE) as string;
    const res = await browser.submit(
      `/instances/${user.instance.id}/settings`,
      { name: "pwned" },
      csrfCookie,
    );
    expect(res.status).toBe(403);
  });

  it("refuses another session's token, even of the same user (403); accepts its own", async () => {
    const user = await signUp("csrf-other");
    const login = await call("POST", "/api/auth/login", {
      email: user.email,
      password: user.password,
    });
    const second = cookieFrom(login, SESSION_COOKIE) as string;
    const browser = await signedInBrowser(user.cookie);
    const path = `/instances/${user.instance.id}/settings`;
    const foreign = await sessionCsrfToken(cookieValue(second));
    expect((await browser.submit(path, { name: "pwned" }, foreign)).status).toBe(403);
    expect((await browser.submit(path, { name: "Renamed" })).status).toBe(303);
  });

  it("changes the token with the session: a form from before log-in is refused after it", async () => {
    const user = await signUp("csrf-rotate");
    const browser = new Browser();
    await browser.page("/login");
    const before = browser.cookies.get(CSRF_COOKIE) as string;
    const res = await browser.submit("/login", { email: user.email, password: user.password });
    expect(res.status).toBe(303);
    const after = await browser.csrfToken();
    expect(after).not.toBe(before);
    const path = `/instances/${user.instance.id}/settings`;
    expect((await browser.submit(path, { name: "x" }, before)).status).toBe(403);
  });
});
