import { AppError, sha256, timingSafeEqual, utf8 } from "@iterate/contract";
import type { MiddlewareHandler } from "hono";

/**
 * Requires `Authorization: Bearer <secret>` (the secret shared with the platform), else throws
 * `401 unauthorized`. Both sides are hashed first, so the comparison is constant-time and does
 * not even reveal the secret's length.
 *
 * @example
 * app.use(bearerSecret({ secret: process.env.LOCAL_SANDBOX_SECRET }));
 */
export function bearerSecret(options: { secret: string }): MiddlewareHandler {
  if (options.secret === "") throw new Error("bearerSecret: the secret is empty");
  const expected = sha256(utf8(options.secret));
  return async function bearerSecret(c, next) {
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new AppError("unauthorized", "Send Authorization: Bearer <secret>", 401);
    if (!timingSafeEqual(sha256(utf8(match[1] as string)), expected)) {
      throw new AppError("unauthorized", "The bearer secret is wrong", 401);
    }
    await next();
  };
}
