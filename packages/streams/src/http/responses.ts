import { errorBody, type StreamErrorCode } from "./error-body.ts";
import { STATIC_HEADERS } from "./response-headers.ts";

/**
 * Every web `Response` of the sub-app is built here, so the static headers are
 * never forgotten (error responses included) and the node adapter's fast path
 * sees a plain header object.
 *
 * @example
 * return respond(204, { [STREAM_NEXT_OFFSET]: formatOffset(tail) });
 */
export function respond(
  status: number,
  headers: Record<string, string> | null,
  body: string | Uint8Array | ReadableStream<Uint8Array> | null = null,
): Response {
  // Node's Buffer/Uint8Array are valid bodies at runtime; the DOM typings only
  // admit ArrayBuffer-backed views.
  return new Response(body as BodyInit | null, {
    status,
    headers: headers ? { ...STATIC_HEADERS, ...headers } : STATIC_HEADERS,
  });
}

/** A JSON error response (`{"error":{"code","message"}}`). */
export function errorResponse(
  status: number,
  code: StreamErrorCode,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return respond(
    status,
    { "content-type": "application/json", ...headers },
    JSON.stringify(errorBody(code, message)),
  );
}

/** A 400 with `message`. */
export function badRequest(message: string): Response {
  return errorResponse(400, "bad_request", message);
}

/**
 * 503 for a live request past the bound of open ones (`maxLiveRequests`): retry shortly.
 *
 * @example const handle = ctx.live.open(watch); if (!handle) return tooManyLive(ctx.live.max);
 */
export function tooManyLive(max: number): Response {
  return errorResponse(
    503,
    "limit_exceeded",
    `${max} long-polls and SSE connections are open already; retry shortly`,
    { "retry-after": "1" },
  );
}
