import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { type Http2Bindings, type HttpBindings, serve } from "@hono/node-server";
import { RETIRE_GRACE_MS } from "@iterate/contract";
import {
  createFileStreamStore,
  DEFAULT_LONG_POLL_MS,
  DEFAULT_SSE_MAX_DURATION_MS,
  type StreamStore,
} from "@iterate/streams";
import type { MiddlewareHandler } from "hono";
import type { AgentRuntime } from "./agent/agent-runtime.ts";
import { createDaemonApp } from "./app.ts";
import type { PlatformRoutesOptions } from "./platform/platform-routes.ts";
import type { SlackEventHandler } from "./slack/slack-edge-routes.ts";
import { createSlackEventLog } from "./slack/slack-event-log.ts";

/** What a run stopped by `POST /platform/retire` says in its thread. */
export const RETIRED = "This machine is being rebuilt; ask again once the new one is ready.";

/** `debug` adds one log line per request; `info` is the default. */
export type LogLevel = "debug" | "info" | "warn" | "error";

export interface StartDaemonOptions {
  /** The daemon's HOME; streams live in `<home>/.iterate/streams`. */
  home: string;
  /** TCP port; 0 picks a free one. */
  port: number;
  hostname?: string;
  /** Long-poll wait before 204 (`ITERATE_LONG_POLL_MS`). */
  longPollTimeoutMs?: number;
  /** How long one SSE connection lasts before the client reconnects (`ITERATE_SSE_MAX_MS`). */
  sseMaxDurationMs?: number;
  logLevel?: LogLevel;
  /** fsync appends before acknowledging them (default true). */
  fsync?: boolean;
  /** Serve this store instead of the file store under `home` (tests, benchmarks). */
  store?: StreamStore;
  /** Passed to `createDaemonApp`: the platform's signed-request check, if any. */
  auth?: MiddlewareHandler;
  /** Passed to `createDaemonApp`: the `/platform/*` routes, if any. */
  platform?: PlatformRoutesOptions;
  /** Runs for each Slack event recorded by `POST /edge/slack` (default: nothing). */
  onSlackEvent?: SlackEventHandler;
  /**
   * Builds the machine's agents over the opened store: they take the Slack events (unless
   * `onSlackEvent` is given), serve `/agents-api` and `/ui`, and are closed before the store.
   */
  createAgents?: (store: StreamStore) => AgentRuntime;
  log?: (line: string) => void;
}

export interface RunningDaemon {
  url: string;
  port: number;
  store: StreamStore;
  /** The agents built by `createAgents`, if any. */
  agents: AgentRuntime | null;
  /**
   * Stops accepting connections, ends long-polls and SSE streams (SSE with a
   * final control event), waits for in-flight requests (appends get their
   * durable acknowledgement), then closes the store.
   */
  shutdown(options?: { graceMs?: number }): Promise<void>;
}

/**
 * Daemon settings from its env (ARCHITECTURE "Daemon routes"): `PORT` (default
 * 3000), `HOST` (default 0.0.0.0 — a sandbox is reached from outside; local-sandbox sets
 * 127.0.0.1 so a developer's machines are not on their LAN), `ITERATE_LONG_POLL_MS` (default
 * 20000), `ITERATE_SSE_MAX_MS` (how long an SSE connection lasts, default 60000; tests that
 * watch a reconnect shorten it), `LOG_LEVEL` (default info).
 *
 * @example
 * const settings = daemonSettingsFromEnv(process.env); // { port: 3000, hostname: "0.0.0.0", longPollTimeoutMs: 20000, sseMaxDurationMs: 60000, logLevel: "info" }
 */
export function daemonSettingsFromEnv(env: Record<string, string | undefined>): {
  port: number;
  hostname: string;
  longPollTimeoutMs: number;
  sseMaxDurationMs: number;
  logLevel: LogLevel;
} {
  const port = Number(env.PORT ?? 3000);
  const hostname = env.HOST || "0.0.0.0";
  const longPollTimeoutMs = positiveMs(env, "ITERATE_LONG_POLL_MS", DEFAULT_LONG_POLL_MS);
  const sseMaxDurationMs = positiveMs(env, "ITERATE_SSE_MAX_MS", DEFAULT_SSE_MAX_DURATION_MS);
  const level = (env.LOG_LEVEL ?? "info").toLowerCase();
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`PORT is not a port: ${env.PORT}`);
  if (level !== "debug" && level !== "info" && level !== "warn" && level !== "error") {
    throw new Error(`LOG_LEVEL must be debug, info, warn or error: ${env.LOG_LEVEL}`);
  }
  return { port, hostname, longPollTimeoutMs, sseMaxDurationMs, logLevel: level };
}

