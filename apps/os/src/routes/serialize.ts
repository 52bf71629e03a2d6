/** The JSON shapes of the API (ARCHITECTURE.md "Platform routes"); timestamps are ISO 8601. */
import type { EnvVarSummary } from "../db/env-vars.ts";
import type { AccessTokenRow, Instance, MachineRow, User } from "../db/schema.ts";

const iso = (date: Date | null) => (date ? date.toISOString() : null);

/** `{ id, email }` — never the password hash. */
export const userJson = (u: User) => ({ id: u.id, email: u.email });

/** `{ id, name, slug }` as in lists. */
export const instanceJson = (i: Instance) => ({ id: i.id, name: i.name, slug: i.slug });

/** An instance with its settings. */
export const instanceDetailJson = (i: Instance) => ({
  ...instanceJson(i),
  repoUrl: i.repoUrl,
  repoRef: i.repoRef,
  /** LLM tokens per UTC day; null = the platform default (`GET …/usage` says which applies). */
  dailyTokenCap: i.dailyTokenCap,
  createdAt: iso(i.createdAt),
});

/** `{ id, name, kind, createdAt, lastUsedAt, revokedAt, expiresAt }` — never the hash. */
export const accessTokenJson = (t: AccessTokenRow) => ({
  id: t.id,
  name: t.name,
  kind: t.kind,
  createdAt: iso(t.createdAt),
  lastUsedAt: iso(t.lastUsedAt),
  revokedAt: iso(t.revokedAt),
  /** Null: valid until revoked. */
  expiresAt: iso(t.expiresAt),
});

/** `{ name, updatedAt }` — never the value. */
export const envVarJson = (v: EnvVarSummary) => ({ name: v.name, updatedAt: iso(v.updatedAt) });

/**
 * `Machine` of ARCHITECTURE "Platform routes" (`id, status, provider, createdAt, readyAt,
 * archivedAt, error`), plus when the status last changed, the daemon's reported version, its
 * last ping and a refused ping with another secret — never the secret, token or headers.
 */
export const machineJson = (m: MachineRow) => ({
  id: m.id,
  status: m.status,
  provider: m.provider,
  createdAt: iso(m.createdAt),
  readyAt: iso(m.readyAt),
  archivedAt: iso(m.archivedAt),
  error: m.error,
  statusChangedAt: iso(m.statusChangedAt),
  daemonVersion: m.daemonVersion,
  lastPingAt: iso(m.lastPingAt),
  pingConflictAt: iso(m.pingConflictAt),
});
