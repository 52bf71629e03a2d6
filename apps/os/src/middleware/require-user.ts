/**
 * `requireUser()` guards dashboard pages: without a session it redirects to /login (remembering
 * where the person was going), with one it sets `principal` like `apiAuth()` does.
 */
import type { MiddlewareHandler } from "hono";
import type { PrincipalVariables } from "./api-auth.ts";
import type { SessionVariables } from "./session.ts";

/** Only same-site paths are remembered, so `?next=` cannot send anyone elsewhere. */
export function safeNextPath(next: string | undefined | null): string | undefined {
  return next?.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\")
    ? next
    : undefined;
}

/**
 * @example dashboard.use("/instances/*", requireUser());
 */
export function requireUser(): MiddlewareHandler<{
  Bindings: Env;
  Variables: SessionVariables & PrincipalVariables;
}> {
  return async function requireUser(c, next) {
    const user = c.var.user;
    if (!user) {
      const url = new URL(c.req.url);
      const next = c.req.method === "GET" ? `${url.pathname}${url.search}` : undefined;
      return c.redirect(next ? `/login?next=${encodeURIComponent(next)}` : "/login", 303);
    }
    c.set("principal", { type: "user", user });
    await next();
  };
}
