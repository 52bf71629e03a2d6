import { createHash } from "node:crypto";
import { join } from "node:path";
import {
  isMcpHttpServer,
  MCP_DEFAULT_TOOL_TIMEOUT_SECONDS,
  type McpServerConfig,
  onPlatformOrigin,
  substituteEnvReferences,
} from "@iterate/contract";

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
  const secrets = new Map<string, string>();
  // Whatever env an error could quote: a stdio server gets the whole machine env, and a crash
  // dump or a config printout of it must not show any value (the machine token above all).
  for (const [ref, secret] of Object.entries(env)) {
    if (!NOT_SECRET.has(ref)) secrets.set(secret, `\${${ref}}`);
  }
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
  // Every env value (bar the few that are no secret) is scrubbed, referenced here or not.
  const scrub = scrubber(secrets);
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

/**
 * Env names whose values are not secrets and appear in ordinary messages (paths, the platform's
 * URLs and ids): left as they are.
 */
const NOT_SECRET = new Set([
  "PATH",
  "HOME",
  "PWD",
  "OLDPWD",
  "SHELL",
  "USER",
  "LOGNAME",
  "TERM",
  "LANG",
  "LC_ALL",
  "TZ",
  "TMPDIR",
  "HOSTNAME",
  "SHLVL",
  "_",
  "ITERATE_WORKSPACE",
  "ITERATE_PLATFORM_URL",
  "ITERATE_INSTANCE_ID",
  "ITERATE_MACHINE_ID",
  "OPENAI_BASE_URL",
  "SLACK_API_URL",
]);

/** Shortest secret (or secret line) scrubbed; shorter ones would mangle ordinary words. */
const MIN_SECRET = 4;
/** Lines of a multi-line secret (a PEM key) this long are scrubbed on their own too. */
const MIN_SECRET_LINE = 8;

/**
 * A secret as errors quote it: as is, JSON-escaped (a server echoing its request), percent-
 * encoded (a URL in fetch's errors: userinfo, path, query, form), base64. And each line of a
 * multi-line secret on its own, since a tail cut through one keeps only some of its lines.
 */
function secretForms(secret: string): string[] {
  const forms = new Set([secret]);
  const add = (form: () => string) => {
    try {
      forms.add(form());
    } catch {
      // A lone surrogate, say: encodeURIComponent throws, and no error can hold that form.
    }
  };
  add(() => JSON.stringify(secret).slice(1, -1));
  add(() => encodeURIComponent(secret));
  add(() => encodeURI(secret));
  add(() => new URLSearchParams({ v: secret }).toString().slice(2));
  add(() => {
    const url = new URL("http://h/");
    url.password = secret;
    return url.password;
  });
  add(() => new URL(`http://h/${secret}`).pathname.slice(1));
  add(() => new URL(`http://h/?${secret}`).search.slice(1));
  add(() => Buffer.from(secret).toString("base64"));
  add(() => Buffer.from(secret).toString("base64url"));
  if (secret.includes("\n")) {
    for (const line of secret.split(/\r?\n/)) {
      if (line.trim().length >= MIN_SECRET_LINE) forms.add(line.trim());
    }
  }
  return [...forms].filter((form) => form.length >= MIN_SECRET);
}

/** Replaces each secret (in each form an error could quote it) by its reference. */
function scrubber(secrets: Map<string, string>): (text: string) => string {
  // Built at the first error: a spec is resolved for every run, most never scrub anything.
  let pairs: Array<readonly [string, string]> | null = null;
  return (text) => {
    pairs ??= [...secrets]
      .flatMap(([secret, ref]) => secretForms(secret).map((form) => [form, ref] as const))
      .sort((a, b) => b[0].length - a[0].length);
    return pairs.reduce((out, [secret, ref]) => out.split(secret).join(ref), text);
  };
}
