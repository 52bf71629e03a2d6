/** Dashboard: an instance's landing redirect and Settings page (Machines: machine-pages.tsx). */
import { Hono } from "hono";
import { instancePatchSchemaFor } from "../../api-schemas.ts";
import type { AppEnv } from "../../app-env.ts";
import { createDb } from "../../db/client.ts";
import { updateInstance } from "../../db/instances.ts";
import { isDevelopment } from "../../development.ts";
import { readForm } from "../../http/read-input.ts";
import { defaultDailyTokenCap } from "../../proxies/llm-budget.ts";
import { SettingsPage } from "../../ui/pages/settings-page.tsx";
import { formAction, layoutProps } from "./page-context.ts";

/** Mounted at `/instances/:instanceId` behind `requireUser()` + `instanceAccess()`. */
export const instancePages = new Hono<AppEnv>()
  .get("/", (c) => c.redirect(`/instances/${c.var.instance.id}/machines`, 303))
  .get("/settings", (c) =>
    c.html(
      <SettingsPage
        {...layoutProps(c)}
        defaultTokenCap={defaultDailyTokenCap(c.env.LLM_DAILY_TOKEN_CAP)}
      />,
    ),
  )
  .post("/settings", (c) => {
    const back = `/instances/${c.var.instance.id}/settings`;
    return formAction(c, back, async () => {
      const patch = await readForm(c, instancePatchSchemaFor({ allowFile: isDevelopment(c.env) }));
      await updateInstance(createDb(c.env.DB), c.var.instance.id, patch);
      return "Settings saved.";
    });
  });
