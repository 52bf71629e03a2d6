/**
 * An instance's LLM usage as the Usage page and `GET /api/instances/:id/usage` show it: the last
 * 14 UTC days (every day present, zeros included, newest first) against the cap that applies,
 * today's remaining budget and when it resets.
 */
import type { Db } from "../db/client.ts";
import { listUsageByDay, type UsageDay } from "../db/llm-usage.ts";
import type { Instance } from "../db/schema.ts";
import { effectiveDailyTokenCap, lastUtcDays, nextUtcMidnight } from "./llm-budget.ts";

/** How many days the report covers, today included. */
export const USAGE_REPORT_DAYS = 14;

/** What {@link usageReport} returns. */
export type UsageReport = {
  cap: number;
  /** Whether the cap is the instance's own setting or the platform default. */
  capSource: "instance" | "default";
  today: UsageDay & { remaining: number; resetsAt: Date };
  /** {@link USAGE_REPORT_DAYS} days, newest (today) first. */
  days: UsageDay[];
};

const emptyDay = (day: string): UsageDay => ({
  day,
  requests: 0,
  inputTokens: 0,
  outputTokens: 0,
  totalTokens: 0,
});

/**
 * @example const report = await usageReport(db, instance, env.LLM_DAILY_TOKEN_CAP);
 */
export async function usageReport(
  db: Db,
  instance: Pick<Instance, "id" | "dailyTokenCap">,
  configuredCap: string | undefined,
  now: Date = new Date(),
): Promise<UsageReport> {
  const dayNames = lastUtcDays(now, USAGE_REPORT_DAYS);
  const oldest = dayNames[dayNames.length - 1] as string;
  const rows = new Map(
    (await listUsageByDay(db, instance.id, oldest)).map((row) => [row.day, row]),
  );
  const days = dayNames.map((day) => rows.get(day) ?? emptyDay(day));
  const { cap, source } = effectiveDailyTokenCap(instance.dailyTokenCap, configuredCap);
  const today = days[0] as UsageDay;
  return {
    cap,
    capSource: source,
    today: {
      ...today,
      remaining: Math.max(0, cap - today.totalTokens),
      resetsAt: nextUtcMidnight(now),
    },
    days,
  };
}
