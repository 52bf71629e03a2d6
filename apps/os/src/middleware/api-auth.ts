/**
 * `apiAuth()` authenticates the JSON API: `Authorization: Bearer itk_…` (a `user` token, which
 * acts for its own instance only) or the session cookie. Anything else is 401. Sets `principal`.
 */
import { AppError } from "@iterate/contract";
import type { MiddlewareHandler } from "hono";
import { authenticateAccessToken } from "../db/access-tokens.ts";
import { createDb } from "../db/client.ts";
import type { User } from "../db/schema.ts";
import type { SessionVariables } from "./session.ts";

/** Who is acting: a signed-in person, or an access token bound to one instance. */
export type Principal =
  | { type: "user"; user: User }
  | { type: "token"; tokenId: string; instanceId: string };

/** Context variables set by {@link apiAuth} and `requireUser()`. */
export type PrincipalVariables = { principal: Principal };

/** The bearer credential of a request, if it has one. */
function bearerToken(header: string | undefined): string | undefined {
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}

/**
 * @example api.use("/instances/*", apiAuth());
 */
export function apiAuth(): MiddlewareHandler<{
  Bindings: Env;
  Variables: SessionVariables & PrincipalVariables;
}> {
  return async function apiAuth(c, next) {
    const header = c.req.header("authorization");
    if (header !== undefined) {
      // A presented credential is judged on its own; a bad token never falls back to the cookie.
      const token = bearerToken(header);
      const row = token ? await authenticateAccessToken(createDb(c.env.DB), token) : null;
      // Machine tokens are for the machine-facing routes, not for acting as a user.
      if (row?.kind !== "user") {
        throw new AppError("unauthorized", "The access token is invalid or revoked.");
      }
      c.set("principal", { type: "token", tokenId: row.id, instanceId: row.instanceId });
    } else if (c.var.user) {
      c.set("principal", { type: "user", user: c.var.user });
    } else {
      throw new AppError("unauthorized", "Sign in or send Authorization: Bearer itk_….");
    }
    await next();
  };
}
