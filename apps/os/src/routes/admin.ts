/**
 * `/api/admin`: operator actions, behind `adminAuth()` (`Bearer <ADMIN_TOKEN>`; 404 when the
 * platform has no `ADMIN_TOKEN`). Driven by `pnpm --filter @iterate/os rotate-keys`.
 *
 * - `POST /api/admin/rotate-keys` `{ cursor? }` → `{ keyId, resealed, failed, cursor }`: re-seals
 *   the next pages of envelopes under the current `ENCRYPTION_KEY` (keys/reseal-envelopes.ts);
 *   call again with the returned `cursor` until it is null.
 */
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../app-env.ts";
import { createDb } from "../db/client.ts";
import { readJson } from "../http/read-input.ts";
import { keyringFromEnv } from "../keyring.ts";
import { resealEnvelopes } from "../keys/reseal-envelopes.ts";
import { adminAuth } from "../middleware/admin-auth.ts";

// `<column>:<rowid>`, as the previous answer handed it out; anything else would silently start over.
const rotateKeysSchema = z
  .object({
    cursor: z
      .string()
      .regex(/^\d{1,3}:\d{1,15}$/, "must be a cursor this route returned (or null to start)")
      .nullable()
      .optional(),
  })
  .strict();

/** Mounted at `/api/admin`. */
export const adminRoutes = new Hono<AppEnv>()
  .use("*", adminAuth())
  .post("/rotate-keys", async (c) => {
    const { cursor } = await readJson(c, rotateKeysSchema);
    const report = await resealEnvelopes(createDb(c.env.DB), await keyringFromEnv(c.env), {
      cursor,
    });
    return c.json(report);
  });
