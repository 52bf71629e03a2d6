/**
 * Pending "Add to Slack" installs. The `state` sent to Slack is 256 random bits; only its SHA-256
 * is stored, with the hash of the session cookie that started the install and the instance. It
 * is good once, for {@link OAUTH_STATE_TTL_MS}, and only for that session.
 */
import { base64urlEncode, hashSecret, randomBytes } from "@iterate/contract";
import { and, eq, gt, isNull, lt } from "drizzle-orm";
import type { Db } from "./client.ts";
import { type SlackOauthStateRow, slackOauthStates } from "./schema.ts";

/** How long a person has at Slack before the state expires. */
export const OAUTH_STATE_TTL_MS = 10 * 60 * 1000;

/**
 * Starts an install: stores the state's hash bound to the session and instance and returns the
 * state (sent to Slack, never stored). Expired states are swept on the way.
 * @example const state = await createOAuthState(db, { sessionCookie, userId, instanceId });
 */
export async function createOAuthState(
  db: Db,
  input: { sessionCookie: string; userId: string; instanceId: string; now?: Date },
): Promise<string> {
  const now = input.now ?? new Date();
  const state = base64urlEncode(randomBytes(32));
  await db.delete(slackOauthStates).where(lt(slackOauthStates.expiresAt, now));
  await db.insert(slackOauthStates).values({
    stateHash: await hashSecret(state),
    sessionHash: await hashSecret(input.sessionCookie),
    userId: input.userId,
    instanceId: input.instanceId,
    createdAt: now,
    expiresAt: new Date(now.getTime() + OAUTH_STATE_TTL_MS),
  });
  return state;
}

/** Why a state was refused. */
export type OAuthStateFailure = "unknown" | "used" | "expired" | "other_session";

/**
 * Uses a state up: the pending install if the state is known, unused, unexpired and this
 * session's; otherwise why not. A state presented by another session is not used up, so it
 * cannot be burnt by someone who only saw the URL.
 */
export async function consumeOAuthState(
  db: Db,
  input: { state: string; sessionCookie: string | undefined; now?: Date },
): Promise<{ ok: true; row: SlackOauthStateRow } | { ok: false; reason: OAuthStateFailure }> {
  const now = input.now ?? new Date();
  const stateHash = await hashSecret(input.state);
  if (input.sessionCookie) {
    // One statement decides: two callbacks racing with the same state cannot both get a row.
    const [row] = await db
      .update(slackOauthStates)
      .set({ usedAt: now })
      .where(
        and(
          eq(slackOauthStates.stateHash, stateHash),
          eq(slackOauthStates.sessionHash, await hashSecret(input.sessionCookie)),
          isNull(slackOauthStates.usedAt),
          gt(slackOauthStates.expiresAt, now),
        ),
      )
      .returning();
    if (row) return { ok: true, row };
  }
  const [row] = await db
    .select()
    .from(slackOauthStates)
    .where(eq(slackOauthStates.stateHash, stateHash))
    .limit(1);
  if (!row) return { ok: false, reason: "unknown" };
  if (row.usedAt) return { ok: false, reason: "used" };
  if (row.expiresAt.getTime() <= now.getTime()) return { ok: false, reason: "expired" };
  return { ok: false, reason: "other_session" };
}
