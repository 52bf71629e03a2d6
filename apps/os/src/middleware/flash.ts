/**
 * Flash messages: a handler that redirects after a form post calls `setFlash(c, …)`; `flash()`
 * reads the message on the next page, exposes it as `flash`, and clears the cookie.
 * Messages name things ("Saved GITHUB_TOKEN"), never carry secret values.
 */
import type { Context, MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { cookieName, cookieOptions, FLASH_COOKIE } from "../auth/cookies.ts";

/** A one-shot status message. */
export type Flash = { kind: "success" | "error"; message: string };

/** Context variables set by {@link flash}. */
export type FlashVariables = { flash: Flash | null };

function decode(value: string | undefined): Flash | null {
  if (!value) return null;
  try {
    const parsed = JSON.parse(decodeURIComponent(value)) as Partial<Flash>;
    if (
      (parsed.kind === "success" || parsed.kind === "error") &&
      typeof parsed.message === "string"
    ) {
      return { kind: parsed.kind, message: parsed.message.slice(0, 500) };
    }
  } catch {
    // A mangled cookie is just no message.
  }
  return null;
}

/**
 * Queues a message for the next page.
 * @example setFlash(c, "success", "Token revoked"); return c.redirect(url, 303);
 */
export function setFlash(c: Context, kind: Flash["kind"], message: string): void {
  setCookie(
    c,
    // `__Host-`, like the session: no subdomain or plain-http page can plant a banner.
    cookieName(c, FLASH_COOKIE),
    encodeURIComponent(JSON.stringify({ kind, message })),
    cookieOptions(c, { maxAge: 60 }),
  );
}

/**
 * @example dashboard.use("*", flash());
 */
export function flash(): MiddlewareHandler<{ Variables: FlashVariables }> {
  return async function flash(c, next) {
    const value = getCookie(c, cookieName(c, FLASH_COOKIE));
    c.set("flash", decode(value));
    await next();
    // Consumed only by a page actually shown, so a redirect chain keeps it until then.
    if (value !== undefined && c.req.method === "GET" && c.res.status === 200) {
      deleteCookie(c, cookieName(c, FLASH_COOKIE), cookieOptions(c));
    }
  };
}
