import { errorResponse, failureResponse, respond } from "./http-responses.ts";
import { jsonArrayBody } from "./json-mode.ts";
import { formatOffset, parseOffset } from "./offsets.ts";
import {
  CACHE_IMMUTABLE_CHUNK,
  CACHE_NO_STORE,
  CACHE_REVALIDATE,
  CURSOR_PARAM,
  LIVE_LONG_POLL,
  LIVE_PARAM,
  LIVE_SSE,
  OFFSET_PARAM,
  OFFSET_START,
  STREAM_CLOSED,
  STREAM_CURSOR,
  STREAM_EXPIRES_AT,
  STREAM_NEXT_OFFSET,
  STREAM_TTL,
  STREAM_UP_TO_DATE,
} from "./protocol.ts";
import type { RequestAccess } from "./request-access.ts";
import type { RouteContext } from "./route-context.ts";
import { handleSse } from "./sse-route.ts";
import type { ReadResult } from "./stream-store.ts";

/** A parsed read request: where from, which live mode, the client's cursor. */
export interface ReadRequest {
  /** Raw `offset` token for the ETag (`-1` when absent). */
  token: string;
  from: number | "now";
  live: typeof LIVE_LONG_POLL | typeof LIVE_SSE | undefined;
  cursor: string | undefined;
}

/**
 * GET — catch-up (§5.5), long-poll (§5.6) or SSE (§5.7) reads.
 *
 * @example
 * GET /agents/s?offset=0000000000000000_0000000000000005&live=long-poll
 */
export async function handleRead(
  ctx: RouteContext,
  request: RequestAccess,
  name: string,
): Promise<Response> {
  const parsed = parseReadRequest(request.url);
  if (parsed instanceof Response) return parsed;
  if (parsed.live === LIVE_SSE)
    return handleSse(ctx, name, parsed, request.watchClient, request.outgoing);

  let result = await ctx.store.read(name, { from: parsed.from, maxBytes: ctx.maxReadBytes });
  if (!result.ok) return failureResponse(result);
  if (parsed.live === undefined) {
    if (parsed.from === "now") return nowResponse(result);
    return dataResponse(request, parsed, result, undefined);
  }
  if (result.chunks.length > 0)
    return dataResponse(request, parsed, result, ctx.cursor(parsed.cursor));

  // Long-poll at the tail: park until data, closure, timeout or shutdown.
  if (!result.info.closed) {
    const handle = ctx.live.open(request.watchClient);
    const outcome = await ctx.store.waitForData(name, result.end, {
      timeoutMs: ctx.longPollTimeoutMs,
      cancel: handle,
    });
    handle.close();
    if (outcome === "gone") {
      const head = ctx.store.head(name);
      return failureResponse(head.ok ? { ok: false, reason: "not_found" } : head);
    }
    if (outcome === "data") {
      const next = await ctx.store.read(name, { from: result.end, maxBytes: ctx.maxReadBytes });
      if (!next.ok) return failureResponse(next);
      if (next.chunks.length > 0)
        return dataResponse(request, parsed, next, ctx.cursor(parsed.cursor));
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

/** HEAD — metadata only; does not extend a sliding TTL (§5.4). */
export function handleHead(ctx: RouteContext, name: string): Response {
  const result = ctx.store.head(name);
  if (!result.ok)
    return respond(
      result.reason === "gone" ? 410 : result.reason === "not_found" ? 404 : 500,
      null,
    );
  const info = result.info;
  const out: Record<string, string> = {
    "content-type": info.contentType,
    [STREAM_NEXT_OFFSET]: formatOffset(info.tail),
    "cache-control": CACHE_NO_STORE,
    etag: `"${info.id}:${OFFSET_START}:${formatOffset(info.tail)}${info.closed ? ":c" : ""}"`,
  };
  if (info.closed) out[STREAM_CLOSED] = "true";
  if (info.ttlSeconds !== undefined) out[STREAM_TTL] = String(info.ttlSeconds);
  if (info.expiresAt !== undefined) out[STREAM_EXPIRES_AT] = info.expiresAt;
  return respond(200, out);
}

function parseReadRequest(url: string): ReadRequest | Response {
  const query = readQuery(url);
  if (query === null) return badRequest("malformed query string");
  const { offsets, live, cursor } = query;
  if (offsets.length > 1) return badRequest("offset given more than once");
  const token = offsets[0];
  if (live !== undefined && live !== LIVE_LONG_POLL && live !== LIVE_SSE) {
    return badRequest("live must be long-poll or sse");
  }
  if (token === undefined) {
    if (live !== undefined) return badRequest(`live=${live} needs an offset`);
    return { token: OFFSET_START, from: 0, live, cursor: undefined };
  }
  const offset = parseOffset(token);
  if (offset === null) return badRequest("malformed offset");
  const from = offset.kind === "start" ? 0 : offset.kind === "now" ? "now" : offset.position;
  return { token, from, live, cursor };
}

/**
 * The three query parameters reads use (others are ignored, §9), parsed by
 * hand: `URLSearchParams` costs more than the rest of a long-poll's parsing.
 */
function readQuery(url: string): { offsets: string[]; live?: string; cursor?: string } | null {
  const result: { offsets: string[]; live?: string; cursor?: string } = { offsets: [] };
  const start = url.indexOf("?");
  if (start === -1) return result;
  for (const pair of url.slice(start + 1).split("&")) {
    const equals = pair.indexOf("=");
    const key = equals === -1 ? pair : pair.slice(0, equals);
    if (key !== OFFSET_PARAM && key !== LIVE_PARAM && key !== CURSOR_PARAM) continue;
    let value = equals === -1 ? "" : pair.slice(equals + 1);
    if (value.includes("%") || value.includes("+")) {
      try {
        value = decodeURIComponent(value.replaceAll("+", " "));
      } catch {
        return null;
      }
    }
    if (key === OFFSET_PARAM) result.offsets.push(value);
    else if (key === LIVE_PARAM) result.live ??= value;
    else result.cursor ??= value;
  }
  return result;
}

/** Catch-up `offset=now`: no data, just the tail (§6). */
function nowResponse(result: Extract<ReadResult, { ok: true }>): Response {
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
  parsed: ReadRequest,
  result: Extract<ReadResult, { ok: true }>,
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
  return request.reply(200, out, bytes);
}

function badRequest(message: string): Response {
  return errorResponse(400, "bad_request", message);
}
