/**
 * `session()` loads the signed-in user from the session cookie (or null). It never rejects:
 * routes decide with `requireUser()` (dashboard, redirects to /login) or `apiAuth()` (JSON, 401).
 */
import type { MiddlewareHandler } from "hono";
import { readSessionCookie } from "../auth/cookies.ts";
import { createDb } from "../db/client.ts";
import type { User } from "../db/schema.ts";
import { findSessionUser } from "../db/sessions.ts";

/** Context variables set by {@link session}. */
export type SessionVariables = {
  /** The signed-in user, or null. */
  user: User | null;
};

/**
 * @example app.use("*", session());
 */
export function session(): MiddlewareHandler<{ Bindings: Env; Variables: SessionVariables }> {
  return async function session(c, next) {
    const cookie = readSessionCookie(c);
    c.set("user", cookie ? await findSessionUser(createDb(c.env.DB), cookie) : null);
    await next();
  };
}
