import type { McpServerState, McpServerStatus } from "@iterate/contract";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { CallToolResult, Tool } from "@modelcontextprotocol/sdk/types.js";
import {
  describeError,
  isNetworkError,
  isTimeout,
  listAllTools,
  MAX_TOOLS_PER_SERVER,
  openClient,
  transportFor,
  withTimeout,
} from "./mcp-client.ts";
import { scrubTools } from "./mcp-scrub.ts";
import { MAX_DESCRIPTION } from "./mcp-tools.ts";
import type { McpServerSpec } from "./server-spec.ts";
import { stderrTail } from "./stderr-tail.ts";

/** Longest error text kept (status, log, session stream, system prompt); cut after scrubbing. */
const MAX_ERROR_CHARS = 1000;
/** A server that stayed up this long has its restart backoff reset. */
const STABLE_AFTER_MS = 60_000;

/** Timings of {@link createMcpConnection}; tests shorten them. */
export interface McpTimings {
  /** How long `initialize` and the first `tools/list` may take. Default 30 s. */
  startTimeoutMs?: number;
  /** First restart delay after a crash or failed start; doubles up to `maxBackoffMs`. Default 1 s. */
  backoffMs?: number;
  /** Default 60 s. */
  maxBackoffMs?: number;
}

/** One configured MCP server on this machine: started on demand, restarted when it crashes. */
export interface McpConnection {
  readonly spec: McpServerSpec;
  status(): McpServerStatus;
  /** The server's tools as last listed (empty unless `ready`). */
  tools(): Tool[];
  /**
   * Starts (or connects) the server unless it is ready or waiting to be retried; settles once
   * it is `ready` or `failed`. Never rejects: a failure is the status's `error`.
   */
  ensure(): Promise<void>;
  /** Calls one of its tools within the spec's time-out; throws an Error in words on failure. */
  call(tool: string, args: Record<string, unknown>, signal?: AbortSignal): Promise<CallToolResult>;
  /** Stops the server (the process ends, the HTTP session closes) and any pending restart. */
  stop(): Promise<void>;
}

/** Options of {@link createMcpConnection}. */
export interface McpConnectionOptions extends McpTimings {
  spec: McpServerSpec;
  log: (line: string) => void;
  /** The tool list changed (listed anew, or `notifications/tools/list_changed`). */
  onToolsChanged?: () => void;
  now?: () => number;
}

/**
 * Runs one MCP server with the SDK's client over stdio or Streamable HTTP.
 *
 * Lifecycle: `stopped` → `starting` → `ready`; a failed start or a crash (the process exits, the
 * HTTP server stops answering) → `failed`, and a restart after a backoff (1 s, 2 s, 4 s … 60 s,
 * reset once it has stayed up a minute) until `stop()`. Calls made while it is down fail at once
 * with the reason, so the model can say so instead of waiting.
 *
 * @example
 * const c = createMcpConnection({ spec, log });
 * await c.ensure(); // c.status().state === "ready"
 * const result = await c.call("search", { q: "x" });
 */
