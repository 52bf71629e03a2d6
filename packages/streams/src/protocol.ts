/**
 * Durable Streams protocol constants — the one place this package's HTTP layer,
 * its stores and its tests take header names, sentinels, codes and limits from.
 * Section numbers refer to PROTOCOL.md of the `@durable-streams/*` packages.
 *
 * @example
 * headers[STREAM_NEXT_OFFSET] = formatOffset(position);
 */

// ── Request/response headers (§5) ───────────────────────────────────────────

/** Tail offset after a write, or where the next read should start (§5.1, §5.5). */
export const STREAM_NEXT_OFFSET = "Stream-Next-Offset";
/** Present (`true`) when a read returned everything the stream holds (§5.5). */
export const STREAM_UP_TO_DATE = "Stream-Up-To-Date";
/** Cursor for CDN collapsing; echoed by clients as `?cursor=` (§8.1). */
export const STREAM_CURSOR = "Stream-Cursor";
/** Writer sequence, compared byte-wise; scoped per stream in this server (§5.2). */
export const STREAM_SEQ = "Stream-Seq";
/** Relative sliding time-to-live in whole seconds (§5.1). */
export const STREAM_TTL = "Stream-TTL";
/** Absolute RFC 3339 expiry (§5.1). */
export const STREAM_EXPIRES_AT = "Stream-Expires-At";
/** `true` on requests closes the stream (EOF); on responses says it is closed. */
export const STREAM_CLOSED = "Stream-Closed";
/** Fork source: a stream name relative to the `/agents` base URL, e.g. `/v1/stream/a`. */
export const STREAM_FORKED_FROM = "Stream-Forked-From";
/** Offset in the source at which a fork branches (default: the source's tail). */
export const STREAM_FORK_OFFSET = "Stream-Fork-Offset";
/** Bytes (binary) or messages (JSON) of the source's next append to inherit too. */
export const STREAM_FORK_SUB_OFFSET = "Stream-Fork-Sub-Offset";
/** `base64` on SSE responses of streams whose content type is not text (§5.7). */
export const STREAM_SSE_DATA_ENCODING = "Stream-SSE-Data-Encoding";
/** Idempotent producer identity (§5.2.1). */
export const PRODUCER_ID = "Producer-Id";
/** Producer epoch; on 403 the server's current epoch (§5.2.1). */
export const PRODUCER_EPOCH = "Producer-Epoch";
/** Producer batch sequence; on success the highest accepted one (§5.2.1). */
export const PRODUCER_SEQ = "Producer-Seq";
/** On a 409 sequence gap: the sequence the server expected next. */
export const PRODUCER_EXPECTED_SEQ = "Producer-Expected-Seq";
/** On a 409 sequence gap: the sequence the request carried. */
export const PRODUCER_RECEIVED_SEQ = "Producer-Received-Seq";

// ── Query parameters ───────────────────────────────────────────────────────

/** Where to start reading: `-1`, `now`, or an offset returned earlier. */
export const OFFSET_PARAM = "offset";
/** `long-poll` or `sse`; absent means catch-up. */
export const LIVE_PARAM = "live";
/** Echo of the last `Stream-Cursor` (§8.1). */
export const CURSOR_PARAM = "cursor";

/** Values of `?live=`. */
export const LIVE_LONG_POLL = "long-poll";
export const LIVE_SSE = "sse";

// ── Offsets (§6) ──────────────────────────────────────────────────────────

/** Sentinel: the beginning of the stream (same as omitting `offset`). */
export const OFFSET_START = "-1";
/** Sentinel: the current tail, skipping existing data. */
export const OFFSET_NOW = "now";
/**
 * Offsets are `<16-digit epoch>_<16-digit byte position>`; the epoch is always 0
 * here. The format matches the reference server so `0000000000000000_0000000000000000`
 * (the suite's "zero offset") names the start of every stream.
 */
export const OFFSET_PATTERN = /^0{16}_(\d{16})$/;

// ── SSE control event fields (§5.7) ─────────────────────────────────────────

export const SSE_NEXT_OFFSET_FIELD = "streamNextOffset";
export const SSE_CURSOR_FIELD = "streamCursor";
export const SSE_UP_TO_DATE_FIELD = "upToDate";
export const SSE_CLOSED_FIELD = "streamClosed";

// ── Content types (§7) ─────────────────────────────────────────────────────

