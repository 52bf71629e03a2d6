import { z } from "zod";

/** Why `verifyRequest` refused a signed request; the daemon answers each with 401. */
export const VERIFY_FAILURE_CODES = [
  "missing",
  "malformed",
  "bad_signature",
  "expired",
  "not_yet_valid",
  "wrong_audience",
  "replayed",
  "method_mismatch",
  "path_mismatch",
  "body_mismatch",
] as const;

/** One of {@link VERIFY_FAILURE_CODES}. */
export type VerifyFailureCode = (typeof VERIFY_FAILURE_CODES)[number];

/**
 * The closed set of error codes any iterate service answers with, in
 * `{"error":{"code","message"}}`. Append new codes at the end; never rename.
 * The signing codes (`missing` … `body_mismatch`) are the `verifyRequest` failure codes,
 * answered by the daemon with 401.
 */
export const ERROR_CODES = [
  "bad_request",
  "invalid_json",
  "validation_failed",
  "unauthorized",
  "forbidden",
  "not_found",
  "method_not_allowed",
  "conflict",
  "payload_too_large",
  "unsupported_media_type",
  "reserved_name",
  "limit_exceeded",
  "rate_limited",
  "machine_not_ready",
  "upstream_error",
  "internal_error",
  // Signed platform → daemon requests (see signing.ts).
  ...VERIFY_FAILURE_CODES,
  // Durable Streams: a stream deleted while forks of it still exist (410).
  "gone",
  // The LLM proxy: the instance's daily token cap is spent (429); no provider key is set (503).
  "budget_exceeded",
  "llm_not_configured",
  // The Slack events edge: no SLACK_SIGNING_SECRET on this platform, so nothing can be verified (503).
  "slack_not_configured",
  // A machine that could not write to its disk (503): the caller keeps what it sent and retries.
  "storage_failed",
] as const;

/** One of {@link ERROR_CODES}. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * The HTTP status each code usually travels with; used when an AppError is built without one.
 * @example DEFAULT_ERROR_STATUS.not_found // 404
 */
export const DEFAULT_ERROR_STATUS: Readonly<Record<ErrorCode, number>> = {
  bad_request: 400,
  invalid_json: 400,
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  reserved_name: 400,
  limit_exceeded: 400,
  rate_limited: 429,
  machine_not_ready: 503,
  upstream_error: 502,
  internal_error: 500,
  missing: 401,
  malformed: 401,
  bad_signature: 401,
  expired: 401,
  not_yet_valid: 401,
  wrong_audience: 401,
  replayed: 401,
  method_mismatch: 401,
  path_mismatch: 401,
  body_mismatch: 401,
  gone: 410,
  budget_exceeded: 429,
  llm_not_configured: 503,
  slack_not_configured: 503,
  storage_failed: 503,
};

/** zod schema of an error code. */
export const errorCodeSchema = z.enum(ERROR_CODES);

/**
 * zod schema of every error response body.
 * @example errorBodySchema.parse(await res.json()).error.code
 */
export const errorBodySchema = z.object({
  error: z.object({ code: errorCodeSchema, message: z.string() }),
});

/** `{"error":{"code","message"}}`, the body of every error response. */
export type ErrorBody = z.infer<typeof errorBodySchema>;

/**
 * An expected failure carrying its code and HTTP status; each app's single `onError`
 * turns it into `errorBody(code, message)` with `status`. Never put secrets in `message`.
 * @example throw new AppError("not_found", "No such instance", 404)
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;

  constructor(code: ErrorCode, message: string, status: number = DEFAULT_ERROR_STATUS[code]) {
    super(message);
    this.name = "AppError";
    this.code = code;
    this.status = status;
  }
}

/**
 * Builds the JSON body of an error response.
 * @example c.json(errorBody("not_found", "No such machine"), 404)
 */
export function errorBody(code: ErrorCode, message: string): ErrorBody {
  return { error: { code, message } };
}

/** True when `value` is one of {@link ERROR_CODES}. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && (ERROR_CODES as readonly string[]).includes(value);
}
