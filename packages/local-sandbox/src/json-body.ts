import { AppError } from "@iterate/contract";
import type { Context } from "hono";
import type { z } from "zod";

/**
 * Reads and validates a JSON request body at the edge: `400 invalid_json`, or
 * `400 validation_failed` whose message names the field (never its value: bodies carry env
 * secrets). The body is parsed whatever its Content-Type, as callers are programs.
 *
 * @example
 * const body = await readJsonBody(c, createSandboxBodySchema);
 */
export async function readJsonBody<Schema extends z.ZodType>(
  c: Context,
  schema: Schema,
): Promise<z.output<Schema>> {
  let json: unknown;
  try {
    json = JSON.parse(await c.req.text());
  } catch {
    throw new AppError("invalid_json", "Request body is not valid JSON", 400);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.map(String).join(".") || "body";
    throw new AppError("validation_failed", `${field}: ${issue?.message}`, 400);
  }
  return parsed.data;
}
