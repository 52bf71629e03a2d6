/**
 * Sign-up, log-in and "log out everywhere", shared by the JSON API and the dashboard forms.
 * Sign-up creates the user, their first instance and the membership in one D1 batch. Rate limits
 * are the routes' job (rate-limit.ts), before any of this runs.
 */
import { AppError } from "@iterate/contract";
import { and, eq } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { insertInstanceWithOwner, newInstanceFor } from "../db/instances.ts";
import { type Instance, type User, users } from "../db/schema.ts";
import {
  createSession,
  deleteSession,
  deleteUserSessions,
  sweepExpiredSessions,
} from "../db/sessions.ts";
import { findUserByEmail, newUser } from "../db/users.ts";
import { decoyPasswordHash, hashPassword, verifyPassword } from "./password.ts";

/** A signed-in result: the user and the session cookie to hand the browser. */
export type SignedIn = { user: User; cookieValue: string; expiresAt: Date };

/** The one answer for an unknown email and a wrong password alike. */
export function invalidCredentials(): AppError {
  return new AppError("unauthorized", "The email or password is incorrect.");
}

/**
 * Creates an account with its first instance and starts a session.
 * Throws `conflict` when the email is taken.
 * @example const { user, instance, cookieValue } = await signUp(db, { email, password }, { pepper });
 */
export async function signUp(
  db: Db,
  input: { email: string; password: string },
  secrets: { pepper: string },
): Promise<SignedIn & { instance: Instance }> {
  if (await findUserByEmail(db, input.email)) throw emailTaken();
  const passwordHash = await hashPassword(input.password, secrets.pepper);
  const user = newUser({ email: input.email, passwordHash });
  const instance = newInstanceFor(user.email);
  try {
    await db.batch([
      db.insert(users).values(user),
      ...insertInstanceWithOwner(db, instance, user.id),
    ]);
  } catch (error) {
    // Two sign-ups with one email raced past the check above; the unique index decided.
    if (await findUserByEmail(db, input.email)) throw emailTaken();
    throw error;
  }
  const session = await createSession(db, user.id);
  return { user, instance, ...session };
}

/**
 * Checks credentials and starts a new session. Unknown email and wrong password both throw
 * {@link invalidCredentials}, after the same PBKDF2 work. On success: a hash in an older scheme
 * is upgraded, the session the request came with (if any) is ended — a log-in always rotates the
 * cookie — and expired sessions are swept.
 * @example const { user, cookieValue } = await logIn(db, { email, password }, { pepper, previousSession });
 */
export async function logIn(
  db: Db,
  input: { email: string; password: string },
  options: { pepper: string; previousSession?: string | undefined },
): Promise<SignedIn> {
  const user = await findUserByEmail(db, input.email);
  const stored = user?.passwordHash ?? (await decoyPasswordHash(options.pepper));
  const check = await verifyPassword(input.password, stored, options.pepper);
  if (!user || !check.ok) throw invalidCredentials();
  if (check.rehash) {
    const upgraded = await hashPassword(input.password, options.pepper);
    // Only over the hash just verified: a password change in between wins.
    await db
      .update(users)
      .set({ passwordHash: upgraded })
      .where(and(eq(users.id, user.id), eq(users.passwordHash, user.passwordHash)));
  }
  if (options.previousSession) await deleteSession(db, options.previousSession);
  await sweepExpiredSessions(db, user.id);
  const session = await createSession(db, user.id);
  return { user, ...session };
}

/**
 * Ends every session of the user, on every device. Returns how many were ended.
 * @example await logOutEverywhere(db, user.id);
 */
export function logOutEverywhere(db: Db, userId: string): Promise<number> {
  return deleteUserSessions(db, userId);
}

function emailTaken(): AppError {
  return new AppError("conflict", "An account with this email already exists. Log in instead.");
}
