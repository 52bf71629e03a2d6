/**
 * Access tokens repository. A token (`itk_<tokenId>_<secret>`) is returned once by
 * {@link createAccessToken}; afterwards only the SHA-256 of its secret exists. A token is live
 * until it is revoked or its `expires_at` (if it has one) has passed.
 */
import { hashSecret, mintAccessToken, parseAccessToken, verifySecret } from "@iterate/contract";
import { and, desc, eq, isNull } from "drizzle-orm";
import type { Db } from "./client.ts";
import { type AccessTokenRow, accessTokens } from "./schema.ts";

/** Whose token it is: a person's (`user`) or a machine's, minted with the machine. */
export type AccessTokenKind = AccessTokenRow["kind"];

/** Touch `last_used_at` at most this often, so busy tokens do not write on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * When a token created at `now` to last `days` expires; null for no expiry.
 * @example tokenExpiry(30) // 30 days from now
 */
export function tokenExpiry(days: number | null | undefined, now: Date = new Date()): Date | null {
  return days ? new Date(now.getTime() + days * DAY_MS) : null;
}

/**
 * Mints and stores a token; the returned `token` is the only time the plaintext exists.
 * @example const { token, row } = await createAccessToken(db, { instanceId, name: "CI" });
 */
export async function createAccessToken(
  db: Db,
  input: {
    instanceId: string;
    name: string;
    kind?: AccessTokenKind;
    machineId?: string | null;
    /** When the token stops working; null or absent = until revoked. */
    expiresAt?: Date | null;
  },
): Promise<{ token: string; row: AccessTokenRow }> {
  const minted = mintAccessToken();
  const row: AccessTokenRow = {
    id: minted.tokenId,
    instanceId: input.instanceId,
    name: input.name,
    kind: input.kind ?? "user",
    machineId: input.machineId ?? null,
    secretHash: await hashSecret(minted.secret),
    createdAt: new Date(),
    lastUsedAt: null,
    revokedAt: null,
    expiresAt: input.expiresAt ?? null,
  };
  await db.insert(accessTokens).values(row);
  return { token: minted.token, row };
}

/** Every token of an instance, newest first, revoked ones included. */
export async function listAccessTokens(db: Db, instanceId: string): Promise<AccessTokenRow[]> {
  return db
    .select()
    .from(accessTokens)
    .where(eq(accessTokens.instanceId, instanceId))
    .orderBy(desc(accessTokens.createdAt), desc(accessTokens.id));
}

/**
 * Revokes a user token of this instance. Returns false when the instance has no such token;
 * revoking twice keeps the first revocation time. Machine tokens are not revocable here: they
 * live and die with their machine (a rebuild revokes them).
 */
export async function revokeAccessToken(
  db: Db,
  instanceId: string,
  tokenId: string,
  now: Date = new Date(),
): Promise<boolean> {
  const where = and(
    eq(accessTokens.id, tokenId),
    eq(accessTokens.instanceId, instanceId),
    eq(accessTokens.kind, "user"),
  );
  const [row] = await db.select({ id: accessTokens.id }).from(accessTokens).where(where).limit(1);
  if (!row) return false;
  await db
    .update(accessTokens)
    .set({ revokedAt: now })
    .where(and(where, isNull(accessTokens.revokedAt)));
  return true;
}

/**
 * Whether a stored token row accepts the presented secret at `now`: not revoked, not expired, and
 * the secret's hash matches (compared in constant time). Shared by every way a token is looked up.
 */
export async function tokenAccepts(
  row: Pick<AccessTokenRow, "revokedAt" | "expiresAt" | "secretHash">,
  secret: string,
  now: Date,
): Promise<boolean> {
  if (row.revokedAt) return false;
  if (row.expiresAt && row.expiresAt.getTime() <= now.getTime()) return false;
  return verifySecret(secret, row.secretHash);
}

/**
 * Records a token's use, at most once per {@link LAST_USED_RESOLUTION_MS}; resolves without a
 * write (null) when the recorded use is recent enough. Callers may run it after answering.
 */
export function touchLastUsed(
  db: Db,
  row: Pick<AccessTokenRow, "id" | "lastUsedAt">,
  now: Date,
): Promise<unknown> | null {
  if (row.lastUsedAt && now.getTime() - row.lastUsedAt.getTime() <= LAST_USED_RESOLUTION_MS) {
    return null;
  }
  return db.update(accessTokens).set({ lastUsedAt: now }).where(eq(accessTokens.id, row.id));
}

/**
 * The live token row a presented token string belongs to, or null (unknown, malformed, wrong
 * secret, revoked or expired). Records the use.
 * @example const row = await authenticateAccessToken(db, bearer); if (row?.kind !== "user") …
 */
export async function authenticateAccessToken(
  db: Db,
  token: string,
  now: Date = new Date(),
): Promise<AccessTokenRow | null> {
  const parsed = parseAccessToken(token);
  if (!parsed) return null;
  const [row] = await db
    .select()
    .from(accessTokens)
    .where(eq(accessTokens.id, parsed.tokenId))
    .limit(1);
  // Looked up by id (not secret); the secret itself is compared in constant time.
  if (!row || !(await tokenAccepts(row, parsed.secret, now))) return null;
  const touched = touchLastUsed(db, row, now);
  if (touched) {
    await touched;
    row.lastUsedAt = now;
  }
  return row;
}

/**
 * Mints a machine's access token, revoking any earlier token of the same machine (a retried
 * `create-sandbox` whose first attempt minted one but never handed it to a sandbox).
 */
export async function mintMachineToken(
  db: Db,
  input: { instanceId: string; machineId: string },
): Promise<{ token: string; row: AccessTokenRow }> {
  await revokeMachineTokens(db, input.machineId);
  return createAccessToken(db, {
    instanceId: input.instanceId,
    name: `machine ${input.machineId}`,
    kind: "machine",
    machineId: input.machineId,
  });
}

/** Revokes every live token of a machine (archive, failure). Idempotent. */
export async function revokeMachineTokens(
  db: Db,
  machineId: string,
  now: Date = new Date(),
): Promise<void> {
  await db
    .update(accessTokens)
    .set({ revokedAt: now })
    .where(
      and(
        eq(accessTokens.machineId, machineId),
        eq(accessTokens.kind, "machine"),
        isNull(accessTokens.revokedAt),
      ),
    );
}
