/**
 * The platform's cookies and their attributes, in one place. Every cookie is `HttpOnly`,
 * `SameSite=Lax` and `Secure` — except on localhost, where browsers are served plain http.
 */
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { CookieOptions } from "hono/utils/cookie";

/** The session cookie: a random value whose SHA-256 is the `sessions` row key. */
export const SESSION_COOKIE = "iterate_session";
/** The double-submit CSRF cookie; forms echo it in the `_csrf` field. */
export const CSRF_COOKIE = "iterate_csrf";
/** A one-shot status message for the next page (post/redirect/get). Never holds secrets. */
export const FLASH_COOKIE = "iterate_flash";

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** True for requests to this machine, where there is no TLS and `Secure` cookies would be dropped. */
export function isLocalRequest(url: string): boolean {
  const { hostname } = new URL(url);
  return LOCAL_HOSTS.has(hostname) || hostname.endsWith(".localhost");
}

/** The attributes every platform cookie shares. */
export function cookieOptions(c: Context, extra: CookieOptions = {}): CookieOptions {
  return {
    path: "/",
    httpOnly: true,
    sameSite: "Lax",
    secure: !isLocalRequest(c.req.url),
    ...extra,
  };
}

/** Sets the session cookie to expire with its D1 row. */
export function setSessionCookie(c: Context, value: string, expiresAt: Date): void {
  setCookie(c, SESSION_COOKIE, value, cookieOptions(c, { expires: expiresAt }));
}

/** Clears the session cookie (log-out). */
export function clearSessionCookie(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, cookieOptions(c));
}

/** The session cookie's value when it is well-formed (43 base64url characters), else undefined. */
export function readSessionCookie(c: Context): string | undefined {
  const value = getCookie(c, SESSION_COOKIE);
  return value && /^[A-Za-z0-9_-]{43}$/.test(value) ? value : undefined;
}
