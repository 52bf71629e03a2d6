import {
  CURSOR_PARAM,
  LIVE_LONG_POLL,
  LIVE_PARAM,
  LIVE_SSE,
  OFFSET_PARAM,
  OFFSET_START,
} from "../protocol.ts";
import { parseOffset } from "./offsets.ts";
import { badRequest } from "./responses.ts";

/** A parsed read request: where from, which live mode, the client's cursor. */
export interface ReadRequest {
  /** Raw `offset` token for the ETag (`-1` when absent). */
  token: string;
  from: number | "now";
  live: typeof LIVE_LONG_POLL | typeof LIVE_SSE | undefined;
  cursor: string | undefined;
}

/**
 * Parses a GET's query (§5.5–5.7): the offset (once at most), the live mode and
 * the cursor; a 400 response when malformed. Shared by the catch-up/long-poll
 * and SSE routes.
 *
 * @example
 * parseReadRequest("http://x/agents/s?offset=-1&live=sse"); // { token: "-1", from: 0, live: "sse", cursor: undefined }
 */
export function parseReadRequest(url: string): ReadRequest | Response {
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
