/**
 * `instanceAccess()` resolves `:instanceId` for the current principal and sets `instance`.
 * A user needs a membership; a token must belong to that very instance. Everything else is
 * `404 not_found` — the same answer as for an instance that does not exist, so ids leak nothing.
 */
import { AppError } from "@iterate/contract";
import type { MiddlewareHandler } from "hono";
import { createDb } from "../db/client.ts";
import { findInstanceById, findInstanceForUser } from "../db/instances.ts";
import type { Instance } from "../db/schema.ts";
import type { PrincipalVariables } from "./api-auth.ts";

/** Context variables set by {@link instanceAccess}. */
export type InstanceVariables = { instance: Instance };

/**
 * @example api.use("/instances/:instanceId/*", instanceAccess());
 */
export function instanceAccess(): MiddlewareHandler<{
  Bindings: Env;
  Variables: PrincipalVariables & InstanceVariables;
}> {
  return async function instanceAccess(c, next) {
    const instanceId = c.req.param("instanceId");
    const principal = c.var.principal;
    const db = createDb(c.env.DB);
    let instance: Instance | null = null;
    if (instanceId && principal.type === "user") {
      instance = await findInstanceForUser(db, principal.user.id, instanceId);
    } else if (instanceId && principal.type === "token" && principal.instanceId === instanceId) {
      instance = await findInstanceById(db, instanceId);
    }
    if (!instance) throw new AppError("not_found", "No such instance.");
    c.set("instance", instance);
    await next();
  };
}