/** Used when a create names no content type. */
export const DEFAULT_CONTENT_TYPE = "application/octet-stream";
/** JSON mode: message boundaries are kept and reads return one JSON array. */
export const JSON_MEDIA_TYPE = "application/json";
/** `type/subtype` with RFC 9110 token characters, optional parameters after `;`. */
export const CONTENT_TYPE_PATTERN =
  /^[!#$%&'*+.^_`|~0-9A-Za-z-]+\/[!#$%&'*+.^_`|~0-9A-Za-z-]+(\s*;.*)?$/;

// ── Header value grammars ───────────────────────────────────────────────────

/** Stream-TTL and Stream-Fork-Sub-Offset: decimal, no sign, no leading zeros (§5.1). */
export const NON_NEGATIVE_INTEGER_PATTERN = /^(0|[1-9]\d*)$/;
/** Producer-Epoch / Producer-Seq: digits only, at most 2^53-1 (§5.2.1). */
export const PRODUCER_NUMBER_PATTERN = /^\d+$/;
/** RFC 3339 date-time, as Stream-Expires-At requires. */
export const RFC3339_PATTERN =
  /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

// ── Caching (§8) ─────────────────────────────────────────────────────────

/** HEAD, `offset=now`, 204 long-polls: the tail moves, never cache. */
export const CACHE_NO_STORE = "no-store";
/** Reads that stop short of the tail are immutable; private because sessions are. */
export const CACHE_IMMUTABLE_CHUNK = "private, max-age=60, stale-while-revalidate=300";
/** Reads that reached the tail: cacheable only with revalidation (ETag → 304). */
export const CACHE_REVALIDATE = "private, no-cache";
/** SSE responses: no proxy buffering. */
export const CACHE_SSE = "no-cache";

// ── Cursor (§8.1) ─────────────────────────────────────────────────────────

/** Cursor intervals are counted from 2024-10-09T00:00:00Z. */
export const CURSOR_EPOCH_MS = Date.UTC(2024, 9, 9);
/** Length of one cursor interval. */
export const CURSOR_INTERVAL_SECONDS = 20;

// ── Server limits and timings (defaults; the app takes overrides) ─────────

/** Long-poll wait before answering 204 (the daemon's `ITERATE_LONG_POLL_MS` overrides). */
export const DEFAULT_LONG_POLL_MS = 20_000;
/** SSE connections are closed after about this long so CDNs can collapse (§8.2). */
export const DEFAULT_SSE_MAX_DURATION_MS = 60_000;
/** Largest accepted append or initial body; larger answers 413. */
export const DEFAULT_MAX_APPEND_BYTES = 16 * 1024 * 1024;
/**
 * Largest append as stored, whatever the body limit: JSON mode re-serializes each message, which
 * can grow it (`1e20` is stored as 21 digits), and a record past what a segment can hold (file
 * store: 64 MiB) could never be read back. Larger answers 413, before anything is acknowledged.
 */
export const MAX_STORED_APPEND_BYTES = 48 * 1024 * 1024;
/**
 * Long-polls and SSE connections open at once; one more answers 503 `limit_exceeded` with
 * `Retry-After`. Each holds a connection and its buffers for up to the long-poll wait or the SSE
 * duration, so without a bound a client opening them in a loop grows the server without limit.
 */
export const DEFAULT_MAX_LIVE_REQUESTS = 1024;
/** Catch-up reads stop after this many bytes (at least one message is always returned). */
export const DEFAULT_MAX_READ_BYTES = 1024 * 1024;
/** Stream names: path segments of URL-safe characters, no `.`/`..` segments. */
export const STREAM_NAME_PATTERN =
  /^[A-Za-z0-9._~:@!$&'()*+,;=%-]+(\/[A-Za-z0-9._~:@!$&'()*+,;=%-]+)*$/;
/** Longest accepted stream name. */
export const STREAM_NAME_MAX = 1024;
/** Longest accepted Producer-Id or Stream-Seq value. */
export const HEADER_TOKEN_MAX = 256;

// ── Error bodies ────────────────────────────────────────────────────────────

/**
 * Codes this server answers with in `{"error":{"code","message"}}`: a subset of
 * `@iterate/contract`'s closed `ERROR_CODES` union, spelled identically (this
 * package depends on neither the contract nor the daemon).
 */
export const STREAM_ERROR_CODES = [
  "bad_request",
  "invalid_json",
  "not_found",
  "method_not_allowed",
  "conflict",
  "payload_too_large",
  "forbidden",
  "gone",
  "internal_error",
  "limit_exceeded",
] as const;
