/** Instances and memberships repository. Access is always checked through a membership. */
import { randomId, randomString } from "@iterate/contract";
import { and, asc, eq } from "drizzle-orm";
import type { Db } from "./client.ts";
import { type Instance, instances, memberships } from "./schema.ts";

/** The fields of an instance a client may change. `null` clears the repository (or the cap). */
export type InstancePatch = {
  name?: string;
  repoUrl?: string | null;
  repoRef?: string | null;
  /** LLM tokens per UTC day; `null` = the platform default. */
  dailyTokenCap?: number | null;
};

/**
 * Builds (does not insert) a new instance named after its owner's email, with a unique-enough
 * slug (`ada-k3x9q2`); callers insert it together with the owner's membership.
 * @example const instance = newInstanceFor("ada@example.com");
 */
export function newInstanceFor(email: string): Instance {
  const local = email.split("@")[0] ?? "workspace";
  const base =
    local
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 32) || "workspace";
  return {
    id: randomId("ins"),
    name: `${local.slice(0, 64)}'s workspace`,
    slug: `${base}-${randomString(6, "0123456789abcdefghijklmnopqrstuvwxyz")}`,
    repoUrl: null,
    repoRef: null,
    envVersion: 0,
    dailyTokenCap: null,
    createdAt: new Date(),
  };
}

/** The statements that insert an instance and make `userId` its owner, for `db.batch`. */
export function insertInstanceWithOwner(db: Db, instance: Instance, userId: string) {
  return [
    db.insert(instances).values(instance),
    db.insert(memberships).values({ userId, instanceId: instance.id, role: "owner" }),
  ] as const;
}

/**
 * Instances a user is a member of, oldest first.
 * @example const [first] = await listInstancesForUser(db, user.id);
 */
export async function listInstancesForUser(db: Db, userId: string): Promise<Instance[]> {
  const rows = await db
    .select({ instance: instances })
    .from(memberships)
    .innerJoin(instances, eq(instances.id, memberships.instanceId))
    .where(eq(memberships.userId, userId))
    .orderBy(asc(instances.createdAt), asc(instances.id));
  return rows.map((r) => r.instance);
}

/** The instance if `userId` is a member of it, else null (callers answer 404 either way). */
export async function findInstanceForUser(
  db: Db,
  userId: string,
  instanceId: string,
): Promise<Instance | null> {
  const [row] = await db
    .select({ instance: instances })
    .from(memberships)
    .innerJoin(instances, eq(instances.id, memberships.instanceId))
    .where(and(eq(memberships.userId, userId), eq(memberships.instanceId, instanceId)))
    .limit(1);
  return row?.instance ?? null;
}

/** An instance by id, with no access check — for token principals already bound to it. */
export async function findInstanceById(db: Db, instanceId: string): Promise<Instance | null> {
  const [row] = await db.select().from(instances).where(eq(instances.id, instanceId)).limit(1);
  return row ?? null;
}

/**
 * Applies a patch and returns the updated instance. Fields left `undefined` are kept; a patch
 * with none set changes nothing (an empty form post is a no-op, not an error).
 */
export async function updateInstance(
  db: Db,
  instanceId: string,
  patch: InstancePatch,
): Promise<Instance | null> {
  const changes = Object.fromEntries(
    Object.entries(patch).filter(([, value]) => value !== undefined),
  ) as InstancePatch;
  if (Object.keys(changes).length === 0) return findInstanceById(db, instanceId);
  const [row] = await db
    .update(instances)
    .set(changes)
    .where(eq(instances.id, instanceId))
    .returning();
  return row ?? null;
}
