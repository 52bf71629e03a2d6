/**
 * Sessions repository. The browser holds a random 256-bit value; D1 holds only its SHA-256,
 * so a leaked database cannot be replayed as cookies.
 */
import { base64urlEncode, hashSecret } from "@iterate/contract";
import { and, eq, gt, inArray, lte } from "drizzle-orm";
import type { Db } from "./client.ts";
import { sessions, type User, users } from "./schema.ts";

/** How long a session lasts from log-in. */
export const SESSION_TTL_MS = 30 * 24 * 60 * 60 * 1000;

/**
 * Starts a session for a user and returns the cookie value (shown to the browser only).
 * @example const { cookieValue, expiresAt } = await createSession(db, user.id);
 */
export async function createSession(
  db: Db,
  userId: string,
  now: Date = new Date(),
): Promise<{ cookieValue: string; expiresAt: Date }> {
  const cookieValue = base64urlEncode(crypto.getRandomValues(new Uint8Array(32)));
  const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
  await db
    .insert(sessions)
    .values({ tokenHash: await hashSecret(cookieValue), userId, createdAt: now, expiresAt });
  return { cookieValue, expiresAt };
}

/**
 * The user a live session cookie belongs to, or null when unknown or expired.
 * @example const user = await findSessionUser(db, getCookie(c, SESSION_COOKIE));
 */
export async function findSessionUser(
  db: Db,
  cookieValue: string,
  now: Date = new Date(),
): Promise<User | null> {
  const [row] = await db
    .select({ user: users })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.tokenHash, await hashSecret(cookieValue)), gt(sessions.expiresAt, now)))
    .limit(1);
  return row?.user ?? null;
}

/** Ends a session (log-out). Unknown values are ignored. */
export async function deleteSession(db: Db, cookieValue: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.tokenHash, await hashSecret(cookieValue)));
}

/** Ends every session of a user ("log out everywhere"); returns how many there were. */
export async function deleteUserSessions(db: Db, userId: string): Promise<number> {
  const deleted = await db
    .delete(sessions)
    .where(eq(sessions.userId, userId))
    .returning({ tokenHash: sessions.tokenHash });
  return deleted.length;
}

/** Most expired rows one sweep deletes, so a log-in never pays for a large backlog at once. */
const SWEEP_BATCH = 100;

/**
 * Deletes expired sessions: every expired row of `userId`, and up to {@link SWEEP_BATCH} expired
 * rows of anyone (so rows of people who never come back are swept too, by later log-ins).
 * Called on log-in; safe to run concurrently (deleting a deleted row is a no-op).
 */
export async function sweepExpiredSessions(
  db: Db,
  userId: string,
  now: Date = new Date(),
): Promise<void> {
  const oldest = db
    .select({ tokenHash: sessions.tokenHash })
    .from(sessions)
    .where(lte(sessions.expiresAt, now))
    .limit(SWEEP_BATCH);
  await db.batch([
    db.delete(sessions).where(and(eq(sessions.userId, userId), lte(sessions.expiresAt, now))),
    db.delete(sessions).where(inArray(sessions.tokenHash, oldest)),
  ]);
}
