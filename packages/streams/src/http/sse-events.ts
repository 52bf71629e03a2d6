import { jsonArrayBody } from "../core/json-mode.ts";
import {
  SSE_CLOSED_FIELD,
  SSE_CURSOR_FIELD,
  SSE_NEXT_OFFSET_FIELD,
  SSE_UP_TO_DATE_FIELD,
} from "../protocol.ts";
import { formatOffset } from "./offsets.ts";

/** How `data` events carry a stream's bytes (§5.7). */
export type SseEncoding = "text" | "json" | "base64";

const LINE_BREAK = /\r\n|\r|\n/;
const CACHE_SIZE = 64;
/** Larger events are not kept: 64 of them would be a lot of memory for one saved encoding. */
const CACHE_MAX_CHARS = 1024 * 1024;
// Readers tailing one stream wake for the same batch: the first one encodes
// it, the others reuse the text.
const encoded = new Map<string, string>();

/**
 * The `data` event for the stored bytes between two positions of a stream:
 * every line of the payload gets its own `data:` prefix (CR, LF and CRLF all
 * split lines), so a payload can never end the event or inject another one.
 * `key` names the bytes (stream id and positions), so readers at the same
 * place share one encoding.
 *
 * @example
 * dataEvent("id:0:5", [Buffer.from("hello")], "text"); // "event: data\ndata:hello\n\n"
 */
export function dataEvent(key: string, chunks: readonly Buffer[], encoding: SseEncoding): string {
  const cacheKey = `${key}:${encoding}`;
  const cached = encoded.get(cacheKey);
  if (cached !== undefined) return cached;
  const payload =
    encoding === "base64"
      ? Buffer.concat(chunks).toString("base64")
      : encoding === "json"
        ? jsonArrayBody(chunks).toString("utf8")
        : Buffer.concat(chunks).toString("utf8");
  // Split and joined at once: a 16 MiB append of newlines built line by line (`+=`) held the
  // event loop for ~4 s and ~1 GB of string pieces; this way ~0.8 s and ~0.4 GB (text mode only:
  // agent sessions are JSON).
  const event = `event: data\ndata:${payload.split(LINE_BREAK).join("\ndata:")}\n\n`;
  if (event.length > CACHE_MAX_CHARS) return event;
  if (encoded.size >= CACHE_SIZE) encoded.delete(encoded.keys().next().value as string);
  encoded.set(cacheKey, event);
  return event;
}

/**
 * The `control` event after a read: the offset to resume from, and either
 * `streamClosed` (the final event of a closed stream, no cursor) or a cursor
 * plus `upToDate` when the reader reached the tail.
 *
 * @example
 * controlEvent(5, { closed: false, upToDate: true }, () => "42");
 */
export function controlEvent(
  end: number,
  state: { closed: boolean; upToDate: boolean },
  cursor: () => string,
): string {
  const fields: Record<string, string | boolean> = { [SSE_NEXT_OFFSET_FIELD]: formatOffset(end) };
  if (state.closed) fields[SSE_CLOSED_FIELD] = true;
  else {
    fields[SSE_CURSOR_FIELD] = cursor();
    if (state.upToDate) fields[SSE_UP_TO_DATE_FIELD] = true;
  }
  return `event: control\ndata:${JSON.stringify(fields)}\n\n`;
}
