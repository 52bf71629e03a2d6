/** Users repository: lookup and creation. Emails are compared lower-cased. */
import { randomId } from "@iterate/contract";
import { eq } from "drizzle-orm";
import type { Db } from "./client.ts";
import { type User, users } from "./schema.ts";

/** Normalizes an email for storage and lookup. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * The user with this email, or null.
 * @example const user = await findUserByEmail(db, "Ada@Example.com");
 */
export async function findUserByEmail(db: Db, email: string): Promise<User | null> {
  const [row] = await db
    .select()
    .from(users)
    .where(eq(users.email, normalizeEmail(email)))
    .limit(1);
  return row ?? null;
}

/** The user with this id, or null. */
export async function findUserById(db: Db, id: string): Promise<User | null> {
  const [row] = await db.select().from(users).where(eq(users.id, id)).limit(1);
  return row ?? null;
}

/** Builds (does not insert) a user row, so callers can insert it in a batch with its instance. */
export function newUser(input: { email: string; passwordHash: string }): User {
  return {
    id: randomId("usr"),
    email: normalizeEmail(input.email),
    passwordHash: input.passwordHash,
    createdAt: new Date(),
  };
}
