/**
 * Sign-up and log-in, shared by the JSON API and the dashboard forms.
 * Sign-up creates the user, their first instance and the membership in one D1 batch.
 */
import { AppError } from "@iterate/contract";
import type { Db } from "../db/client.ts";
import { insertInstanceWithOwner, newInstanceFor } from "../db/instances.ts";
import { type Instance, type User, users } from "../db/schema.ts";
import { createSession } from "../db/sessions.ts";
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
 * @example const { user, instance, cookieValue } = await signUp(db, { email, password });
 */
export async function signUp(
  db: Db,
  input: { email: string; password: string },
): Promise<SignedIn & { instance: Instance }> {
  if (await findUserByEmail(db, input.email)) throw emailTaken();
  const user = newUser({ email: input.email, passwordHash: await hashPassword(input.password) });
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
 * Checks credentials and starts a session. Unknown email and wrong password both throw
 * {@link invalidCredentials}, after the same PBKDF2 work.
 */
export async function logIn(db: Db, input: { email: string; password: string }): Promise<SignedIn> {
  const user = await findUserByEmail(db, input.email);
  const ok = await verifyPassword(
    input.password,
    user?.passwordHash ?? (await decoyPasswordHash()),
  );
  if (!user || !ok) throw invalidCredentials();
  const session = await createSession(db, user.id);
  return { user, ...session };
}

function emailTaken(): AppError {
  return new AppError("conflict", "An account with this email already exists. Log in instead.");
}
