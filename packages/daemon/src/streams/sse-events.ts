import { jsonArrayBody } from "./json-mode.ts";
import { formatOffset } from "./offsets.ts";
import {
  SSE_CLOSED_FIELD,
  SSE_CURSOR_FIELD,
  SSE_NEXT_OFFSET_FIELD,
  SSE_UP_TO_DATE_FIELD,
} from "./protocol.ts";
import type { ReadResult } from "./stream-store.ts";

type ReadOk = Extract<ReadResult, { ok: true }>;

/** How `data` events carry a stream's bytes (§5.7). */
export type SseEncoding = "text" | "json" | "base64";

const LINE_BREAK = /\r\n|\r|\n/;
const CACHE_SIZE = 64;
// Readers tailing one stream wake for the same batch: the first one encodes
// it, the others reuse the text.
const encoded = new Map<string, string>();

/**
 * The `data` event for one read: every line of the payload gets its own
 * `data:` prefix (CR, LF and CRLF all split lines), so a payload can never end
 * the event or inject another one.
 *
 * @example
 * dataEvent(result, "text"); // "event: data\ndata:hello\n\n"
 */
export function dataEvent(result: ReadOk, encoding: SseEncoding): string {
  const key = `${result.info.id}:${result.start}:${result.end}:${encoding}`;
  const cached = encoded.get(key);
  if (cached !== undefined) return cached;
  const chunks = result.chunks;
  const payload =
    encoding === "base64"
      ? Buffer.concat(chunks).toString("base64")
      : encoding === "json"
        ? jsonArrayBody(chunks).toString("utf8")
        : Buffer.concat(chunks).toString("utf8");
  let event = "event: data\n";
  for (const line of payload.split(LINE_BREAK)) event += `data:${line}\n`;
  event += "\n";
  if (encoded.size >= CACHE_SIZE) encoded.delete(encoded.keys().next().value as string);
  encoded.set(key, event);
  return event;
}

/**
 * The `control` event after a read: the offset to resume from, and either
 * `streamClosed` (the final event of a closed stream, no cursor) or a cursor
 * plus `upToDate` when the reader reached the tail.
 */
export function controlEvent(result: ReadOk, cursor: () => string): string {
  const offset = formatOffset(result.end);
  const fields: Record<string, string | boolean> = { [SSE_NEXT_OFFSET_FIELD]: offset };
  if (result.info.closed && result.upToDate) fields[SSE_CLOSED_FIELD] = true;
  else {
    fields[SSE_CURSOR_FIELD] = cursor();
    if (result.upToDate) fields[SSE_UP_TO_DATE_FIELD] = true;
  }
  return `event: control\ndata:${JSON.stringify(fields)}\n\n`;
}
