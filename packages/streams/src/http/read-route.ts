import { jsonArrayBody } from "../core/json-mode.ts";
import type { ReadResult } from "../core/stream-store.ts";
import {
  CACHE_IMMUTABLE_CHUNK,
  CACHE_NO_STORE,
  CACHE_REVALIDATE,
  STREAM_CLOSED,
  STREAM_CURSOR,
  STREAM_NEXT_OFFSET,
  STREAM_UP_TO_DATE,
} from "../protocol.ts";
import { failureResponse } from "./failure-response.ts";
import { formatOffset } from "./offsets.ts";
import type { ReadRequest } from "./read-request.ts";
import type { RequestAccess } from "./request-access.ts";
import type { ResponseWriter } from "./response-writer.ts";
import { respond, tooManyLive } from "./responses.ts";
import type { RouteContext } from "./route-context.ts";

type ReadOk = Extract<ReadResult, { ok: true }>;

/**
 * GET — catch-up (§5.5) and long-poll (§5.6) reads (`sse-route.ts` serves `live=sse`).
 *
 * @example
 * GET /agents/s?offset=0000000000000000_0000000000000005&live=long-poll
 */
export async function handleRead(
  ctx: RouteContext,
  request: RequestAccess,
  response: ResponseWriter,
  name: string,
  parsed: ReadRequest,
): Promise<Response> {
  let result = await ctx.store.read(name, { from: parsed.from, maxBytes: ctx.maxReadBytes });
  if (!result.ok) return failureResponse(result);
  if (parsed.live === undefined) {
    if (parsed.from === "now") return nowResponse(result);
    return dataResponse(request, response, parsed, result, undefined);
  }
  if (result.chunks.length > 0)
    return dataResponse(request, response, parsed, result, ctx.cursor(parsed.cursor));

  // Long-poll at the tail: park until data, closure, timeout or shutdown.
  if (!result.info.closed) {
    const handle = ctx.live.open(request.watchClient);
    if (!handle) return tooManyLive(ctx.live.max);
    let outcome: Awaited<ReturnType<typeof ctx.store.waitForData>>;
    try {
      outcome = await ctx.store.waitForData(name, result.end, {
        timeoutMs: ctx.longPollTimeoutMs,
        cancel: handle,
      });
    } finally {
      handle.close();
    }
    if (outcome === "gone") {
      const head = ctx.store.head(name);
      return failureResponse(head.ok ? { ok: false, reason: "not_found" } : head);
    }
    if (outcome === "data") {
      const next = await ctx.store.read(name, { from: result.end, maxBytes: ctx.maxReadBytes });
      if (!next.ok) return failureResponse(next);
      if (next.chunks.length > 0)
        return dataResponse(request, response, parsed, next, ctx.cursor(parsed.cursor));
      result = next;
    }
  }
  const out: Record<string, string> = {
    [STREAM_NEXT_OFFSET]: formatOffset(result.end),
    [STREAM_UP_TO_DATE]: "true",
    [STREAM_CURSOR]: ctx.cursor(parsed.cursor),
    "cache-control": CACHE_NO_STORE,
  };
  const closed = ctx.store.head(name);
  if (closed.ok && closed.info.closed && closed.info.tail === result.end)
    out[STREAM_CLOSED] = "true";
  return respond(204, out);
}

/** Catch-up `offset=now`: no data, just the tail (§6). */
function nowResponse(result: ReadOk): Response {
  const out: Record<string, string> = {
    "content-type": result.info.contentType,
    [STREAM_NEXT_OFFSET]: formatOffset(result.end),
    [STREAM_UP_TO_DATE]: "true",
    "cache-control": CACHE_NO_STORE,
  };
  if (result.info.closed) out[STREAM_CLOSED] = "true";
  return respond(200, out, result.info.json ? "[]" : "");
}

function dataResponse(
  request: RequestAccess,
  response: ResponseWriter,
  parsed: ReadRequest,
  result: ReadOk,
  cursor: string | undefined,
): Response {
  const { info, chunks } = result;
  const closed = info.closed && result.upToDate;
  const etag = `"${info.id}:${parsed.token}:${formatOffset(result.end)}${closed ? ":c" : ""}"`;
  if (request.header("if-none-match") === etag) return respond(304, { etag });
  const out: Record<string, string> = {
    "content-type": info.contentType,
    [STREAM_NEXT_OFFSET]: formatOffset(result.end),
    etag,
    "cache-control": result.upToDate ? CACHE_REVALIDATE : CACHE_IMMUTABLE_CHUNK,
  };
  if (result.upToDate) out[STREAM_UP_TO_DATE] = "true";
  if (closed) out[STREAM_CLOSED] = "true";
  if (cursor !== undefined) out[STREAM_CURSOR] = cursor;
  const bytes = info.json
    ? jsonArrayBody(chunks)
    : chunks.length === 1
      ? (chunks[0] as Buffer)
      : Buffer.concat(chunks);
  return response.reply(200, out, bytes);
}
