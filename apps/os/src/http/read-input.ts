/**
 * Reading and validating request bodies at the edge: JSON for the API, forms for the dashboard.
 * Every failure is an AppError with its own code, so the one `onError` can answer it.
 */
import { AppError } from "@iterate/contract";
import type { Context } from "hono";
import type { z } from "zod";
import { CSRF_FIELD } from "../middleware/csrf.ts";
import { readRawBody } from "./raw-body.ts";

/** The largest JSON body the API reads (env var values are at most 32 KiB, escaped up to ~6×). */
export const MAX_JSON_BODY_BYTES = 256 * 1024;

/** One readable sentence from a zod error: the first issue, prefixed by its field. */
export function describeIssues(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "The request is invalid.";
  const field = issue.path.join(".");
  return field ? `${field}: ${issue.message}` : issue.message;
}

function validate<T extends z.ZodType>(schema: T, data: unknown): z.output<T> {
  const result = schema.safeParse(data);
  if (!result.success) throw new AppError("validation_failed", describeIssues(result.error));
  return result.data;
}

/**
 * Reads a JSON body (415 when not JSON, 413 when too large, 400 `invalid_json` when unparsable,
 * 400 `validation_failed` when it does not match `schema`).
 * @example const { name } = await readJson(c, createAccessTokenSchema);
 */
export async function readJson<T extends z.ZodType>(
  c: Context,
  schema: T,
  maxBytes: number = MAX_JSON_BODY_BYTES,
): Promise<z.output<T>> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/([a-z.+-]*\+)?json\s*(;|$)/i.test(type)) {
    throw new AppError("unsupported_media_type", "Send the body as application/json.");
  }
  // Capped while reading: a body without Content-Length is never buffered past the limit.
  const bytes = await readRawBody(c.req.raw, maxBytes);
  let data: unknown;
  try {
    data = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes));
  } catch {
    throw new AppError("invalid_json", "The request body is not valid JSON.");
  }
  return validate(schema, data);
}

/**
 * Reads a submitted form (already parsed and cached by the CSRF middleware) and validates it.
 * @example const input = await readForm(c, signupSchema);
 */
export async function readForm<T extends z.ZodType>(c: Context, schema: T): Promise<z.output<T>> {
  const { [CSRF_FIELD]: _csrf, ...fields } = await c.req.parseBody();
  return validate(schema, fields);
}
