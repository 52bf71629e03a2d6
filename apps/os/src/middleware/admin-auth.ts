/**
 * `adminAuth()` guards operator routes (`/api/admin/*`): `Authorization: Bearer <ADMIN_TOKEN>`,
 * compared in constant time. Without an `ADMIN_TOKEN` secret (at least 32 characters) the routes
 * do not exist (404), so a platform that never set one exposes nothing.
 */
import { AppError, timingSafeEqual } from "@iterate/contract";
import type { MiddlewareHandler } from "hono";

/** Shortest `ADMIN_TOKEN` that enables the admin routes. */
export const ADMIN_TOKEN_MIN_LENGTH = 32;

const encoder = new TextEncoder();
const digest = async (text: string) =>
  new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));

/**
 * @example api.use("/admin/*", adminAuth());
 */
export function adminAuth(): MiddlewareHandler<{ Bindings: Env }> {
  return async function adminAuth(c, next) {
    const expected = c.env.ADMIN_TOKEN?.trim() ?? "";
    if (expected.length < ADMIN_TOKEN_MIN_LENGTH) {
      throw new AppError("not_found", "There is nothing at this address.");
    }
    const sent = c.req.header("authorization")?.match(/^Bearer\s+(\S+)\s*$/i)?.[1] ?? "";
    // Hashed first, so the comparison takes the same time whatever the lengths.
    const ok = timingSafeEqual(await digest(sent), await digest(expected));
    if (!ok) throw new AppError("unauthorized", "Send Authorization: Bearer <ADMIN_TOKEN>.");
    await next();
  };
}
