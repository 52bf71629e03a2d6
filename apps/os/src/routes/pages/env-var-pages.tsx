/** Dashboard: an instance's Env vars page — set/update, delete; values revealed via the API. */
import { AppError } from "@iterate/contract";
import { Hono } from "hono";
import { z } from "zod";
import { putEnvVarSchema } from "../../api-schemas.ts";
import type { AppEnv } from "../../app-env.ts";
import { createDb } from "../../db/client.ts";
import { deleteEnvVar, listEnvVars, setEnvVar } from "../../db/env-vars.ts";
import { findLiveMachine } from "../../db/machines.ts";
import { readForm } from "../../http/read-input.ts";
import { keyringFromEnv } from "../../keyring.ts";
import type { EnvPushResult } from "../../machines/env-push.ts";
import { envChanged } from "../../machines/instance-do.ts";
import { EnvVarsPage, type MachineEnvState } from "../../ui/pages/env-vars-page.tsx";
import { formAction, layoutProps } from "./page-context.ts";

/** What the flash says about the running machine after a change. */
function machineNote(result: EnvPushResult): string {
  if (result.status === "pushed" || result.status === "up_to_date")
    return " The running machine has it.";
  if (result.status === "not_ready") return " The machine gets it when it starts.";
  return " The running machine could not be updated; it still has the previous values.";
}

const setEnvVarFormSchema = putEnvVarSchema.extend({ name: z.string().trim() });

/** Mounted at `/instances/:instanceId/env-vars` behind `requireUser()` + `instanceAccess()`. */
export const envVarPages = new Hono<AppEnv>()
  .get("/", async (c) => {
    const db = createDb(c.env.DB);
    const [envVars, machine] = await Promise.all([
      listEnvVars(db, c.var.instance.id),
      findLiveMachine(db, c.var.instance.id),
    ]);
    const edit = c.req.query("edit");
    const editing = edit && envVars.some((v) => v.name === edit) ? edit : null;
    const machineEnv: MachineEnvState =
      machine?.status !== "ready"
        ? "none"
        : machine.envVersion === c.var.instance.envVersion
          ? "current"
          : "stale";
    return c.html(
      <EnvVarsPage
        {...layoutProps(c)}
        envVars={envVars}
        editing={editing}
        machineEnv={machineEnv}
      />,
    );
  })
  .post("/", (c) => {
    const back = `/instances/${c.var.instance.id}/env-vars`;
    return formAction(c, back, async () => {
      const { name, value } = await readForm(c, setEnvVarFormSchema);
      const result = await setEnvVar(createDb(c.env.DB), await keyringFromEnv(c.env), {
        instanceId: c.var.instance.id,
        name,
        value,
      });
      const note = machineNote(await envChanged(c.env, c.var.instance.id));
      return `${result.created ? "Added" : "Updated"} ${name}.${note}`;
    });
  })
  .post("/:name/delete", (c) => {
    const back = `/instances/${c.var.instance.id}/env-vars`;
    return formAction(c, back, async () => {
      const name = c.req.param("name");
      const ok = await deleteEnvVar(createDb(c.env.DB), c.var.instance.id, name);
      if (!ok) throw new AppError("not_found", `${name} no longer exists.`);
      return `Deleted ${name}.${machineNote(await envChanged(c.env, c.var.instance.id))}`;
    });
  });
