import { z } from "zod";
import { ENV_VAR_NAME_PATTERN, envVarNameSchema } from "./env.ts";
import { workspacePathSchema } from "./workspace-path.ts";

/**
 * MCP servers in `iterate.config.json` (`mcpServers`): stdio servers the daemon starts in
 * `~/workspace`, or Streamable HTTP servers it connects to. Every tool they list is offered to
 * each agent session as `<server>__<tool>`.
 *
 * String values may reference the machine env as `${NAME}`: the repository holds the reference,
 * the daemon resolves it in memory when it starts or connects the server.
 *
 * @example
 * { "mcpServers": {
 *     "linear": { "url": "https://mcp.linear.app/mcp", "headers": { "Authorization": "Bearer ${LINEAR_TOKEN}" } },
 *     "files": { "command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "."] } } }
 */

/** Server names: letters, digits, `-` and single `_` (the `__` of tool names stays unambiguous). */
export const MCP_SERVER_NAME_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9-]|_(?=[A-Za-z0-9-]))*$/;
export const MCP_SERVER_NAME_MAX = 32;
/** Most servers one config may declare. */
export const MCP_SERVERS_MAX = 20;
/** A tool call's time-out when the server does not set `toolTimeoutSeconds`. */
export const MCP_DEFAULT_TOOL_TIMEOUT_SECONDS = 60;

/** `${NAME}` in a config value; NAME is an env var name. */
const REFERENCE = /\$\{([^}]*)\}/g;

/**
 * The env var names a value references, in order, each once.
 * @example envReferences("Bearer ${TOKEN}") // ["TOKEN"]
 */
export function envReferences(value: string): string[] {
  return [...new Set([...value.matchAll(REFERENCE)].map((m) => m[1] ?? ""))];
}

/**
 * `value` with every `${NAME}` replaced by `lookup(NAME)`; the names `lookup` has no value for
 * are returned in `missing` (and left as they were).
 * @example substituteEnvReferences("Bearer ${T}", (n) => env[n]) // { value: "Bearer s3cret", missing: [] }
 */
export function substituteEnvReferences(
  value: string,
  lookup: (name: string) => string | undefined,
): { value: string; missing: string[] } {
  const missing = new Set<string>();
  const resolved = value.replace(REFERENCE, (whole, name: string) => {
    const found = lookup(name);
    if (found === undefined) missing.add(name);
    return found ?? whole;
  });
  return { value: resolved, missing: [...missing] };
}

/** A config string that may hold `${NAME}` references; each must name a valid env var. */
const referencing = (max: number, min = 0) =>
  z
    .string()
    .min(min)
    .max(max)
    .superRefine((value, ctx) => {
      for (const name of envReferences(value)) {
        if (!ENV_VAR_NAME_PATTERN.test(name)) {
          ctx.addIssue({
            code: "custom",
            message: `\${${name}} is not a valid env var reference (use \${NAME}: letters, digits and _)`,
          });
        }
      }
    });

const toolTimeoutSeconds = z.number().int().min(1).max(3600).optional();

/** A stdio server: a command started in the workspace (or `cwd` inside it). */
export const mcpStdioServerSchema = z.strictObject({
  command: referencing(1024, 1),
  args: z.array(referencing(4096)).max(100).optional(),
  /** Added to the machine env the process gets. */
  env: z.record(envVarNameSchema, referencing(32768)).optional(),
  cwd: workspacePathSchema.optional(),
  toolTimeoutSeconds,
});

/** A Streamable HTTP server, connected with these headers. */
export const mcpHttpServerSchema = z.strictObject({
  url: referencing(2048).refine(
    (url) => /^https?:\/\//i.test(url),
    "must be an http:// or https:// URL",
  ),
  headers: z
    .record(
      z
        .string()
        .min(1)
        .max(256)
        .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, "must be an HTTP header name"),
      referencing(8192),
    )
    .optional(),
  toolTimeoutSeconds,
});

export type McpStdioServerConfig = z.infer<typeof mcpStdioServerSchema>;
export type McpHttpServerConfig = z.infer<typeof mcpHttpServerSchema>;
export type McpServerConfig = McpStdioServerConfig | McpHttpServerConfig;

/**
 * One server entry: `url` makes it HTTP, anything else is read as stdio. Picked by key instead
 * of a plain union so an error names the field that is wrong ("args: expected array"), not
 * "Invalid input".
 */
export const mcpServerConfigSchema = z.unknown().transform((value, ctx): McpServerConfig => {
  const isHttp = typeof value === "object" && value !== null && "url" in value;
  const result = (isHttp ? mcpHttpServerSchema : mcpStdioServerSchema).safeParse(value);
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    ctx.addIssue({ code: "custom", message: issue.message, path: issue.path });
  }
  return z.NEVER;
});

/** `mcpServers`: name → server. */
export const mcpServersConfigSchema = z
  .record(
    z
      .string()
      .min(1)
      .max(MCP_SERVER_NAME_MAX)
      .regex(
        MCP_SERVER_NAME_PATTERN,
        "server names use letters, digits, - and single _ (at most 32)",
      ),
    mcpServerConfigSchema,
  )
  .refine((servers) => Object.keys(servers).length <= MCP_SERVERS_MAX, {
    message: `at most ${MCP_SERVERS_MAX} MCP servers`,
  });

/** True for an HTTP server entry. */
export function isMcpHttpServer(config: McpServerConfig): config is McpHttpServerConfig {
  return "url" in config;
}

/**
 * Where a server is in its life on the machine:
 * `stopped` (not started yet — servers start when a session needs them — or idle),
 * `starting`, `ready` (connected, tools listed), `failed` (with the error; a crashed server is
 * restarted with backoff while sessions use it).
 */
export const MCP_SERVER_STATES = ["stopped", "starting", "ready", "failed"] as const;
export type McpServerState = (typeof MCP_SERVER_STATES)[number];

/** One tool of a server, as offered to the model. */
export const mcpToolInfoSchema = z.object({
  /** The name the model calls: `<server>__<tool>`. */
  name: z.string(),
  /** The server's own name for it. */
  tool: z.string(),
  description: z.string(),
});
export type McpToolInfo = z.infer<typeof mcpToolInfoSchema>;

/** A configured server as `GET /platform/config` reports it. No resolved value ever appears. */
export const mcpServerStatusSchema = z.object({
  name: z.string(),
  transport: z.enum(["stdio", "http"]),
  /** The command line or URL as configured (references unresolved). */
  target: z.string(),
  state: z.enum(MCP_SERVER_STATES),
  /** The latest failure in words, e.g. "exited with code 1: Error: no API key". */
  error: z.string().nullable(),
  /** Restarts after crashes since the daemon started (or the server's config last changed). */
  restarts: z.number().int(),
  /** When a failed server is tried again (ISO 8601), if it is. */
  retryAt: z.string().nullable(),
  tools: z.array(mcpToolInfoSchema),
});
export type McpServerStatus = z.infer<typeof mcpServerStatusSchema>;
