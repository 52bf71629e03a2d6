/** Helpers shared by the dashboard's page routes. */
import { AppError } from "@iterate/contract";
import type { Context } from "hono";
import type { AppEnv } from "../../app-env.ts";
import { setFlash } from "../../middleware/flash.ts";

/** The layout props every instance page needs, from the context the middleware filled. */
export function layoutProps(c: Context<AppEnv>) {
  const principal = c.var.principal;
  if (principal.type !== "user") throw new AppError("unauthorized", "Sign in to see this page.");
  return {
    user: principal.user,
    instance: c.var.instance,
    csrfToken: c.var.csrfToken,
    flash: c.var.flash,
  };
}

/**
 * Runs a form action, then redirects (post/redirect/get) with its outcome as a flash message.
 * Expected failures (4xx AppErrors) become an error flash; anything else reaches `onError`.
 * @example return formAction(c, back, async () => { await deleteEnvVar(...); return "Deleted FOO"; });
 */
export async function formAction(
  c: Context<AppEnv>,
  redirectTo: string,
  action: () => Promise<string>,
): Promise<Response> {
  try {
    setFlash(c, "success", await action());
  } catch (error) {
    if (!(error instanceof AppError) || error.status >= 500) throw error;
    setFlash(c, "error", error.message);
  }
  return c.redirect(redirectTo, 303);
}
