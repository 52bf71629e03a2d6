/**
 * The drizzle handle over the `DB` binding. Create one per request; it is a thin wrapper.
 * @example const db = createDb(c.env.DB); await db.select().from(users);
 */
import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema.ts";

export function createDb(d1: D1Database) {
  return drizzle(d1, { schema });
}

/** A drizzle database over the platform schema. */
export type Db = ReturnType<typeof createDb>;
