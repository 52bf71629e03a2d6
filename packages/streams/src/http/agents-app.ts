import { Hono } from "hono";
import { parseStreamName } from "../core/stream-names.ts";
import type { StreamStore } from "../core/stream-store.ts";
import {
  DEFAULT_LONG_POLL_MS,
  DEFAULT_MAX_APPEND_BYTES,
  DEFAULT_MAX_LIVE_REQUESTS,
  DEFAULT_MAX_READ_BYTES,
  DEFAULT_SSE_MAX_DURATION_MS,
  LIVE_SSE,
} from "../protocol.ts";
import { handleAppend } from "./append-route.ts";
import { handleCreate } from "./create-route.ts";
import { createCursorGenerator } from "./cursor.ts";
import { failureResponse } from "./failure-response.ts";
import { handleHead } from "./head-route.ts";
import { createLiveRegistry } from "./live-registry.ts";
import { parseReadRequest } from "./read-request.ts";
import { handleRead } from "./read-route.ts";
import { requestAccess } from "./request-access.ts";
import { PREFLIGHT_HEADERS } from "./response-headers.ts";
import { responseWriter } from "./response-writer.ts";
import { errorResponse, respond } from "./responses.ts";
import type { RouteContext } from "./route-context.ts";
import { handleSse } from "./sse-route.ts";

export interface AgentsAppOptions {
  store: StreamStore;
  /** Long-poll wait before 204 (and SSE keep-alive period); default 20 s. */
  longPollTimeoutMs?: number;
  /** SSE connections end after this long (§8.2); default 60 s. */
  sseMaxDurationMs?: number;
  /** Largest append / initial body; default 16 MiB. */
  maxAppendBytes?: number;
  /** Catch-up responses stop after this many bytes; default 1 MiB. */
  maxReadBytes?: number;
  /** Long-polls and SSE connections open at once (503 `limit_exceeded` beyond); default 1024. */
  maxLiveRequests?: number;
  /** Length of a cursor interval (§8.1); default 20 s. */
  cursorIntervalSeconds?: number;
  /** When aborted: long-polls answer at once, SSE streams send a last control event and end. */
  shutdownSignal?: AbortSignal;
  /**
   * Set when a middleware in front of this app reads every request body first
   * and hands the bytes on, as the daemon's `platformAuth` does to verify the
   * body hash: under `@hono/node-server` as `incoming.rawBody` (a Buffer, the
   * adapter's place for a body read before the app), else through Hono's body
   * cache (`c.req.arrayBuffer()`). The routes then take the body from there.
   * Otherwise (default) they read it straight from Node's request. Getting this
   * wrong fails loudly, never as an empty body.
   */
  bodyReadByMiddleware?: boolean;
}

/**
 * The Durable Streams protocol as a Hono sub-app. Mounted at `/agents`, the
 * path after `/agents/` is the stream name; `Stream-Forked-From` names are
 * relative to the same base (`/v1/stream/a` → stream `v1/stream/a`).
 * Unexpected errors propagate to the mounting app's `onError`.
 *
 * @example
 * app.route("/agents", createAgentsApp({ store: createMemoryStreamStore() }));
 * // PUT /agents/slack/T1/C1/1712.5 → 201; POST appends; GET ?offset=-1&live=sse tails
 */
export function createAgentsApp(options: AgentsAppOptions): Hono {
  const ctx: RouteContext = {
    store: options.store,
    longPollTimeoutMs: options.longPollTimeoutMs ?? DEFAULT_LONG_POLL_MS,
    sseMaxDurationMs: options.sseMaxDurationMs ?? DEFAULT_SSE_MAX_DURATION_MS,
    maxAppendBytes: options.maxAppendBytes ?? DEFAULT_MAX_APPEND_BYTES,
    maxReadBytes: options.maxReadBytes ?? DEFAULT_MAX_READ_BYTES,
    bodyReadByMiddleware: options.bodyReadByMiddleware ?? false,
    cursor: createCursorGenerator({ intervalSeconds: options.cursorIntervalSeconds }),
    live: createLiveRegistry({ max: options.maxLiveRequests ?? DEFAULT_MAX_LIVE_REQUESTS }),
  };
  options.shutdownSignal?.addEventListener("abort", () => ctx.live.shutdown(), { once: true });
  const access = { bodyReadByMiddleware: ctx.bodyReadByMiddleware };
  const app = new Hono();
  app.all("/:name{.+}", async (c) => {
    const method = c.req.method;
    if (method === "OPTIONS") return respond(204, PREFLIGHT_HEADERS);
    const name = parseStreamName(c.req.param("name"));
    if (name === null) return errorResponse(400, "bad_request", "invalid stream name");
    switch (method) {
      case "GET": {
        const parsed = parseReadRequest(c.req.url);
        if (parsed instanceof Response) return parsed;
        const handler = parsed.live === LIVE_SSE ? handleSse : handleRead;
        return handler(ctx, requestAccess(c, access), responseWriter(c), name, parsed);
      }
      case "HEAD":
        return handleHead(ctx, name);
      case "PUT":
        return handleCreate(ctx, requestAccess(c, access), name);
      case "POST":
        return handleAppend(ctx, requestAccess(c, access), responseWriter(c), name);
      case "DELETE": {
        const result = await ctx.store.delete(name);
        return result.ok ? respond(204, null) : failureResponse(result);
      }
      default:
        return errorResponse(405, "method_not_allowed", `${method} is not supported on streams`, {
          allow: "GET, HEAD, PUT, POST, DELETE, OPTIONS",
        });
    }
  });
  app.notFound(() => errorResponse(404, "not_found", "no such stream"));
  return app;
}
