import type { CursorGenerator } from "./cursor.ts";
import { errorResponse } from "./http-responses.ts";
import type { StreamStore } from "./stream-store.ts";

/** What every `/agents` route handler needs, resolved once per app. */
export interface RouteContext {
  store: StreamStore;
  longPollTimeoutMs: number;
  sseMaxDurationMs: number;
  maxAppendBytes: number;
  maxReadBytes: number;
  cursor: CursorGenerator;
  live: LiveRegistry;
}

/** Reason given to live requests' abort signals when the daemon shuts down. */
export const SHUTDOWN = "shutdown";

/** Tracks long-polls and SSE connections so shutdown can end them promptly. */
export interface LiveRegistry {
  /**
   * A signal that aborts when the client goes away, the daemon shuts down
   * (reason `SHUTDOWN`) or the handler calls `close()` (reason `"done"`).
   */
  open(requestSignal: AbortSignal | undefined): { signal: AbortSignal; close(): void };
}

/**
 * @example
 * const live = createLiveRegistry(shutdown.signal);
 * const handle = live.open(c.req.raw.signal); // ... handle.close()
 */
export function createLiveRegistry(shutdownSignal: AbortSignal | undefined): LiveRegistry {
  const active = new Set<AbortController>();
  shutdownSignal?.addEventListener("abort", () => {
    for (const controller of active) controller.abort(SHUTDOWN);
  });
  return {
    open(requestSignal) {
      const controller = new AbortController();
      if (shutdownSignal?.aborted) controller.abort(SHUTDOWN);
      const onClientGone = () => controller.abort("client");
      requestSignal?.addEventListener("abort", onClientGone, { once: true });
      active.add(controller);
      return {
        signal: controller.signal,
        close() {
          active.delete(controller);
          requestSignal?.removeEventListener("abort", onClientGone);
          controller.abort("done");
        },
      };
    },
  };
}

/** Reads a request body up to `max` bytes; a Response (413) when larger. */
export async function readBody(request: Request, max: number): Promise<Buffer | Response> {
  const declared = Number(request.headers.get("content-length") ?? 0);
  if (declared > max) return tooLarge(max);
  const body = Buffer.from(await request.arrayBuffer());
  return body.length > max ? tooLarge(max) : body;
}

function tooLarge(max: number): Response {
  return errorResponse(413, "payload_too_large", `body exceeds ${max} bytes`);
}
