/**
 * Cross-site request forgery defences.
 *
 * - `sameOrigin()` (JSON API and forms): an unsafe request a browser marks as coming from another
 *   site (`Origin` of another origin, or `Sec-Fetch-Site: cross-site`) is refused. Scripts and CLIs
 *   send neither header and are unaffected; with `SameSite=Lax` cookies and JSON-only bodies this
 *   already closes the API.
 * - `csrf()` (dashboard forms): a double-submit token. A random `iterate_csrf` cookie is set on
 *   first visit; every form carries it in `_csrf`, and unsafe requests whose field does not match
 *   the cookie (constant-time) are refused. This also covers the log-in and sign-up forms, where
 *   there is no session yet.
 */
import { AppError, base64urlEncode, timingSafeEqual } from "@iterate/contract";
import type { Context, MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { CSRF_COOKIE, cookieOptions } from "../auth/cookies.ts";

/** Context variables set by {@link csrf}: the token forms must echo. */
export type CsrfVariables = { csrfToken: string };

/** The form field carrying the CSRF token. */
export const CSRF_FIELD = "_csrf";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

function isCrossSite(c: Context): boolean {
  if (c.req.header("sec-fetch-site") === "cross-site") return true;
  const origin = c.req.header("origin");
  // "null" is what browsers send from sandboxed or privacy-sensitive contexts: not us.
  return origin !== undefined && origin !== new URL(c.req.url).origin;
}

/**
 * @example app.use("/api/*", sameOrigin());
 */
export function sameOrigin(): MiddlewareHandler {
  return async function sameOrigin(c, next) {
    if (!SAFE_METHODS.has(c.req.method) && isCrossSite(c)) {
      throw new AppError("forbidden", "Cross-site requests are not allowed.");
    }
    await next();
  };
}

/**
 * @example dashboard.use("*", csrf()); // then <input type="hidden" name="_csrf" value={c.var.csrfToken}>
 */
export function csrf(): MiddlewareHandler<{ Variables: CsrfVariables }> {
  return async function csrf(c, next) {
    let token = getCookie(c, CSRF_COOKIE);
    if (!SAFE_METHODS.has(c.req.method)) {
      const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
      const sent = form[CSRF_FIELD];
      const encoder = new TextEncoder();
      const ok =
        !isCrossSite(c) &&
        typeof token === "string" &&
        typeof sent === "string" &&
        timingSafeEqual(encoder.encode(sent), encoder.encode(token));
      if (!ok) {
        throw new AppError(
          "forbidden",
          "This form has expired or came from another site. Reload the page and try again.",
        );
      }
    }
    if (!token || !/^[A-Za-z0-9_-]{43}$/.test(token)) {
      token = base64urlEncode(crypto.getRandomValues(new Uint8Array(32)));
      setCookie(c, CSRF_COOKIE, token, cookieOptions(c));
    }
    c.set("csrfToken", token);
    await next();
  };
}
