/**
 * Dashboard: `/`, `/signup`, `/login`, `/logout`, `/logout-everywhere` (HTML forms,
 * CSRF-protected). Sign-up and log-in are rate-limited like the API (rate-limit.ts).
 */
import { AppError } from "@iterate/contract";
import { type Context, Hono } from "hono";
import { loginSchema, signupSchema } from "../../api-schemas.ts";
import type { AppEnv } from "../../app-env.ts";
import { logIn, logOutEverywhere, signUp } from "../../auth/accounts.ts";
import { clearSessionCookie, readSessionCookie, setSessionCookie } from "../../auth/cookies.ts";
import { passwordPepper } from "../../auth/password.ts";
import { limitAuthRequest } from "../../auth/rate-limit.ts";
import { createDb } from "../../db/client.ts";
import { listInstancesForUser } from "../../db/instances.ts";
import { deleteSession } from "../../db/sessions.ts";
import { readForm } from "../../http/read-input.ts";
import { startFirstMachine } from "../../machines/instance-do.ts";
import { setFlash } from "../../middleware/flash.ts";
import { safeNextPath } from "../../middleware/require-user.ts";
import { LoginPage, SignupPage } from "../../ui/pages/auth-pages.tsx";

/** The `?next=` page of this request when it stays on this site (middleware/require-user.ts). */
function nextPath(c: Context<AppEnv>): string | undefined {
  return safeNextPath(c.req.query("next"), new URL(c.req.url).origin);
}

/** Where a signed-in user lands: the `next` page they were headed to, or their first instance. */
async function landing(c: Context<AppEnv>, userId: string): Promise<string> {
  const next = nextPath(c);
  if (next) return next;
  const [first] = await listInstancesForUser(createDb(c.env.DB), userId);
  return first ? `/instances/${first.id}/machines` : "/login";
}

/** The email typed into a failed form, to fill it in again (never the password). */
async function typedEmail(c: Context<AppEnv>): Promise<string | undefined> {
  const form = await c.req.parseBody();
  return typeof form.email === "string" ? form.email.slice(0, 254) : undefined;
}

/** Re-renders an auth form with the error of a failed attempt. */
async function failed(c: Context<AppEnv>, error: unknown, Page: typeof LoginPage) {
  if (!(error instanceof AppError) || error.status >= 500) throw error;
  const props = {
    csrfToken: c.var.csrfToken,
    email: await typedEmail(c),
    next: nextPath(c),
    flash: { kind: "error" as const, message: error.message },
  };
  return c.html(<Page {...props} />, error.status as 400 | 401 | 403 | 409 | 429);
}

/** Mounted at `/`. */
export const authPages = new Hono<AppEnv>()
  .get("/", async (c) => c.redirect(c.var.user ? await landing(c, c.var.user.id) : "/login", 303))
  .get("/signup", async (c) => {
    if (c.var.user) return c.redirect(await landing(c, c.var.user.id), 303);
    const next = nextPath(c);
    return c.html(<SignupPage csrfToken={c.var.csrfToken} next={next} flash={c.var.flash} />);
  })
  .post("/signup", async (c) => {
    try {
      const input = await readForm(c, signupSchema);
      await limitAuthRequest(c, input.email);
      const pepper = passwordPepper(c.env.PASSWORD_PEPPER);
      const { user, instance, cookieValue, expiresAt } = await signUp(createDb(c.env.DB), input, {
        pepper,
      });
      await startFirstMachine(c.env, instance.id);
      setSessionCookie(c, cookieValue, expiresAt);
      setFlash(c, "success", `Welcome! ${instance.name} is ready; its machine is starting.`);
      return c.redirect(await landing(c, user.id), 303);
    } catch (error) {
      return failed(c, error, SignupPage);
    }
  })
  .get("/login", async (c) => {
    if (c.var.user) return c.redirect(await landing(c, c.var.user.id), 303);
    const next = nextPath(c);
    return c.html(<LoginPage csrfToken={c.var.csrfToken} next={next} flash={c.var.flash} />);
  })
  .post("/login", async (c) => {
    try {
      const input = await readForm(c, loginSchema);
      await limitAuthRequest(c, input.email);
      const { user, cookieValue, expiresAt } = await logIn(createDb(c.env.DB), input, {
        pepper: passwordPepper(c.env.PASSWORD_PEPPER),
        previousSession: readSessionCookie(c),
      });
      setSessionCookie(c, cookieValue, expiresAt);
      return c.redirect(await landing(c, user.id), 303);
    } catch (error) {
      return failed(c, error, LoginPage);
    }
  })
  .post("/logout", async (c) => {
    const cookie = readSessionCookie(c);
    if (cookie) await deleteSession(createDb(c.env.DB), cookie);
    clearSessionCookie(c);
    setFlash(c, "success", "You have been logged out.");
    return c.redirect("/login", 303);
  })
  .post("/logout-everywhere", async (c) => {
    if (c.var.user) await logOutEverywhere(createDb(c.env.DB), c.var.user.id);
    clearSessionCookie(c);
    setFlash(c, "success", "You have been logged out on every device.");
    return c.redirect("/login", 303);
  });
