import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import { mediaType } from "../core/media-type.ts";
import type { ReadResult } from "../core/stream-store.ts";
import { CACHE_SSE, STREAM_SSE_DATA_ENCODING } from "../protocol.ts";
import { failureResponse } from "./failure-response.ts";
import { type LiveHandle, SHUTDOWN } from "./live-registry.ts";
import type { ReadRequest } from "./read-request.ts";
import type { RequestAccess } from "./request-access.ts";
import type { ResponseWriter } from "./response-writer.ts";
import { respond, tooManyLive } from "./responses.ts";
import type { RouteContext } from "./route-context.ts";
import { controlEvent, dataEvent, type SseEncoding } from "./sse-events.ts";
import { type EventSink, nodeEventSink, webEventSink } from "./sse-sink.ts";
import { incompleteUtf8Tail } from "./sse-text.ts";

type ReadOk = Extract<ReadResult, { ok: true }>;

/**
 * GET `live=sse` (PROTOCOL §5.7): `data` events carry appended bytes (UTF-8
 * text, a JSON array in JSON mode, base64 for non-text types), each followed by
 * a `control` event with the next offset, a cursor and `upToDate`. The
 * connection ends after a `streamClosed` control event, after
 * `sseMaxDurationMs` (§8.2), or on shutdown — with a final control event to
 * resume from.
 *
 * Text mode never splits a character: when the bytes so far end inside a UTF-8
 * character (split between two appends), they are held back — the control
 * event keeps the offset before them — until the append completing it arrives,
 * so every control offset is a clean place to resume from.
 *
 * @example
 * GET /agents/s?offset=-1&live=sse
 */
export async function handleSse(
  ctx: RouteContext,
  request: RequestAccess,
  response: ResponseWriter,
  name: string,
  parsed: ReadRequest,
): Promise<Response> {
  const first = await ctx.store.read(name, { from: parsed.from, maxBytes: ctx.maxReadBytes });
  if (!first.ok) return failureResponse(first);
  // §5.7: text/* and JSON streams travel as text, anything else as base64.
  const encoding: SseEncoding = first.info.json
    ? "json"
    : mediaType(first.info.contentType).startsWith("text/")
      ? "text"
      : "base64";
  const headers: Record<string, string> = {
    "content-type": "text/event-stream",
    "cache-control": CACHE_SSE,
  };
  if (encoding === "base64") headers[STREAM_SSE_DATA_ENCODING] = "base64";

  const handle = ctx.live.open(request.watchClient);
  if (!handle) return tooManyLive(ctx.live.max);
  const loop: SseLoop = { ctx, name, cursor: parsed.cursor, handle, encoding };
  if (response.outgoing) {
    let sink: EventSink;
    try {
      sink = nodeEventSink(response.outgoing, headers);
    } catch (error) {
      handle.close(); // pump, which ends the handle otherwise, never starts
      throw error;
    }
    void pump(loop, sink, first);
    return RESPONSE_ALREADY_SENT;
  }
  const { sink, body } = webEventSink(() => handle.close());
  void pump(loop, sink, first);
  return respond(200, headers, body);
}

interface SseLoop {
  ctx: RouteContext;
  name: string;
  cursor: string | undefined;
  handle: LiveHandle;
  encoding: SseEncoding;
}

/** The read → send → wait loop of one SSE connection. */
async function pump(
  { ctx, name, cursor, handle, encoding }: SseLoop,
  sink: EventSink,
  first: ReadOk,
): Promise<void> {
  const nextCursor = () => ctx.cursor(cursor);
  const deadline = Date.now() + ctx.sseMaxDurationMs;
  // Text bytes read but not sent yet (they end inside a character), from `reported`.
  let held: Buffer[] = [];
  let heldBytes = 0;
  let reported = first.start;
  const emit = async (result: ReadOk) => {
    const chunks = held.length === 0 ? result.chunks : held.concat(result.chunks);
    for (const chunk of result.chunks) heldBytes += chunk.length;
    const finished = result.info.closed && result.upToDate;
    let text: string;
    if (
      encoding === "text" &&
      !finished &&
      heldBytes <= ctx.maxReadBytes &&
      incompleteUtf8Tail(chunks) > 0
    ) {
      held = chunks;
      text = controlEvent(reported, { closed: false, upToDate: false }, nextCursor);
    } else {
      const data =
        chunks.length > 0
          ? dataEvent(`${result.info.id}:${reported}:${result.end}`, chunks, encoding)
          : "";
      text =
        data +
        controlEvent(result.end, { closed: finished, upToDate: result.upToDate }, nextCursor);
      held = [];
      heldBytes = 0;
      reported = result.end;
    }
    const backpressure = sink.send(text);
    if (!backpressure) return;
    let unsubscribe = () => {};
    try {
      await Promise.race([
        backpressure,
        new Promise<void>((resolve) => {
          unsubscribe = handle.onCancel(resolve);
        }),
      ]);
    } finally {
      // One listener per wait, not one more for every slow write of a long connection.
      unsubscribe();
    }
  };
  try {
    let result = first;
    for (;;) {
      await emit(result);
      if ((result.info.closed && result.upToDate) || handle.reason !== undefined) return;
      // Past the connection's time also while catching up (a reader behind a busy writer): it
      // reconnects from the offset the control event just gave it.
      if (!result.upToDate && Date.now() >= deadline) return;
      let ending = false;
      if (result.upToDate) {
        const remaining = deadline - Date.now();
        if (remaining <= 0) return;
        const outcome = await ctx.store.waitForData(name, result.end, {
          timeoutMs: Math.min(ctx.longPollTimeoutMs, remaining),
          cancel: handle,
        });
        if (outcome === "gone" || (outcome === "aborted" && handle.reason !== SHUTDOWN)) return;
        if (outcome === "timeout" && Date.now() >= deadline) return;
        // Data, closure or a keep-alive timeout: read (maybe nothing) and report.
        // Shutdown: report once more so the client knows where to resume.
        ending = outcome === "shutdown" || handle.reason === SHUTDOWN;
      }
      const next = await ctx.store.read(name, { from: result.end, maxBytes: ctx.maxReadBytes });
      // Includes `withdrawn`: this reader was shown data that is gone; ending the
      // connection makes it reconnect from its offset and be told so.
      if (!next.ok) return;
      result = next;
      if (ending) {
        await emit(result);
        return;
      }
    }
  } catch {
    // The client went away mid-write; nothing to report to anyone.
  } finally {
    handle.close();
    sink.end();
  }
}
