import { errorBody } from "@iterate/contract";
import { type AgentsAppOptions, createAgentsApp } from "@iterate/streams";
import { Hono, type MiddlewareHandler } from "hono";
import type { AgentRuntime } from "./agent/agent-runtime.ts";
import { createAgentsApi } from "./agent/http/agents-api.ts";
import { createUiRoutes } from "./agent/http/ui-routes.ts";
import { daemonErrorHandler } from "./error-handler.ts";
import { createPlatformRoutes, type PlatformRoutesOptions } from "./platform/platform-routes.ts";
import { createSlackEdgeRoutes, type SlackEdgeOptions } from "./slack/slack-edge-routes.ts";
import { DAEMON_VERSION } from "./version.ts";

/** Options of {@link createDaemonApp}; each part is mounted only when given. */
export interface DaemonAppOptions {
  /**
   * Runs before every route except `GET /healthz` (so `/platform/*`, `/agents/*`, `/ui` and
   * unknown paths all sit behind it). The CLI passes `platformAuth({ secret, machineId })`.
   */
  auth?: MiddlewareHandler;
  /** The platform control routes, mounted at `/platform`. */
  platform?: PlatformRoutesOptions;
  /** Agent sessions as Durable Streams, mounted at `/agents` (behind `auth` when given). */
  agents?: AgentsAppOptions;
  /** Slack events forwarded by the platform, mounted at `/edge/slack` (behind `auth`). */
  slack?: SlackEdgeOptions;
  /** The machine's agents: `/agents-api/*` (sessions, web sessions, stop) and `/ui`, behind `auth`. */
  agentRuntime?: AgentRuntime;
}

/**
 * The daemon's HTTP surface. Sub-apps are mounted here and nowhere else:
 * `/healthz` is the only unauthenticated route.
 *
 * @example
 * const app = createDaemonApp({ auth: platformAuth({ secret, machineId }), platform });
 * await app.request("/healthz"); // 200 { ok: true, version }
 */
export function createDaemonApp(options: DaemonAppOptions = {}) {
  const app = new Hono();
  app.onError(daemonErrorHandler());
  app.notFound((c) =>
    c.json(errorBody("not_found", `No route for ${c.req.method} ${c.req.path}`), 404),
  );
  // Registered before `auth`: its handler answers without calling next, so auth never runs for it.
  app.get("/healthz", (c) => c.json({ ok: true, version: DAEMON_VERSION }));
  // Hono runs matched handlers in registration order: every route mounted below this line is
  // behind `auth`; anything mounted above it would be public.
  if (options.auth) app.use(options.auth);
  if (options.platform) app.route("/platform", createPlatformRoutes(options.platform));
  if (options.agents) {
    // platformAuth reads the body once (to check its hash) and hands it on (`incoming.rawBody`,
    // Hono's body cache): the streams app must take it from there, not the consumed Node stream.
    const bodyReadByMiddleware = options.auth !== undefined;
    app.route("/agents", createAgentsApp({ ...options.agents, bodyReadByMiddleware }));
  }
  if (options.slack) app.route("/edge/slack", createSlackEdgeRoutes(options.slack));
  if (options.agentRuntime) {
    app.route("/agents-api", createAgentsApi(options.agentRuntime));
    app.route("/ui", createUiRoutes(options.agentRuntime));
  }
  return app;
}
