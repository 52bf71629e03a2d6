/**
 * What the platform may tell a client about an error, and what it writes to the worker log.
 *
 * - {@link isExposed}: an `AppError` is an expected failure whose message was written for the
 *   user — also at 5xx (`machine_not_ready`, `upstream_error`, `llm_not_configured`). The one
 *   exception is the `internal_error` code, which the contract's `ConfigError` (a missing or
 *   malformed secret) and `DecryptionError` (an envelope that does not open) carry: their
 *   messages are for operators. Decided by type and code, never by message text (STYLE.md 7).
 * - {@link describeError}: the log line's view of an error, without secrets. Drizzle's
 *   `DrizzleQueryError` puts the bound parameters (emails, password hashes, envelopes) into its
 *   message, so only its parameterized SQL and its cause are kept.
 */
import { AppError, ConfigError, DecryptionError } from "@iterate/contract";
import { DrizzleQueryError } from "drizzle-orm";

/** Whether `err`'s own message may be shown to the client. */
export function isExposed(err: unknown): err is AppError {
  if (!(err instanceof AppError)) return false;
  if (err instanceof ConfigError || err instanceof DecryptionError) return false;
  return err.code !== "internal_error";
}

/** A loggable description of an error: name, code and safe details, never bound parameters. */
export type ErrorDescription = {
  name: string;
  message?: string;
  code?: string;
  status?: number;
  /** `ConfigError`: the setting at fault (never its value). */
  variable?: string;
  /** `DecryptionError`: why the envelope did not open. */
  reason?: string;
  /** `DrizzleQueryError`: the SQL with `?` placeholders (its parameters are left out). */
  query?: string;
  stack?: string;
  cause?: ErrorDescription;
};

const MAX_DEPTH = 3;
const MAX_QUERY_CHARS = 300;

/**
 * @example console.error("request failed", describeError(err));
 */
export function describeError(err: unknown, depth = 0): ErrorDescription {
  if (!(err instanceof Error)) return { name: typeof err };
  const cause =
    err.cause !== undefined && depth < MAX_DEPTH ? describeError(err.cause, depth + 1) : undefined;
  if (err instanceof DrizzleQueryError) {
    // No message and no stack: both start with "Failed query: … params: <the values>".
    return { name: "DrizzleQueryError", query: err.query.slice(0, MAX_QUERY_CHARS), cause };
  }
  const description: ErrorDescription = { name: err.name, message: err.message, stack: err.stack };
  if (err instanceof AppError) {
    description.code = err.code;
    description.status = err.status;
  }
  if (err instanceof ConfigError) description.variable = err.variable;
  if (err instanceof DecryptionError) description.reason = err.reason;
  if (cause) description.cause = cause;
  return description;
}
