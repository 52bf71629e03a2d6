/**
 * The per-instance daily LLM token budget: which cap applies, which UTC day a request counts
 * against, when the day's budget resets, and the words of the 429 a spent budget answers with.
 * Pure functions over a clock the caller passes in, so tests can pick the time.
 */
import { AppError } from "@iterate/contract";

/** Used when `LLM_DAILY_TOKEN_CAP` is missing or not a positive integer. */
export const FALLBACK_DAILY_TOKEN_CAP = 2_000_000;

/** `YYYY-MM-DD` of `date` in UTC — the `llm_usage.day` a request at that moment counts against. */
export function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** The next UTC midnight after `date`: when the day's budget starts afresh. */
export function nextUtcMidnight(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() + 1));
}

/** The `YYYY-MM-DD` days from `count - 1` days before `date` up to `date`, newest first. */
export function lastUtcDays(date: Date, count: number): string[] {
  const start = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
  return Array.from({ length: count }, (_, i) => utcDay(new Date(start - i * 86_400_000)));
}

/**
 * The platform default cap from the `LLM_DAILY_TOKEN_CAP` var (a string, as all vars are).
 * @example defaultDailyTokenCap("2000000") // 2000000
 */
export function defaultDailyTokenCap(configured: string | undefined): number {
  const parsed = Number(configured);
  return Number.isSafeInteger(parsed) && parsed > 0 ? parsed : FALLBACK_DAILY_TOKEN_CAP;
}

/** The cap an instance has: its own setting, else the platform default. */
export function effectiveDailyTokenCap(
  instanceCap: number | null | undefined,
  configured: string | undefined,
): { cap: number; source: "instance" | "default" } {
  return instanceCap != null && instanceCap > 0
    ? { cap: instanceCap, source: "instance" }
    : { cap: defaultDailyTokenCap(configured), source: "default" };
}

const tokens = new Intl.NumberFormat("en-US");

/** "in 5 hours and 12 minutes" — how long until `later`, in words. */
export function durationInWords(from: Date, later: Date): string {
  const minutes = Math.max(1, Math.ceil((later.getTime() - from.getTime()) / 60_000));
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? "" : "s"}`;
  if (hours === 0) return `in ${plural(rest, "minute")}`;
  return rest === 0
    ? `in ${plural(hours, "hour")}`
    : `in ${plural(hours, "hour")} and ${plural(rest, "minute")}`;
}

/**
 * The 429 for a spent budget, saying when it resets (next UTC midnight, in words and ISO 8601),
 * and the `Retry-After` seconds to send with it.
 * @example const { error, retryAfterSeconds } = budgetExceeded({ cap, used, now });
 */
export function budgetExceeded(input: { cap: number; used: number; now: Date }): {
  error: AppError;
  retryAfterSeconds: number;
  resetsAt: Date;
} {
  const resetsAt = nextUtcMidnight(input.now);
  const retryAfterSeconds = Math.ceil((resetsAt.getTime() - input.now.getTime()) / 1000);
  const error = new AppError(
    "budget_exceeded",
    `This instance has used ${tokens.format(input.used)} of its ${tokens.format(input.cap)} LLM ` +
      `tokens for today (UTC). The budget resets at midnight UTC, ` +
      `${durationInWords(input.now, resetsAt)} (${resetsAt.toISOString()}); ` +
      "the cap can be changed on the instance's Settings page.",
  );
  return { error, retryAfterSeconds, resetsAt };
}
