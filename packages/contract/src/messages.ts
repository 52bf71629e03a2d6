import { z } from "zod";
import { envVarNameSchema, envVarValueSchema } from "./env.ts";
import { mcpServerStatusSchema, mcpServersConfigSchema } from "./mcp.ts";
import { DAEMON_SECRET_PATTERN } from "./tokens.ts";
import { workspacePathSchema } from "./workspace-path.ts";

// A value handed to `git` as an argument must never be read as an option.
const notAnOption = (value: string) => !value.startsWith("-");

/**
 * `POST /api/machine/ping` body (daemon → platform, Bearer machine token):
 * "here I am, and here is the secret you can sign requests to me with".
 */
export const pingRequestSchema = z.object({
  machineId: z.string().min(1).max(128),
  secret: z.string().regex(DAEMON_SECRET_PATTERN, "must be base64url of 32 bytes"),
  version: z.string().min(1).max(64),
});
export type PingRequest = z.infer<typeof pingRequestSchema>;

/** `POST /platform/bootstrap` body: the repo to clone into `~/workspace` (none → empty workspace). */
export const bootstrapRequestSchema = z.object({
  repo: z
    .object({
      url: z.string().min(1).max(2048).refine(notAnOption, "must not start with -"),
      ref: z.string().min(1).max(255).refine(notAnOption, "must not start with -").optional(),
    })
    .optional(),
});
export type BootstrapRequest = z.infer<typeof bootstrapRequestSchema>;

/** `POST /platform/bootstrap` response: the commit `~/workspace` is at (null if it has none). */
export const bootstrapResponseSchema = z.object({
  ok: z.boolean(),
  commit: z.string().nullable(),
});
export type BootstrapResponse = z.infer<typeof bootstrapResponseSchema>;

/** `PUT /platform/env` body: the machine's complete env, hot-reloaded into new agent runs. */
export const envUpdateSchema = z.object({
  env: z.record(envVarNameSchema, envVarValueSchema),
});
export type EnvUpdate = z.infer<typeof envUpdateSchema>;

/** `GET /platform/ping` response. */
export const platformPingResponseSchema = z.object({
  ok: z.boolean(),
  machineId: z.string(),
  version: z.string(),
  uptimeMs: z.number().nonnegative(),
});
export type PlatformPingResponse = z.infer<typeof platformPingResponseSchema>;

/**
 * `POST /platform/retire` response: the platform is about to archive this machine (a rebuild).
 * The daemon stopped `interrupted` runs, each told in its thread, and refuses new Slack events
 * (503) so the outbox keeps them for the next machine.
 */
/** How long `POST /platform/retire` waits for stopped runs to record their end and tell their thread. */
export const RETIRE_GRACE_MS = 5000;

export const retireResponseSchema = z.object({
  ok: z.boolean(),
  interrupted: z.number().int().nonnegative(),
});
export type RetireResponse = z.infer<typeof retireResponseSchema>;

/**
 * `iterate.config.json` at the workspace root. Every field is optional; unknown keys are
 * refused so a typo surfaces as an error instead of being silently ignored.
 * @example iterateConfigSchema.parse({ name: "acme", agents: { model: "gpt-5-mini" } })
 */
export const iterateConfigSchema = z.strictObject({
  /** Editor hint; ignored. */
  $schema: z.string().optional(),
  /** Display name of the workspace. */
  name: z.string().min(1).max(100).optional(),
  agents: z
    .strictObject({
      /** Model id passed to the LLM proxy. */
      model: z.string().min(1).max(200).optional(),
      /** Prepended to every agent's system prompt. */
      systemPrompt: z.string().max(32768).optional(),
      /** Upper bound on tool-call turns per agent run. */
      maxTurns: z.number().int().min(1).max(1000).optional(),
    })
    .optional(),
  /** Extra context-rule files (workspace-relative) loaded into every agent, after the defaults. */
  rules: z.array(workspacePathSchema).max(100).optional(),
  /** MCP servers whose tools every agent session may call (mcp.ts). */
  mcpServers: mcpServersConfigSchema.optional(),
});
export type IterateConfig = z.infer<typeof iterateConfigSchema>;

/** One context rule an agent loads: its workspace-relative path and text. */
export const contextRuleSchema = z.object({ path: z.string(), content: z.string() });
export type ContextRule = z.infer<typeof contextRuleSchema>;

/**
 * `GET /platform/config` response: the validated config, the rules agents load, and each
 * configured MCP server with its status and tools (in config order).
 */
export const configResponseSchema = z.object({
  config: iterateConfigSchema,
  rules: z.array(contextRuleSchema),
  mcpServers: z.array(mcpServerStatusSchema),
});
export type ConfigResponse = z.infer<typeof configResponseSchema>;
