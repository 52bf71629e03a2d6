/**
 * `/api/instances`: the instances the caller may act for, and their settings.
 * Mounted behind `apiAuth()`; `/:instanceId` routes behind `instanceAccess()`.
 */
import { Hono } from "hono";
import { instancePatchSchemaFor } from "../api-schemas.ts";
import type { AppEnv } from "../app-env.ts";
import { createDb } from "../db/client.ts";
import { findInstanceById, listInstancesForUser, updateInstance } from "../db/instances.ts";
import { isDevelopment } from "../development.ts";
import { readJson } from "../http/read-input.ts";
import { instanceDetailJson, instanceJson } from "./serialize.ts";

/** Mounted at `/api/instances`. */
export const instanceRoutes = new Hono<AppEnv>()
  .get("/", async (c) => {
    const db = createDb(c.env.DB);
    const principal = c.var.principal;
    const instances =
      principal.type === "user"
        ? await listInstancesForUser(db, principal.user.id)
        : [await findInstanceById(db, principal.instanceId)].filter((i) => i !== null);
    return c.json({ instances: instances.map(instanceJson) });
  })
  .get("/:instanceId", (c) => c.json({ instance: instanceDetailJson(c.var.instance) }))
  .patch("/:instanceId", async (c) => {
    const patch = await readJson(c, instancePatchSchemaFor({ allowFile: isDevelopment(c.env) }));
    const hasChanges = Object.values(patch).some((v) => v !== undefined);
    const instance = hasChanges
      ? ((await updateInstance(createDb(c.env.DB), c.var.instance.id, patch)) ?? c.var.instance)
      : c.var.instance;
    return c.json({ instance: instanceDetailJson(instance) });
  });