export function createMcpConnection(options: McpConnectionOptions): McpConnection {
  const { spec, log } = options;
  const now = options.now ?? Date.now;
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  const backoffMs = options.backoffMs ?? 1000;
  const maxBackoffMs = options.maxBackoffMs ?? 60_000;

  let state: McpServerState = "stopped";
  let error: string | null = null;
  let tools: Tool[] = [];
  let client: Client | null = null;
  let starting: Promise<void> | null = null;
  let stopped = false;
  let failures = 0;
  let restarts = 0;
  let readySince = 0;
  let retryTimer: NodeJS.Timeout | undefined;
  let retryAt: number | null = null;
  /** The transport of a start in progress: `stop()` closes it rather than wait the start out. */
  let pending: Transport | null = null;

  const say = (line: string) => log(`mcp: ${spec.name}: ${spec.scrub(line)}`);

  function fail(reason: string) {
    state = "failed";
    error = shorten(spec.scrub(reason));
    tools = [];
    options.onToolsChanged?.();
    if (readySince && now() - readySince >= STABLE_AFTER_MS) failures = 0;
    readySince = 0;
    failures++;
    if (stopped) return;
    const delay = Math.min(backoffMs * 2 ** (failures - 1), maxBackoffMs);
    retryAt = now() + delay;
    say(`${error}; trying again in ${Math.round(delay / 100) / 10} s`);
    clearTimeout(retryTimer);
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      retryAt = null;
      restarts++;
      void start();
    }, delay);
    retryTimer.unref();
  }

  function start(): Promise<void> {
    stopped = false;
    starting ??= connect().finally(() => {
      starting = null;
    });
    return starting;
  }

  async function connect(): Promise<void> {
    // `error` stays: the latest failure is still worth reading once the server is back.
    state = "starting";
    const stderr = spec.launch.kind === "stdio" ? stderrTail(spec.scrub) : null;
    let next: Client | null = null;
    let transport: Transport | null = null;
    try {
      transport = await transportFor(spec, stderr);
      pending = transport;
      next = await openClient({
        onToolsChanged: (listed) => {
          if (client !== next) return;
          tools = scrubTools(listed.slice(0, MAX_TOOLS_PER_SERVER), spec.scrub, MAX_DESCRIPTION);
          say(`tool list changed: ${tools.length} tools`);
          options.onToolsChanged?.();
        },
      });
      const opened = next;
      opened.onclose = () => {
        if (client !== opened) return;
        client = null;
        fail(`the server stopped unexpectedly${stderr?.describe() ?? ""}`);
      };
      const connecting = transport;
      await withTimeout(
        (async () => {
          await opened.connect(connecting, { timeout: startTimeoutMs });
          tools = scrubTools(
            await listAllTools(opened, startTimeoutMs),
            spec.scrub,
            MAX_DESCRIPTION,
          );
        })(),
        startTimeoutMs,
        `did not answer initialize and tools/list within ${Math.round(startTimeoutMs / 1000)} s`,
      );
      pending = null;
      if (stopped) {
        await opened.close().catch(() => {});
        return;
      }
      client = opened;
      state = "ready";
      readySince = now();
      say(`ready with ${tools.length} tools`);
      options.onToolsChanged?.();
    } catch (cause) {
      pending = null;
      // The transport too: a time-out can fire before the client owns it, and its process
      // must not outlive the attempt.
      await Promise.all([transport?.close().catch(() => {}), next?.close().catch(() => {})]);
      next = null;
      if (stopped) return;
      fail(`could not start: ${describeError(cause)}${stderr?.describe() ?? ""}`);
    }
  }

  return {
    spec,
    status: () => ({
      name: spec.name,
      transport: spec.transport,
      target: spec.target,
      state,
      error,
      restarts,
      retryAt: retryAt === null ? null : new Date(retryAt).toISOString(),
      tools: [],
    }),
    tools: () => (state === "ready" ? tools : []),
    async ensure() {
      if (state === "ready") return;
      if (starting) return starting;
      // Failed and waiting for its backoff: report that instead of hammering a broken server.
      if (state === "failed" && retryTimer && !stopped) return;
      return start();
    },
    async call(tool, args, signal) {
      if (starting) await starting;
      const current = client;
      if (state !== "ready" || !current) {
        throw new Error(`The MCP server ${spec.name} is not available: ${error ?? state}.`);
      }
      try {
        return (await current.callTool({ name: tool, arguments: args }, undefined, {
          signal,
          timeout: spec.toolTimeoutMs,
        })) as CallToolResult;
      } catch (cause) {
        if (isTimeout(cause)) {
          throw new Error(
            `The MCP tool ${tool} of ${spec.name} did not answer within ${Math.round(spec.toolTimeoutMs / 1000)} s.`,
          );
        }
        // A Streamable HTTP server that went away shows as failing requests, not a close.
        if (spec.transport === "http" && isNetworkError(cause) && client === current) {
          client = null;
          await current.close().catch(() => {});
          fail(`the server stopped answering: ${describeError(cause)}`);
        }
        throw new Error(
          shorten(spec.scrub(`The MCP server ${spec.name}: ${describeError(cause)}`)),
        );
      }
    },
    async stop() {
      stopped = true;
      clearTimeout(retryTimer);
      retryTimer = undefined;
      retryAt = null;
      const current = client;
      client = null;
      await pending?.close().catch(() => {});
      await starting?.catch(() => {});
      state = "stopped";
      tools = [];
      await current?.close().catch(() => {});
    },
  };
}

/** `text` cut to {@link MAX_ERROR_CHARS} (a server's error body can be megabytes). */
function shorten(text: string): string {
  return text.length <= MAX_ERROR_CHARS ? text : `${text.slice(0, MAX_ERROR_CHARS - 1)}…`;
}
