import { Hono } from "hono";
import { handleAppend } from "./append-route.ts";
import { handleCreate } from "./create-route.ts";
import { createCursorGenerator } from "./cursor.ts";
import { errorResponse, failureResponse, PREFLIGHT_HEADERS, respond } from "./http-responses.ts";
import {
  DEFAULT_LONG_POLL_MS,
  DEFAULT_MAX_APPEND_BYTES,
  DEFAULT_MAX_READ_BYTES,
  DEFAULT_SSE_MAX_DURATION_MS,
} from "./protocol.ts";
import { handleHead, handleRead } from "./read-route.ts";
import { requestAccess } from "./request-access.ts";
import { createLiveRegistry, type RouteContext } from "./route-context.ts";
import { parseStreamName } from "./stream-names.ts";
import type { StreamStore } from "./stream-store.ts";

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
  /** Length of a cursor interval (§8.1); default 20 s. */
  cursorIntervalSeconds?: number;
  /** When aborted: long-polls answer at once, SSE streams send a last control event and end. */
  shutdownSignal?: AbortSignal;
}

/**
 * The Durable Streams protocol as a Hono sub-app. Mounted at `/agents`, the
 * path after `/agents/` is the stream name; `Stream-Forked-From` names are
 * relative to the same base (`/v1/stream/a` → stream `v1/stream/a`).
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
    cursor: createCursorGenerator({ intervalSeconds: options.cursorIntervalSeconds }),
    live: createLiveRegistry(),
  };
  options.shutdownSignal?.addEventListener("abort", () => ctx.live.shutdown(), { once: true });
  const app = new Hono();
  app.all("/:name{.+}", async (c) => {
    const method = c.req.method;
    if (method === "OPTIONS") return respond(204, PREFLIGHT_HEADERS);
    const name = parseStreamName(c.req.param("name"));
    if (name === null) return errorResponse(400, "bad_request", "invalid stream name");
    const request = requestAccess(c);
    switch (method) {
      case "GET":
        return handleRead(ctx, request, name);
      case "HEAD":
        return handleHead(ctx, name);
      case "PUT":
        return handleCreate(ctx, request, name);
      case "POST":
        return handleAppend(ctx, request, name);
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
  // Unexpected errors reach the daemon app's single onError (error-handler.ts).
  return app;
}
