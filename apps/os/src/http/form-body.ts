/**
 * Reading a dashboard form once, capped: `csrf()` needs the `_csrf` field before anyone is
 * authenticated, so an unbounded `parseBody()` there would let any client make the worker
 * buffer a body of any size.
 */
import type { Context } from "hono";
import { readRawBody } from "./raw-body.ts";

/** The largest form the dashboard takes (its biggest field, a 32 000-character message, URL-encoded). */
export const MAX_FORM_BODY_BYTES = 256 * 1024;

const FORM_TYPES = ["application/x-www-form-urlencoded", "multipart/form-data"];

/**
 * The form's fields (strings only; a non-form body has none). The parsed form is left in Hono's
 * body cache, so the route's own `c.req.parseBody()` reads it without touching the stream again.
 * Throws 413 `payload_too_large` past {@link MAX_FORM_BODY_BYTES}, before reading on.
 *
 * @example const { _csrf } = await readFormBody(c);
 */
export async function readFormBody(c: Context): Promise<Record<string, string>> {
  const type = c.req.header("content-type") ?? "";
  if (!FORM_TYPES.some((t) => type.toLowerCase().startsWith(t))) return {};
  const bytes = await readRawBody(c.req.raw, MAX_FORM_BODY_BYTES);
  const form = await new Request(c.req.url, {
    method: "POST",
    headers: { "content-type": type },
    body: bytes,
  })
    .formData()
    .catch(() => new FormData());
  // Hono keeps promises in its body cache (typed as the values).
  (c.req.bodyCache as Record<string, unknown>).formData = Promise.resolve(form);
  const fields: Record<string, string> = {};
  for (const [name, value] of form) if (typeof value === "string") fields[name] = value;
  return fields;
}
