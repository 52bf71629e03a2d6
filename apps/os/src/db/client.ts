/**
 * The drizzle handle over the `DB` binding. Call it wherever a handle is needed: one handle is
 * kept per binding object, because building one walks the whole schema (its relations config)
 * — work every request on the hot paths (Slack edge, LLM proxy) would otherwise repeat.
 * @example const db = createDb(c.env.DB); await db.select().from(users);
 */
import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema.ts";

function build(d1: D1Database) {
  return drizzle(d1, { schema });
}

/** Handles by binding; a WeakMap, so a binding (and its handle) can still be collected. */
const handles = new WeakMap<D1Database, ReturnType<typeof build>>();

export function createDb(d1: D1Database) {
  let db = handles.get(d1);
  if (!db) {
    db = build(d1);
    handles.set(d1, db);
  }
  return db;
}

/** A drizzle database over the platform schema. */
export type Db = ReturnType<typeof createDb>;
