/**
 * Cross-site request forgery defences.
 *
 * - `sameOrigin()` (JSON API and forms): an unsafe request a browser marks as coming from another
 *   site (`Origin` of another origin, or `Sec-Fetch-Site: cross-site`) is refused. Scripts and CLIs
 *   send neither header and are unaffected; with `SameSite=Lax` cookies and JSON-only bodies this
 *   already closes the API.
 * - `csrf()` (dashboard forms): every form carries a token in `_csrf`, and unsafe requests whose
 *   field does not match (constant-time) are refused. With a session the token is bound to it:
 *   an HMAC keyed by the session cookie's value ({@link sessionCsrfToken}), so it changes with
 *   every log-in, dies with the session, and a token seen by anyone is useless with another
 *   session. Without one (the log-in and sign-up forms) it is a double-submit token: a random
 *   `__Host-iterate_csrf` cookie the form echoes.
 */
import { AppError, base64urlEncode, timingSafeEqual } from "@iterate/contract";
import type { Context, MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { CSRF_COOKIE, cookieName, cookieOptions, readSessionCookie } from "../auth/cookies.ts";
import { readFormBody } from "../http/form-body.ts";
import type { SessionVariables } from "./session.ts";

/** Context variables set by {@link csrf}: the token forms must echo. */
export type CsrfVariables = { csrfToken: string };

/** The form field carrying the CSRF token. */
export const CSRF_FIELD = "_csrf";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const encoder = new TextEncoder();

function isCrossSite(c: Context): boolean {
  if (c.req.header("sec-fetch-site") === "cross-site") return true;
  const origin = c.req.header("origin");
  // "null" is what browsers send from sandboxed or privacy-sensitive contexts: not us.
  return origin !== undefined && origin !== new URL(c.req.url).origin;
}

/**
 * The CSRF token of a session: base64url HMAC-SHA256 keyed by the session cookie's value (256
 * random bits only its browser holds). Derived, so nothing extra is stored.
 * @example <input name="_csrf" value={await sessionCsrfToken(cookieValue)} />
 */
export async function sessionCsrfToken(sessionCookieValue: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(sessionCookieValue),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign("HMAC", key, encoder.encode("iterate.csrf.v1"));
  return base64urlEncode(new Uint8Array(mac));
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
 * Runs after `session()`: a signed-in request gets its session's token, any other the cookie's.
 * @example dashboard.use("*", csrf()); // then <input type="hidden" name="_csrf" value={c.var.csrfToken}>
 */
export function csrf(): MiddlewareHandler<{ Variables: CsrfVariables & SessionVariables }> {
  return async function csrf(c, next) {
    const session = c.var.user ? readSessionCookie(c) : undefined;
    const cookie = getCookie(c, cookieName(c, CSRF_COOKIE));
    const expected = session ? await sessionCsrfToken(session) : cookie;
    if (!SAFE_METHODS.has(c.req.method)) {
      const sent = (await readFormBody(c))[CSRF_FIELD];
      const ok =
        !isCrossSite(c) &&
        typeof expected === "string" &&
        typeof sent === "string" &&
        timingSafeEqual(encoder.encode(sent), encoder.encode(expected));
      if (!ok) {
        throw new AppError(
          "forbidden",
          "This form has expired or came from another site. Reload the page and try again.",
        );
      }
    }
    let token = expected;
    if (!token || !TOKEN_PATTERN.test(token)) {
      token = base64urlEncode(crypto.getRandomValues(new Uint8Array(32)));
      setCookie(c, cookieName(c, CSRF_COOKIE), token, cookieOptions(c));
    }
    c.set("csrfToken", token);
    await next();
  };
}
