import {
  PRODUCER_EPOCH,
  PRODUCER_EXPECTED_SEQ,
  PRODUCER_ID,
  PRODUCER_RECEIVED_SEQ,
  PRODUCER_SEQ,
  STREAM_CLOSED,
  STREAM_CURSOR,
  STREAM_EXPIRES_AT,
  STREAM_FORK_OFFSET,
  STREAM_FORK_SUB_OFFSET,
  STREAM_FORKED_FROM,
  STREAM_NEXT_OFFSET,
  STREAM_SEQ,
  STREAM_SSE_DATA_ENCODING,
  STREAM_TTL,
  STREAM_UP_TO_DATE,
} from "../protocol.ts";

/**
 * Sent on every `/agents` response (PROTOCOL §10.7 and CORS): no MIME sniffing,
 * fetchable cross-origin, protocol headers readable by browser clients.
 */
export const STATIC_HEADERS: Readonly<Record<string, string>> = {
  "x-content-type-options": "nosniff",
  "cross-origin-resource-policy": "cross-origin",
  "access-control-allow-origin": "*",
  "access-control-expose-headers": [
    STREAM_NEXT_OFFSET,
    STREAM_CURSOR,
    STREAM_UP_TO_DATE,
    STREAM_CLOSED,
    STREAM_SSE_DATA_ENCODING,
    STREAM_TTL,
    STREAM_EXPIRES_AT,
    PRODUCER_EPOCH,
    PRODUCER_SEQ,
    PRODUCER_EXPECTED_SEQ,
    PRODUCER_RECEIVED_SEQ,
    "ETag",
    "Location",
    "Content-Type",
  ].join(", "),
};

const STATIC_HEADER_LIST: readonly string[] = Object.entries(STATIC_HEADERS).flat();

/**
 * `STATIC_HEADERS` followed by `headers`, as the flat `[name, value, …]` list
 * `ServerResponse.writeHead` accepts — cheaper for Node than an object.
 *
 * @example
 * outgoing.writeHead(204, headerList({ "stream-next-offset": offset }));
 */
export function headerList(headers: Record<string, string>): string[] {
  const list = STATIC_HEADER_LIST.slice();
  for (const name in headers) list.push(name, headers[name] as string);
  return list;
}

/** Extra headers of a CORS preflight answer. */
export const PREFLIGHT_HEADERS: Readonly<Record<string, string>> = {
  "access-control-allow-methods": "GET, HEAD, PUT, POST, DELETE, OPTIONS",
  "access-control-allow-headers": [
    "Content-Type",
    "Authorization",
    "If-None-Match",
    STREAM_SEQ,
    STREAM_TTL,
    STREAM_EXPIRES_AT,
    STREAM_CLOSED,
    STREAM_FORKED_FROM,
    STREAM_FORK_OFFSET,
    STREAM_FORK_SUB_OFFSET,
    PRODUCER_ID,
    PRODUCER_EPOCH,
    PRODUCER_SEQ,
  ].join(", "),
  "access-control-max-age": "86400",
};
