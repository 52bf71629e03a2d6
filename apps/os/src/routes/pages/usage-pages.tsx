/** Dashboard: an instance's Usage page (LLM tokens per day against the daily cap). */
import { Hono } from "hono";
import type { AppEnv } from "../../app-env.ts";
import { createDb } from "../../db/client.ts";
import { usageReport } from "../../proxies/usage-report.ts";
import { UsagePage } from "../../ui/pages/usage-page.tsx";
import { layoutProps } from "./page-context.ts";

/** Mounted at `/instances/:instanceId/usage` behind `requireUser()` + `instanceAccess()`. */
export const usagePages = new Hono<AppEnv>().get("/", async (c) => {
  const now = new Date();
  const report = await usageReport(
    createDb(c.env.DB),
    c.var.instance,
    c.env.LLM_DAILY_TOKEN_CAP,
    now,
  );
  return c.html(<UsagePage {...layoutProps(c)} report={report} now={now} />);
});
