import { createHash } from "node:crypto";
import { join } from "node:path";
import {
  isMcpHttpServer,
  MCP_DEFAULT_TOOL_TIMEOUT_SECONDS,
  type McpServerConfig,
  onPlatformOrigin,
  substituteEnvReferences,
} from "@iterate/contract";
import { envScrubber } from "../env/env-scrub.ts";

/** How to start or reach one server, with every `${NAME}` resolved. Held in memory only. */
export type McpLaunch =
  | {
      kind: "stdio";
      command: string;
      args: string[];
      /** The machine env plus the server's own `env`. */
      env: Record<string, string>;
      /** Absolute; inside the workspace (checked again, with symlinks resolved, at start). */
      cwd: string;
      workspaceDir: string;
    }
  | { kind: "http"; url: URL; headers: Record<string, string> };

/** A configured server, ready to start. */
export interface McpServerSpec {
  name: string;
  transport: "stdio" | "http";
  /** The command line or URL as configured: references unresolved, safe to show. */
  target: string;
  launch: McpLaunch;
  toolTimeoutMs: number;
  /** Changes whenever what would run changes: the config, or a value it resolves to. */
  fingerprint: string;
  /** Removes resolved secrets from a text (errors, stderr) before it is shown or logged. */
  scrub(text: string): string;
}

/** Options of {@link resolveMcpServer}. */
export interface ResolveContext {
  /** The machine env of the moment (`machineEnv.runEnv()`). */
  env: Readonly<Record<string, string>>;
  workspaceDir: string;
}

/**
 * Resolves one `mcpServers` entry against the machine env. A reference to a name the env lacks,
 * or an HTTP server that would be sent the machine token outside the platform, is an error in
 * words (the server is reported failed; the others go on).
 *
 * @example
 * const spec = resolveMcpServer("linear", { url: "https://mcp.linear.app/mcp", headers: { Authorization: "Bearer ${LINEAR_TOKEN}" } }, { env, workspaceDir });
 * if ("error" in spec) report(spec.error); else start(spec.launch);
 */
export function resolveMcpServer(
  name: string,
  config: McpServerConfig,
  context: ResolveContext,
): McpServerSpec | { error: string } {
  const { env } = context;
  // Own names only: `${constructor}` or `${toString}` must be missing, not Object's members.
  const lookup = (ref: string) => (Object.hasOwn(env, ref) ? env[ref] : undefined);
  const missing = new Set<string>();
  const resolve = (value: string) => {
    const result = substituteEnvReferences(value, lookup);
    for (const ref of result.missing) missing.add(ref);
    return result.value;
  };
  const toolTimeoutMs = (config.toolTimeoutSeconds ?? MCP_DEFAULT_TOOL_TIMEOUT_SECONDS) * 1000;

  let launch: McpLaunch;
  if (isMcpHttpServer(config)) {
    const url = resolve(config.url);
    const headers = Object.fromEntries(
      Object.entries(config.headers ?? {}).map(([header, value]) => [header, resolve(value)]),
    );
    if (missing.size > 0) return { error: missingError(missing) };
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return { error: `url: ${config.url} is not a URL once its references are filled in` };
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      return { error: "url: must be an http:// or https:// URL" };
    }
    // fetch refuses such a URL with an error quoting it, userinfo and all (percent-encoded).
    if (parsed.username || parsed.password) {
      return { error: "url: must not hold user:password@ (send credentials in headers)" };
    }
    const token = env.ITERATE_MACHINE_TOKEN;
    const carriesToken = token && [url, ...Object.values(headers)].some((v) => v.includes(token));
    if (carriesToken && !onPlatformOrigin(parsed.href, env.ITERATE_PLATFORM_URL)) {
      return {
        error: `would send the machine token to ${parsed.origin}; it is only ever sent to the platform`,
      };
    }
    launch = { kind: "http", url: parsed, headers };
  } else {
    const command = resolve(config.command);
    const args = (config.args ?? []).map(resolve);
    const own = Object.entries(config.env ?? {}).map(([key, value]) => [key, resolve(value)]);
    if (missing.size > 0) return { error: missingError(missing) };
    launch = {
      kind: "stdio",
      command,
      args,
      env: { ...withoutMachineToken(env), ...Object.fromEntries(own) },
      cwd: config.cwd ? join(context.workspaceDir, config.cwd) : context.workspaceDir,
      workspaceDir: context.workspaceDir,
    };
  }
  // Whatever env an error could quote: a stdio server gets the whole machine env, and a crash
  // dump or a config printout of it must not show any value (the machine token above all).
  const scrub = envScrubber(env);
  const fingerprint = createHash("sha256")
    .update(JSON.stringify({ launch, toolTimeoutMs }))
    .digest("base64url");
  return {
    name,
    transport: launch.kind,
    target: describeTarget(config),
    launch,
    toolTimeoutMs,
    fingerprint,
    scrub,
  };
}

/**
 * The machine env a stdio server starts with: all of it but the machine token (under its own
 * name, and as the default `OPENAI_API_KEY`). A server is often a third-party package
 * (`npx -y …`); one that needs the token names it in its `env` (`"${ITERATE_MACHINE_TOKEN}"`).
 */
function withoutMachineToken(env: Readonly<Record<string, string>>): Record<string, string> {
  const token = env.ITERATE_MACHINE_TOKEN;
  return Object.fromEntries(
    Object.entries(env).filter(
      ([name, value]) => name !== "ITERATE_MACHINE_TOKEN" && value !== token,
    ),
  );
}

/** The command line or URL of a server as configured (references unresolved). */
export function describeTarget(config: McpServerConfig): string {
  return isMcpHttpServer(config) ? config.url : [config.command, ...(config.args ?? [])].join(" ");
}

function missingError(names: Set<string>): string {
  const list = [...names].map((n) => `\${${n}}`).join(", ");
  return `${list} ${names.size === 1 ? "is" : "are"} not set in the instance env (add ${names.size === 1 ? "it" : "them"} on the dashboard's Env vars page)`;
}