/** A duration in ms from `env[name]` (default `fallback`); throws naming the variable if not > 0. */
function positiveMs(env: Record<string, string | undefined>, name: string, fallback: number) {
  const value = Number(env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`${name} is not a positive number: ${env[name]}`);
  }
  return value;
}

/**
 * Opens the durable stream store under HOME, builds the daemon app and listens.
 * The CLI wraps this with credentials and the platform ping.
 *
 * @example
 * const daemon = await startDaemon({ home: os.homedir(), port: 3000 });
 * process.once("SIGTERM", () => daemon.shutdown().then(() => process.exit(0)));
 */
export async function startDaemon(options: StartDaemonOptions): Promise<RunningDaemon> {
  const log = options.log ?? ((line: string) => console.log(line));
  const store =
    options.store ??
    (await createFileStreamStore({
      dir: join(options.home, ".iterate", "streams"),
      fsync: options.fsync,
    }));
  const stopping = new AbortController();
  const agents = options.createAgents?.(store) ?? null;
  // Retired (the platform archives this machine next): its sandbox and streams go, so Slack
  // events wait in the platform's outbox for the next machine instead of being recorded here.
  let retired = false;
  const handoffs = new Set<Promise<void>>();
  const retire = async () => {
    retired = true;
    // Events handed to the agent just before are refused and told in their thread meanwhile
    // (close bounds its own wait by the same grace).
    const handed = Promise.race([
      Promise.allSettled([...handoffs]),
      new Promise((resolve) => setTimeout(resolve, RETIRE_GRACE_MS).unref()),
    ]);
    const closed = agents?.close({ graceMs: RETIRE_GRACE_MS, reason: RETIRED, final: true }) ?? 0;
    const [interrupted] = await Promise.all([closed, handed]);
    return { ok: true, interrupted };
  };
  const app = createDaemonApp({
    auth: options.auth,
    platform: options.platform && { ...options.platform, retire },
    agents: {
      store,
      longPollTimeoutMs: options.longPollTimeoutMs,
      sseMaxDurationMs: options.sseMaxDurationMs,
      shutdownSignal: stopping.signal,
    },
    slack: {
      events: createSlackEventLog({ store }),
      onSlackEvent: options.onSlackEvent ?? agents?.handleSlackEvent,
      accepting: () => !retired,
      handoffs,
      log,
    },
    agentRuntime: agents ?? undefined,
  });
  const debug = options.logLevel === "debug";
  let inFlight = 0;
  let drained: (() => void) | null = null;
  const server = serve({
    fetch: async (request: Request, env: HttpBindings | Http2Bindings) => {
      // Counted until the response is fully sent (SSE bodies included), so
      // shutdown can wait for in-flight appends and final SSE events.
      inFlight++;
      const started = debug ? performance.now() : 0;
      env.outgoing.once("close", () => {
        // Logged when the response is done, with the status Node actually sent
        // (some routes write their response directly).
        if (debug) {
          const path = new URL(request.url).pathname;
          const ms = (performance.now() - started).toFixed(1);
          log(`${request.method} ${path} ${env.outgoing.statusCode} ${ms}ms`);
        }
        if (--inFlight === 0) drained?.();
      });
      return app.fetch(request, env);
    },
    port: options.port,
    hostname: options.hostname ?? "0.0.0.0",
  });
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    store,
    agents,
    async shutdown({ graceMs = 10_000 } = {}) {
      stopping.abort();
      // Running agents stop now and record their end while the store is still open.
      const agentsClosed = agents?.close({ graceMs: Math.min(graceMs, 5000) });
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      if (inFlight > 0) {
        await Promise.race([
          new Promise<void>((resolve) => {
            drained = resolve;
          }),
          new Promise((resolve) => setTimeout(resolve, graceMs).unref()),
        ]);
      }
      if ("closeAllConnections" in server) server.closeAllConnections();
      await closed;
      await agentsClosed;
      await store.close();
    },
  };
}
