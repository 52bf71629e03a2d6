import { AppError } from "@iterate/contract";
import type { Context } from "hono";
import type { z } from "zod";

/**
 * Reads and validates a JSON request body at the edge, throwing the contract's errors:
 * `415 unsupported_media_type` (not JSON), `400 invalid_json`, `400 validation_failed`
 * (message names the field). An empty body parses as `empty` when given.
 *
 * @example
 * const { env } = await readJsonBody(c, envUpdateSchema);
 * const { repo } = await readJsonBody(c, bootstrapRequestSchema, { empty: {} });
 */
export async function readJsonBody<Schema extends z.ZodType>(
  c: Context,
  schema: Schema,
  options: { empty?: z.input<Schema> } = {},
): Promise<z.output<Schema>> {
  const text = await c.req.text();
  let json: unknown;
  if (text.trim() === "" && options.empty !== undefined) {
    json = options.empty;
  } else {
    const type = c.req.header("content-type") ?? "";
    if (!/^application\/(.+\+)?json\b/i.test(type)) {
      throw new AppError("unsupported_media_type", "Send the body as application/json", 415);
    }
    try {
      json = JSON.parse(text);
    } catch {
      throw new AppError("invalid_json", "Request body is not valid JSON", 400);
    }
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.map(String).join(".") || "body";
    throw new AppError("validation_failed", `${field}: ${issue?.message}`, 400);
  }
  return parsed.data;
}
