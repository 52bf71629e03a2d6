/**
 * `requireUser()` guards dashboard pages: without a session it redirects to /login (remembering
 * where the person was going), with one it sets `principal` like `apiAuth()` does.
 */
import type { MiddlewareHandler } from "hono";
import type { PrincipalVariables } from "./api-auth.ts";
import type { SessionVariables } from "./session.ts";

/**
 * Where `?next=` may send someone: a path on `origin` itself, or undefined.
 *
 * Judged the way a browser reads it: `next` is resolved against `origin` and must keep that
 * origin. Control characters and backslashes are refused outright, because browsers drop tabs
 * and newlines from URLs and read `\` as `/` (`/\t/evil.example` becomes `//evil.example`), and
 * a newline could never go into a `Location` header anyway. The answer is re-serialized from the
 * parsed URL, and that is checked too, so what is redirected to is exactly what was checked.
 * @example safeNextPath("/instances/ins_1/settings", "https://os.example.com") // "/instances/ins_1/settings"
 * @example safeNextPath("/\t/evil.example", "https://os.example.com") // undefined (a tab)
 */
export function safeNextPath(next: string | undefined | null, origin: string): string | undefined {
  if (!next?.startsWith("/")) return undefined;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u0020\u007f-\u009f\\]/.test(next)) return undefined;
  let url: URL;
  try {
    url = new URL(next, origin);
  } catch {
    return undefined;
  }
  if (url.origin !== new URL(origin).origin || next.startsWith("//")) return undefined;
  // Checked again as it will be sent: parsing drops dot segments, so `/.//evil.example` comes
  // out as `//evil.example` — a host to a browser.
  const path = `${url.pathname}${url.search}${url.hash}`;
  return path.startsWith("//") ? undefined : path;
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
