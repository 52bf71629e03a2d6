/**
 * The platform's cookies and their attributes, in one place. Every cookie is `HttpOnly`,
 * `SameSite=Lax`, `Path=/` and `Secure`. The session, CSRF and flash cookies carry the `__Host-` prefix,
 * so the browser only accepts them from this exact origin over TLS (no `Domain`, no subdomain or
 * plain-http page can plant or overwrite them). The one exception is plain `http://` on a loopback
 * address (`pnpm dev`, the browser tests), where there is no TLS: there the cookies are unprefixed
 * and not `Secure`.
 */
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { CookieOptions } from "hono/utils/cookie";

/** Base name of the session cookie: a random value whose SHA-256 is the `sessions` row key. */
export const SESSION_COOKIE = "iterate_session";
/** Base name of the pre-session CSRF cookie (log-in and sign-up forms; middleware/csrf.ts). */
export const CSRF_COOKIE = "iterate_csrf";
/** A one-shot status message for the next page (post/redirect/get). Never holds secrets. */
export const FLASH_COOKIE = "iterate_flash";

/** The prefix that pins a cookie to its origin: `Secure`, `Path=/`, no `Domain`. */
export const HOST_PREFIX = "__Host-";

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** True for a loopback host name (`localhost`, `127.0.0.1`, `[::1]`, `*.localhost`). */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || hostname.endsWith(".localhost");
}

/** True for plain-http requests to this machine, where there is no TLS for `Secure` cookies. */
export function isLocalRequest(url: string): boolean {
  const { protocol, hostname } = new URL(url);
  return protocol === "http:" && isLoopbackHost(hostname);
}

/**
 * The name a cookie has on this request: `__Host-<base>`, or `<base>` on plain-http loopback.
 * @example cookieName(c, SESSION_COOKIE) // "__Host-iterate_session" on https://os.example.com
 */
export function cookieName(c: Context, base: string): string {
  return isLocalRequest(c.req.url) ? base : `${HOST_PREFIX}${base}`;
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
  setCookie(c, cookieName(c, SESSION_COOKIE), value, cookieOptions(c, { expires: expiresAt }));
}

/** Clears the session cookie (log-out). */
export function clearSessionCookie(c: Context): void {
  deleteCookie(c, cookieName(c, SESSION_COOKIE), cookieOptions(c));
}

/** The session cookie's value when it is well-formed (43 base64url characters), else undefined. */
export function readSessionCookie(c: Context): string | undefined {
  const value = getCookie(c, cookieName(c, SESSION_COOKIE));
  return value && /^[A-Za-z0-9_-]{43}$/.test(value) ? value : undefined;
}
