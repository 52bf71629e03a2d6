/**
 * Env vars repository. Values are AES-GCM envelopes bound to their row by the AAD
 * `env_vars.value:<instanceId>/<name>`, so a ciphertext copied to another row or instance does
 * not decrypt. Validation (name pattern, reserved names, sizes, per-instance limit) is enforced
 * here so the JSON API and the dashboard share exactly one rule set.
 */
import {
  AppError,
  ENV_VAR_NAME_MAX,
  ENV_VAR_NAME_PATTERN,
  ENV_VARS_MAX_PER_INSTANCE,
  envVarValueSchema,
  isReservedEnvName,
  type Keyring,
} from "@iterate/contract";
import { and, asc, eq, sql } from "drizzle-orm";
import type { Db } from "./client.ts";
import { envVars, instances } from "./schema.ts";

/** Marks the instance's env as changed: a machine with an older `env_version` is stale. */
async function bumpEnvVersion(db: Db, instanceId: string): Promise<void> {
  await db
    .update(instances)
    .set({ envVersion: sql`${instances.envVersion} + 1` })
    .where(eq(instances.id, instanceId));
}

/** What a list shows: never the value. */
export type EnvVarSummary = { name: string; createdAt: Date; updatedAt: Date };

/** The AAD that binds an env var ciphertext to its instance and name. */
export function envVarAad(instanceId: string, name: string): string {
  return `env_vars.value:${instanceId}/${name}`;
}

/**
 * Names that mean something to JavaScript objects: an env keyed by them could reach an object's
 * prototype in code that builds env objects naively (ours uses Maps and `Object.fromEntries`, the
 * agents' tools may not). Valid env names for a shell, refused here.
 */
export const PROTOTYPE_NAMES: ReadonlySet<string> = new Set([
  "__proto__",
  "constructor",
  "prototype",
]);

/**
 * Throws `validation_failed` or `reserved_name` unless `name` may be set by an instance.
 * @example assertSettableEnvVarName("OPENAI_API_KEY") // ok
 */
export function assertSettableEnvVarName(name: string): void {
  if (name.length === 0 || name.length > ENV_VAR_NAME_MAX || !ENV_VAR_NAME_PATTERN.test(name)) {
    throw new AppError(
      "validation_failed",
      `Env var names must match ${ENV_VAR_NAME_PATTERN.source} and be at most ${ENV_VAR_NAME_MAX} characters.`,
    );
  }
  if (PROTOTYPE_NAMES.has(name)) {
    throw new AppError(
      "validation_failed",
      `${name} cannot be an env var name: it is special in JavaScript objects.`,
    );
  }
  if (isReservedEnvName(name)) {
    throw new AppError(
      "reserved_name",
      `${name} is reserved: the platform sets it for every machine, so an instance cannot.`,
    );
  }
}

/**
 * Throws `validation_failed` unless the contract's `envVarValueSchema` accepts `value` (at most
 * 32 KiB of UTF-8, no NUL) — the same rule the daemon applies to `PUT /platform/env`, so a value
 * stored here can always be pushed.
 */
export function assertEnvVarValue(value: string): void {
  const result = envVarValueSchema.safeParse(value);
  if (!result.success) {
    throw new AppError("validation_failed", `Env var values ${result.error.issues[0]?.message}.`);
  }
}

/** Names and timestamps of an instance's env vars, by name. */
export async function listEnvVars(db: Db, instanceId: string): Promise<EnvVarSummary[]> {
  return db
    .select({ name: envVars.name, createdAt: envVars.createdAt, updatedAt: envVars.updatedAt })
    .from(envVars)
    .where(eq(envVars.instanceId, instanceId))
    .orderBy(asc(envVars.name));
}

/**
 * Creates or replaces an env var (validated, encrypted). Throws `limit_exceeded` when a new name
 * would exceed the per-instance limit.
 * @example await setEnvVar(db, keyring, { instanceId, name: "GITHUB_TOKEN", value });
 */
export async function setEnvVar(
  db: Db,
  keyring: Keyring,
  input: { instanceId: string; name: string; value: string },
  now: Date = new Date(),
): Promise<EnvVarSummary & { created: boolean }> {
  const { instanceId, name, value } = input;
  assertSettableEnvVarName(name);
  assertEnvVarValue(value);
  const encrypted = await keyring.encrypt(value, envVarAad(instanceId, name));
  const at = now.getTime();
  // One statement, so the limit holds under concurrent writers: insert only while under the
  // limit or when the name already exists (then it is an update).
  const rows = await db.all<{ created_at: number; updated_at: number }>(sql`
    insert into env_vars (instance_id, name, value_encrypted, created_at, updated_at)
    select ${instanceId}, ${name}, ${encrypted}, ${at}, ${at}
    where (select count(*) from env_vars where instance_id = ${instanceId}) < ${ENV_VARS_MAX_PER_INSTANCE}
       or exists (select 1 from env_vars where instance_id = ${instanceId} and name = ${name})
    on conflict (instance_id, name) do update
      set value_encrypted = excluded.value_encrypted, updated_at = excluded.updated_at
    returning created_at, updated_at`);
  const [row] = rows;
  if (!row) {
    throw new AppError(
      "limit_exceeded",
      `An instance can have at most ${ENV_VARS_MAX_PER_INSTANCE} env vars; delete one first.`,
    );
  }
  await bumpEnvVersion(db, instanceId);
  return {
    name,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    created: row.created_at === at,
  };
}

/** Deletes an env var; false when it did not exist. */
export async function deleteEnvVar(db: Db, instanceId: string, name: string): Promise<boolean> {
  const deleted = await db
    .delete(envVars)
    .where(and(eq(envVars.instanceId, instanceId), eq(envVars.name, name)))
    .returning({ name: envVars.name });
  if (deleted.length === 0) return false;
  await bumpEnvVersion(db, instanceId);
  return true;
}

/** One decrypted value (an explicit "reveal"), or null when it does not exist. */
export async function revealEnvVar(
  db: Db,
  keyring: Keyring,
  instanceId: string,
  name: string,
): Promise<(EnvVarSummary & { value: string }) | null> {
  const [row] = await db
    .select()
    .from(envVars)
    .where(and(eq(envVars.instanceId, instanceId), eq(envVars.name, name)))
    .limit(1);
  if (!row) return null;
  const value = await keyring.decrypt(row.valueEncrypted, envVarAad(instanceId, name));
  return { name, createdAt: row.createdAt, updatedAt: row.updatedAt, value };
}

/** Every env var of an instance, decrypted — what its machine receives. */
export async function decryptInstanceEnv(
  db: Db,
  keyring: Keyring,
  instanceId: string,
): Promise<Record<string, string>> {
  const rows = await db
    .select({ name: envVars.name, valueEncrypted: envVars.valueEncrypted })
    .from(envVars)
    .where(eq(envVars.instanceId, instanceId));
  const entries: [string, string][] = [];
  for (const row of rows) {
    entries.push([
      row.name,
      await keyring.decrypt(row.valueEncrypted, envVarAad(instanceId, row.name)),
    ]);
  }
  // `Object.fromEntries` defines own properties, so even a `__proto__` row (stored before such
  // names were refused) stays a plain key instead of replacing the object's prototype.
  return Object.fromEntries(entries);
}
