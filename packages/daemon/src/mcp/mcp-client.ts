/**
 * The SDK side of one MCP server: its client and transport as the spec says, the paged tool
 * list, and how the SDK's errors read. The SDK is imported on first use, so a daemon without
 * any server never loads it. The lifecycle around it is mcp-connection.ts.
 */
import { realpath } from "node:fs/promises";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { DAEMON_VERSION } from "../version.ts";
import { mcpFetch } from "./mcp-fetch.ts";
import type { McpServerSpec } from "./server-spec.ts";
import type { StderrTail } from "./stderr-tail.ts";

/** Most tools taken from one server (its `tools/list` pages are read up to this). */
export const MAX_TOOLS_PER_SERVER = 200;

export async function openClient(hooks: { onToolsChanged(tools: Tool[]): void }): Promise<Client> {
  const { Client } = await import("@modelcontextprotocol/sdk/client/index.js");
  return new Client(
    { name: "iterate-daemon", version: DAEMON_VERSION },
    {
      listChanged: {
        tools: {
          debounceMs: 50,
          onChanged: (error, listed) => {
            if (!error && listed) hooks.onToolsChanged(listed);
          },
        },
      },
    },
  );
}

export async function transportFor(spec: McpServerSpec, stderr: StderrTail | null) {
  const { launch } = spec;
  if (launch.kind === "http") {
    const { StreamableHTTPClientTransport } = await import(
      "@modelcontextprotocol/sdk/client/streamableHttp.js"
    );
    return new StreamableHTTPClientTransport(launch.url, {
      requestInit: { headers: launch.headers },
      fetch: mcpFetch(),
    });
  }
  // `cwd` is workspace-relative by schema; a symlink on the way must not lead out of it.
  const [root, cwd] = await Promise.all([
    realpath(launch.workspaceDir),
    realpath(launch.cwd).catch(() => {
      throw new Error(`cwd ${launch.cwd} does not exist`);
    }),
  ]);
  if (cwd !== root && !cwd.startsWith(`${root}/`)) {
    throw new Error("cwd leads out of the workspace (through a symlink)");
  }
  const { StdioClientTransport } = await import("@modelcontextprotocol/sdk/client/stdio.js");
  const transport = new StdioClientTransport({
    command: launch.command,
    args: launch.args,
    env: launch.env,
    cwd,
    stderr: "pipe",
  });
  stderr?.attach(transport.stderr);
  return transport;
}

export async function listAllTools(client: Client, timeoutMs: number): Promise<Tool[]> {
  const tools: Tool[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.listTools(cursor ? { cursor } : undefined, { timeout: timeoutMs });
    tools.push(...page.tools);
    cursor = page.nextCursor;
  } while (cursor && tools.length < MAX_TOOLS_PER_SERVER);
  return tools.slice(0, MAX_TOOLS_PER_SERVER);
}

export function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

export function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const { code, cause } = (error ?? {}) as { code?: unknown; cause?: { code?: string } };
  // The SDK's StreamableHTTPError carries the HTTP status as `code`.
  if (typeof code === "number" && code >= 100 && code <= 599) return `${message} (HTTP ${code})`;
  return cause?.code ? `${message} (${cause.code})` : message;
}

export function isTimeout(error: unknown): boolean {
  return (error as { code?: number })?.code === -32001; // ErrorCode.RequestTimeout
}

/** fetch's own failure (a TypeError, "fetch failed"), or a socket error anywhere in its causes. */
export function isNetworkError(error: unknown): boolean {
  for (let at = error, depth = 0; at && depth < 5; depth++) {
    if (at instanceof TypeError) return true;
    const { code, cause } = at as { code?: unknown; cause?: unknown };
    if (typeof code === "string" && NETWORK_CODES.has(code)) return true;
    at = cause;
  }
  return false;
}

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "UND_ERR_SOCKET",
]);
