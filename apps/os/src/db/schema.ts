/**
 * The platform's D1 schema — the single source the migrations in `drizzle/` are generated from
 * (`pnpm --filter @iterate/os db:generate`; never hand-write a migration).
 *
 * Conventions: ids are prefixed random strings from `randomId()` (`usr_…`, `ins_…`); timestamps
 * are integer milliseconds since the epoch (`Date` in TypeScript); secrets are stored either as a
 * SHA-256 hash (session cookies, access tokens) or as an AES-GCM envelope whose AAD names the row
 * (`env_vars.value:ins_…/NAME`), never as plaintext.
 */
import { sql } from "drizzle-orm";
import {
  index,
  integer,
  primaryKey,
  sqliteTable,
  text,
  uniqueIndex,
} from "drizzle-orm/sqlite-core";

const createdAt = () =>
  integer("created_at", { mode: "timestamp_ms" })
    .notNull()
    .$defaultFn(() => new Date());

/** People who can sign in. `email` is stored lower-cased. */
export const users = sqliteTable("users", {
  id: text("id").primaryKey(),
  email: text("email").notNull().unique(),
  /** `pbkdf2-sha256$<iterations>$<salt b64url>$<hash b64url>` — see auth/password.ts. */
  passwordHash: text("password_hash").notNull(),
  createdAt: createdAt(),
});

/** Browser sessions. The cookie holds a random value; only its SHA-256 is stored here. */
export const sessions = sqliteTable(
  "sessions",
  {
    tokenHash: text("token_hash").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    index("sessions_user_id_idx").on(t.userId),
    // The log-in sweep of expired sessions (db/sessions.ts) finds them by expiry.
    index("sessions_expires_at_idx").on(t.expiresAt),
  ],
);

/** A customer workspace; each gets one machine that bootstraps `repo_url` at `repo_ref`. */
export const instances = sqliteTable("instances", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  slug: text("slug").notNull().unique(),
  repoUrl: text("repo_url"),
  repoRef: text("repo_ref"),
  /** Bumped on every env var change; a machine whose `env_version` matches has the latest values. */
  envVersion: integer("env_version").notNull().default(0),
  /** LLM tokens per UTC day through the proxy; null = the platform default (`LLM_DAILY_TOKEN_CAP`). */
  dailyTokenCap: integer("daily_token_cap"),
  createdAt: createdAt(),
});

/** Which users may act for which instance. */
export const memberships = sqliteTable(
  "memberships",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    instanceId: text("instance_id")
      .notNull()
      .references(() => instances.id, { onDelete: "cascade" }),
    role: text("role", { enum: ["owner", "member"] })
      .notNull()
      .default("owner"),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.instanceId] }),
    index("memberships_instance_id_idx").on(t.instanceId),
  ],
);

/**
 * API credentials of an instance (`itk_<id>_<secret>`). Only a SHA-256 of the secret is kept.
 * Kind `machine` is minted per machine (its `machine_id`) and revoked when it is archived.
 * A user token may have an expiry (`expires_at`, null = none); past it, it is refused.
 */
export const accessTokens = sqliteTable(
  "access_tokens",
  {
    id: text("id").primaryKey(),
    instanceId: text("instance_id")
      .notNull()
      .references(() => instances.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    kind: text("kind", { enum: ["user", "machine"] }).notNull(),
    machineId: text("machine_id"),
    secretHash: text("secret_hash").notNull(),
    createdAt: createdAt(),
    lastUsedAt: integer("last_used_at", { mode: "timestamp_ms" }),
    revokedAt: integer("revoked_at", { mode: "timestamp_ms" }),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }),
  },
  (t) => [index("access_tokens_instance_id_idx").on(t.instanceId)],
);

/** Instance env vars for its machine; `value_encrypted` is an envelope with AAD `env_vars.value:<instance>/<name>`. */
export const envVars = sqliteTable(
  "env_vars",
  {
    instanceId: text("instance_id")
      .notNull()
      .references(() => instances.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    valueEncrypted: text("value_encrypted").notNull(),
    createdAt: createdAt(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.instanceId, t.name] })],
);

/** Machine lifecycle statuses (ARCHITECTURE.md "Data"); `failed` and `archived` are terminal. */
export const MACHINE_STATUSES = [
  "creating",
  "starting",
  "bootstrapping",
  "ready",
  "failed",
  "archived",
] as const;

