/**
 * The live view's SSE relay: the browser's EventSource reaches the platform (session cookie),
 * the platform opens the session's stream on the machine — signed `GET
 * /agents/<path>?offset=<offset>&live=sse` through `fetchForInstance` — and hands the daemon's
 * event stream through as it arrives. Nothing is buffered or re-encoded: each `data` event (a
 * JSON array of session items) and `control` event (`streamNextOffset`, `upToDate`) reaches the
 * browser when the daemon writes it, and the browser reconnects from the last
 * `streamNextOffset` when the connection ends (the daemon ends SSE connections after a minute).
 */
import { AppError } from "@iterate/contract";
import type { Bindings } from "../app-env.ts";
import { fetchForInstance } from "../machines/fetch-for-instance.ts";

/** Response headers of the relay: an event stream that no proxy may cache or buffer. */
export const RELAY_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-store",
  // nginx and similar proxies buffer responses unless told not to.
  "x-accel-buffering": "no",
} as const;

/**
 * Opens the session's stream on the instance's machine and returns the daemon's event stream
 * as the response body. `path` and `offset` must already be validated (session-path.ts).
 *
 * @example return relaySessionStream(c.env, instanceId, "web/ses_1", "-1", c.req.raw.signal);
 */
export async function relaySessionStream(
  env: Bindings,
  instanceId: string,
  path: string,
  offset: string,
  signal?: AbortSignal,
): Promise<Response> {
  const machine = fetchForInstance(env, instanceId);
  let upstream: Response;
  try {
    upstream = await machine(`/agents/${path}?offset=${offset}&live=sse`, {
      headers: { accept: "text/event-stream" },
      signal,
    });
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError("upstream_error", "The machine could not be reached.", 502);
  }
  if (upstream.status === 404) {
    await upstream.body?.cancel();
    throw new AppError("not_found", "No such session.");
  }
  const type = upstream.headers.get("content-type") ?? "";
  if (upstream.status !== 200 || !upstream.body || !type.startsWith("text/event-stream")) {
    await upstream.body?.cancel();
    throw new AppError("upstream_error", `The machine answered ${upstream.status}.`, 502);
  }
  return new Response(upstream.body, { status: 200, headers: RELAY_HEADERS });
}
