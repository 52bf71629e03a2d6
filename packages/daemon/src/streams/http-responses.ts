import { type ErrorCode, errorBody } from "@iterate/contract";
import { formatOffset } from "./offsets.ts";
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
} from "./protocol.ts";
import type { StoreFailure } from "./stream-store.ts";

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

/**
 * `STATIC_HEADERS` followed by `headers`, as the flat `[name, value, …]` list
 * `ServerResponse.writeHead` accepts — cheaper for Node than an object.
 */
export function headerList(headers: Record<string, string>): string[] {
  const list = STATIC_HEADER_LIST.slice();
  for (const name in headers) list.push(name, headers[name] as string);
  return list;
}

const STATIC_HEADER_LIST: readonly string[] = Object.entries(STATIC_HEADERS).flat();

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

/**
 * Every response of the sub-app is built here, so the static headers are never
 * forgotten (error responses included) and the node adapter's fast path sees a
 * plain header object.
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
  code: ErrorCode,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return respond(
    status,
    { "content-type": "application/json", ...headers },
    JSON.stringify(errorBody(code, message)),
  );
}

/** The one mapping from store failures to HTTP (statuses per PROTOCOL §5). */
export function failureResponse(failure: StoreFailure): Response {
  switch (failure.reason) {
    case "not_found":
      return errorResponse(404, "not_found", "stream not found");
    case "gone":
      return errorResponse(410, "gone", "stream was deleted; forks of it still exist");
    case "path_in_use":
      return errorResponse(
        409,
        "conflict",
        "name belongs to a deleted stream that forks still reference",
      );
    case "config_mismatch":
      return errorResponse(409, "conflict", "stream exists with a different configuration");
    case "source_not_found":
      return errorResponse(404, "not_found", "fork source not found");
    case "source_gone":
      return errorResponse(409, "conflict", "fork source was deleted");
    case "content_type_mismatch":
      return errorResponse(409, "conflict", "content type does not match the stream's");
    case "invalid_fork_offset":
      return errorResponse(
        400,
        "bad_request",
        "fork offset is not a position in the source stream",
      );
    case "invalid_sub_offset":
      return errorResponse(400, "bad_request", "fork sub-offset exceeds the source append");
    case "invalid_json":
      return errorResponse(400, "invalid_json", "body is not valid JSON");
    case "empty_json_array":
      return errorResponse(400, "bad_request", "empty JSON array appends nothing");
    case "seq_conflict":
      return errorResponse(409, "conflict", "Stream-Seq must increase");
    case "stream_closed":
      return errorResponse(409, "conflict", "stream is closed", {
        [STREAM_CLOSED]: "true",
        [STREAM_NEXT_OFFSET]: formatOffset(failure.tail),
      });
    case "stale_epoch":
      return errorResponse(403, "forbidden", "stale producer epoch", {
        [PRODUCER_EPOCH]: String(failure.currentEpoch),
      });
    case "invalid_epoch_seq":
      return errorResponse(400, "bad_request", "a new producer epoch must start at Producer-Seq 0");
    case "sequence_gap":
      return errorResponse(409, "conflict", "producer sequence gap", {
        [PRODUCER_EXPECTED_SEQ]: String(failure.expected),
        [PRODUCER_RECEIVED_SEQ]: String(failure.received),
      });
    case "offset_out_of_range":
      return errorResponse(400, "bad_request", "offset is not a position in this stream");
    case "storage_failed":
      return errorResponse(500, "internal_error", "the stream could not be written");
  }
}
