/**
 * `GET /api/instances/:instanceId/usage` — LLM tokens per UTC day through the proxy against the
 * instance's daily cap: `{ cap, capSource, today: { …, remaining, resetsAt }, days: [{ day,
 * requests, inputTokens, outputTokens, totalTokens }] }` (14 days, newest first).
 * Mounted behind `apiAuth()` + `instanceAccess()`, so another instance's usage is a 404.
 */
import { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { createDb } from "../db/client.ts";
import { usageReport } from "../proxies/usage-report.ts";

/** Mounted at `/api/instances/:instanceId/usage`. */
export const usageRoutes = new Hono<AppEnv>().get("/", async (c) => {
  const report = await usageReport(createDb(c.env.DB), c.var.instance, c.env.LLM_DAILY_TOKEN_CAP);
  return c.json({
    cap: report.cap,
    capSource: report.capSource,
    today: { ...report.today, resetsAt: report.today.resetsAt.toISOString() },
    days: report.days,
  });
});
