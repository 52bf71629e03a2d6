/** Dashboard: an instance's Machines and Settings pages. */
import { Hono } from "hono";
import { instancePatchSchema } from "../../api-schemas.ts";
import type { AppEnv } from "../../app-env.ts";
import { createDb } from "../../db/client.ts";
import { updateInstance } from "../../db/instances.ts";
import { listMachinesForInstance } from "../../db/machines.ts";
import { readForm } from "../../http/read-input.ts";
import { MachinesPage } from "../../ui/pages/machines-page.tsx";
import { SettingsPage } from "../../ui/pages/settings-page.tsx";
import { formAction, layoutProps } from "./page-context.ts";

/** Mounted at `/instances/:instanceId` behind `requireUser()` + `instanceAccess()`. */
export const instancePages = new Hono<AppEnv>()
  .get("/", (c) => c.redirect(`/instances/${c.var.instance.id}/machines`, 303))
  .get("/machines", async (c) => {
    const { current, history } = await listMachinesForInstance(
      createDb(c.env.DB),
      c.var.instance.id,
    );
    return c.html(<MachinesPage {...layoutProps(c)} current={current} history={history} />);
  })
  .get("/settings", (c) => c.html(<SettingsPage {...layoutProps(c)} />))
  .post("/settings", (c) => {
    const back = `/instances/${c.var.instance.id}/settings`;
    return formAction(c, back, async () => {
      const patch = await readForm(c, instancePatchSchema);
      await updateInstance(createDb(c.env.DB), c.var.instance.id, patch);
      return "Settings saved.";
    });
  });
