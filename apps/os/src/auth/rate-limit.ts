/**
 * Log-in and sign-up attempts are rate-limited with the Workers Rate Limiting binding
 * (`[[ratelimits]]` in wrangler.toml; miniflare emulates it locally): per client IP
 * (`CF-Connecting-IP`, set by Cloudflare's edge on every request) and per email, so neither one
 * address guessing many accounts nor many addresses guessing one account get far. Every attempt
 * counts, successful or not; the limits are per fixed window of the binding's period.
 *
 * A request without `CF-Connecting-IP` did not come through Cloudflare's edge (only in-process
 * test requests do); it is limited per email only.
 */
import { AppError } from "@iterate/contract";
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { normalizeEmail } from "../db/users.ts";

/** The two limiters, as bound in wrangler.toml. */
export type AuthRateLimiters = { perIp: RateLimit; perEmail: RateLimit };

/** Seconds until a refused client may try again: the binding's longest period. */
export const AUTH_RETRY_AFTER_SECONDS = 60;

/** The answer to a refused attempt (429 `rate_limited`), shown on the forms as an error. */
export function rateLimited(): AppError {
  return new AppError(
    "rate_limited",
    "Too many attempts. Please wait a minute, then try again.",
    429,
  );
}

/**
 * Counts one attempt; throws {@link rateLimited} when the IP or the email is over its limit.
 * @example await limitAuthAttempt({ perIp, perEmail }, { ip: "203.0.113.7", email });
 */
export async function limitAuthAttempt(
  limiters: AuthRateLimiters,
  attempt: { ip: string | undefined; email: string },
): Promise<void> {
  const [ip, email] = await Promise.all([
    attempt.ip ? limiters.perIp.limit({ key: `ip:${attempt.ip}` }) : { success: true },
    limiters.perEmail.limit({ key: `email:${normalizeEmail(attempt.email)}` }),
  ]);
  if (!ip.success || !email.success) throw rateLimited();
}

/**
 * {@link limitAuthAttempt} for a request: its bindings and client IP; sets `Retry-After` when
 * refusing (the error response keeps headers set on the context).
 * @example await limitAuthRequest(c, input.email);
 */
export async function limitAuthRequest(c: Context<AppEnv>, email: string): Promise<void> {
  try {
    await limitAuthAttempt(
      { perIp: c.env.AUTH_IP_RATE_LIMIT, perEmail: c.env.AUTH_EMAIL_RATE_LIMIT },
      { ip: c.req.header("cf-connecting-ip")?.trim() || undefined, email },
    );
  } catch (error) {
    c.header("retry-after", String(AUTH_RETRY_AFTER_SECONDS));
    throw error;
  }
}