/** A sandbox running the daemon for an instance. At most one live (non-terminal) row per instance. */
export const machines = sqliteTable(
  "machines",
  {
    id: text("id").primaryKey(),
    instanceId: text("instance_id")
      .notNull()
      .references(() => instances.id, { onDelete: "cascade" }),
    provider: text("provider", { enum: ["local", "daytona"] }).notNull(),
    externalId: text("external_id"),
    status: text("status", { enum: MACHINE_STATUSES }).notNull(),
    daemonUrl: text("daemon_url"),
    /** Envelope, AAD `machines.daemon_secret:<machine id>`. */
    daemonSecretEncrypted: text("daemon_secret_encrypted"),
    /** Headers the provider requires on every request (JSON), envelope AAD `machines.provider_headers:<machine id>`. */
    providerHeadersEncrypted: text("provider_headers_encrypted"),
    /** The daemon version its last accepted ping reported. */
    daemonVersion: text("daemon_version"),
    lastPingAt: integer("last_ping_at", { mode: "timestamp_ms" }),
    /** When a ping with a different secret than the stored one was refused (409). */
    pingConflictAt: integer("ping_conflict_at", { mode: "timestamp_ms" }),
    /** The instance `env_version` the machine was last given (at creation or by `PUT /platform/env`). */
    envVersion: integer("env_version"),
    accessTokenId: text("access_token_id"),
    workflowInstanceId: text("workflow_instance_id"),
    /** What failed, in words a user understands; null unless `failed`. */
    error: text("error"),
    createdAt: createdAt(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" })
      .notNull()
      .$defaultFn(() => new Date()),
    /** When `status` last changed: the start of the step the machine is in (0 on rows older than the column). */
    statusChangedAt: integer("status_changed_at", { mode: "timestamp_ms" })
      .notNull()
      .default(sql`0`)
      .$defaultFn(() => new Date()),
    readyAt: integer("ready_at", { mode: "timestamp_ms" }),
    archivedAt: integer("archived_at", { mode: "timestamp_ms" }),
  },
  (t) => [
    // The lifecycle invariant lives in the database, not only in code: one live machine per instance.
    uniqueIndex("machines_one_live_per_instance")
      .on(t.instanceId)
      .where(sql`status not in ('failed', 'archived')`),
    index("machines_instance_created_idx").on(t.instanceId, t.createdAt),
  ],
);

/**
 * A Slack workspace connected to an instance; the bot token is an envelope (AAD
 * `slack_installations.bot_token:<team id>`). A team belongs to one instance, and an instance
 * has at most one team.
 */
export const slackInstallations = sqliteTable(
  "slack_installations",
  {
    teamId: text("team_id").primaryKey(),
    instanceId: text("instance_id")
      .notNull()
      .references(() => instances.id, { onDelete: "cascade" }),
    teamName: text("team_name"),
    botTokenEncrypted: text("bot_token_encrypted").notNull(),
    botUserId: text("bot_user_id").notNull(),
    /** The user who connected it. */
    installedBy: text("installed_by"),
    createdAt: createdAt(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" })
      .notNull()
      .$defaultFn(() => new Date()),
  },
  (t) => [uniqueIndex("slack_installations_instance_id_unique").on(t.instanceId)],
);

/**
 * Pending Slack OAuth installs: the `state` sent to Slack (only its SHA-256 is stored), bound to
 * the session that started it and the instance; single use (`used_at`), short-lived.
 */
export const slackOauthStates = sqliteTable("slack_oauth_states", {
  stateHash: text("state_hash").primaryKey(),
  /** SHA-256 of the session cookie that started the install. */
  sessionHash: text("session_hash").notNull(),
  userId: text("user_id")
    .notNull()
    .references(() => users.id, { onDelete: "cascade" }),
  instanceId: text("instance_id")
    .notNull()
    .references(() => instances.id, { onDelete: "cascade" }),
  createdAt: createdAt(),
  expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
  usedAt: integer("used_at", { mode: "timestamp_ms" }),
});

/** LLM tokens through the proxy, per instance, machine and UTC day (`YYYY-MM-DD`). */
export const llmUsage = sqliteTable(
  "llm_usage",
  {
    instanceId: text("instance_id")
      .notNull()
      .references(() => instances.id, { onDelete: "cascade" }),
    machineId: text("machine_id").notNull(),
    day: text("day").notNull(),
    requests: integer("requests").notNull().default(0),
    inputTokens: integer("input_tokens").notNull().default(0),
    outputTokens: integer("output_tokens").notNull().default(0),
    totalTokens: integer("total_tokens").notNull().default(0),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" })
      .notNull()
      .$defaultFn(() => new Date()),
  },
  (t) => [
    primaryKey({ columns: [t.instanceId, t.machineId, t.day] }),
    index("llm_usage_instance_day_idx").on(t.instanceId, t.day),
  ],
);

export type User = typeof users.$inferSelect;
export type Instance = typeof instances.$inferSelect;
export type AccessTokenRow = typeof accessTokens.$inferSelect;
export type EnvVarRow = typeof envVars.$inferSelect;
export type MachineRow = typeof machines.$inferSelect;
export type MachineStatus = (typeof MACHINE_STATUSES)[number];
export type SlackInstallationRow = typeof slackInstallations.$inferSelect;
export type SlackOauthStateRow = typeof slackOauthStates.$inferSelect;
export type LlmUsageRow = typeof llmUsage.$inferSelect;
