/**
 * `/api/instances/:instanceId/env-vars`: list (names only), set, reveal one, delete.
 * Behind `apiAuth()` + `instanceAccess()`, so another instance's env vars are 404.
 */
import { AppError } from "@iterate/contract";
import { Hono } from "hono";
import { putEnvVarSchema } from "../api-schemas.ts";
import type { AppEnv } from "../app-env.ts";
import { createDb } from "../db/client.ts";
import { deleteEnvVar, listEnvVars, revealEnvVar, setEnvVar } from "../db/env-vars.ts";
import { readJson } from "../http/read-input.ts";
import { keyringFromEnv } from "../keyring.ts";
import { envChanged } from "../machines/instance-do.ts";
import { envVarJson } from "./serialize.ts";

/** Mounted at `/api/instances/:instanceId/env-vars`. */
export const envVarRoutes = new Hono<AppEnv>()
  .get("/", async (c) => {
    const envVars = await listEnvVars(createDb(c.env.DB), c.var.instance.id);
    return c.json({ envVars: envVars.map(envVarJson) });
  })
  .get("/:name", async (c) => {
    const envVar = await revealEnvVar(
      createDb(c.env.DB),
      await keyringFromEnv(c.env),
      c.var.instance.id,
      c.req.param("name"),
    );
    if (!envVar) throw new AppError("not_found", "No such env var.");
    c.header("cache-control", "no-store");
    return c.json({ envVar: { ...envVarJson(envVar), value: envVar.value } });
  })
  .put("/:name", async (c) => {
    const { value } = await readJson(c, putEnvVarSchema);
    const envVar = await setEnvVar(createDb(c.env.DB), await keyringFromEnv(c.env), {
      instanceId: c.var.instance.id,
      name: c.req.param("name"),
      value,
    });
    const machine = await envChanged(c.env, c.var.instance.id);
    return c.json({ envVar: envVarJson(envVar), machine: { env: machine.status } }, 200);
  })
  .delete("/:name", async (c) => {
    const deleted = await deleteEnvVar(createDb(c.env.DB), c.var.instance.id, c.req.param("name"));
    if (!deleted) throw new AppError("not_found", "No such env var.");
    await envChanged(c.env, c.var.instance.id);
    return c.body(null, 204);
  });
