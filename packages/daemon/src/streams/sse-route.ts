import { failureResponse, respond } from "./http-responses.ts";
import { jsonArrayBody } from "./json-mode.ts";
import { formatOffset } from "./offsets.ts";
import {
  CACHE_SSE,
  JSON_MEDIA_TYPE,
  SSE_CLOSED_FIELD,
  SSE_CURSOR_FIELD,
  SSE_NEXT_OFFSET_FIELD,
  SSE_UP_TO_DATE_FIELD,
  STREAM_SSE_DATA_ENCODING,
} from "./protocol.ts";
import type { ReadRequest } from "./read-route.ts";
import { type RouteContext, SHUTDOWN, type WatchClient } from "./route-context.ts";
import { mediaType } from "./stream-state.ts";
import type { ReadResult } from "./stream-store.ts";

type ReadOk = Extract<ReadResult, { ok: true }>;
const encoder = new TextEncoder();
const LINE_BREAK = /\r\n|\r|\n/;

/**
 * GET `live=sse` (PROTOCOL §5.7): `data` events carry appended bytes (UTF-8
 * text, a JSON array in JSON mode, base64 for non-text types), each followed by
 * a `control` event with the next offset, a cursor and `upToDate`. Every line
 * of a payload gets its own `data:` prefix, so payloads cannot inject events.
 * The connection ends after a `streamClosed` control event, after
 * `sseMaxDurationMs`, or on shutdown (with a final control event to resume from).
 *
 * @example
 * GET /agents/s?offset=-1&live=sse
 */
export async function handleSse(
  ctx: RouteContext,
  name: string,
  parsed: ReadRequest,
  watchClient: WatchClient,
): Promise<Response> {
  const first = await ctx.store.read(name, { from: parsed.from, maxBytes: ctx.maxReadBytes });
  if (!first.ok) return failureResponse(first);
  const type = mediaType(first.info.contentType);
  const base64 = !(type.startsWith("text/") || type === JSON_MEDIA_TYPE);
  const headers: Record<string, string> = {
    "content-type": "text/event-stream",
    "cache-control": CACHE_SSE,
  };
  if (base64) headers[STREAM_SSE_DATA_ENCODING] = "base64";

  const handle = ctx.live.open(watchClient);
  const decoder = new TextDecoder();
  const deadline = Date.now() + ctx.sseMaxDurationMs;
  let resumePull: (() => void) | null = null;

  const dataEvent = (result: ReadOk): string => {
    const chunks = result.chunks;
    const payload = base64
      ? Buffer.concat(chunks).toString("base64")
      : result.info.json
        ? jsonArrayBody(chunks).toString("utf8")
        : chunks.map((chunk) => decoder.decode(chunk, { stream: true })).join("");
    let event = "event: data\n";
    for (const line of payload.split(LINE_BREAK)) event += `data:${line}\n`;
    return `${event}\n`;
  };
  const controlEvent = (fields: Record<string, string | boolean>): string =>
    `event: control\ndata:${JSON.stringify(fields)}\n\n`;
  const progress = (result: ReadOk): string => {
    const offset = formatOffset(result.end);
    if (result.info.closed && result.upToDate) {
      return controlEvent({ [SSE_NEXT_OFFSET_FIELD]: offset, [SSE_CLOSED_FIELD]: true });
    }
    const fields: Record<string, string | boolean> = {
      [SSE_NEXT_OFFSET_FIELD]: offset,
      [SSE_CURSOR_FIELD]: ctx.cursor(parsed.cursor),
    };
    if (result.upToDate) fields[SSE_UP_TO_DATE_FIELD] = true;
    return controlEvent(fields);
  };

  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const send = async (text: string) => {
        controller.enqueue(encoder.encode(text));
        if ((controller.desiredSize ?? 1) <= 0 && handle.reason === undefined) {
          await new Promise<void>((resolve) => {
            resumePull = resolve;
            handle.onCancel(resolve);
          });
        }
      };
      const run = async () => {
        let result: ReadOk = first;
        for (;;) {
          await send((result.chunks.length > 0 ? dataEvent(result) : "") + progress(result));
          if (result.info.closed && result.upToDate) return;
          if (!result.upToDate) {
            const next = await ctx.store.read(name, {
              from: result.end,
              maxBytes: ctx.maxReadBytes,
            });
            if (!next.ok) return;
            result = next;
            continue;
          }
          const remaining = deadline - Date.now();
          if (remaining <= 0) return;
          const outcome = await ctx.store.waitForData(name, result.end, {
            timeoutMs: Math.min(ctx.longPollTimeoutMs, remaining),
            cancel: handle,
          });
          if (outcome === "gone" || (outcome === "aborted" && handle.reason !== SHUTDOWN)) return;
          if (outcome === "timeout" && Date.now() >= deadline) return;
          const next = await ctx.store.read(name, { from: result.end, maxBytes: ctx.maxReadBytes });
          if (!next.ok) return;
          result = next;
          if (outcome === "shutdown" || outcome === "aborted") {
            await send((result.chunks.length > 0 ? dataEvent(result) : "") + progress(result));
            return;
          }
        }
      };
      run()
        .catch(() => {})
        .finally(() => {
          handle.close();
          try {
            controller.close();
          } catch {
            // already cancelled by the client
          }
        });
    },
    pull() {
      resumePull?.();
      resumePull = null;
    },
    cancel() {
      handle.close();
      resumePull?.();
    },
  });
  return respond(200, headers, body);
}
