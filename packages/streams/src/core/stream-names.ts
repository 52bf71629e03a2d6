import { STREAM_NAME_MAX, STREAM_NAME_PATTERN } from "../protocol.ts";

/**
 * Validates a stream name — the path after `/agents/`, already percent-decoded
 * — and returns it, or null. Names are URL path segments of safe characters;
 * `.` and `..` segments are refused so a name can never mean a different path
 * (PROTOCOL §10.2).
 *
 * @example
 * parseStreamName("slack/T1/C1/1712345678.123456"); // "slack/T1/C1/1712345678.123456"
 * parseStreamName("a/../b"); // null
 */
export function parseStreamName(raw: string): string | null {
  if (raw.length === 0 || raw.length > STREAM_NAME_MAX || !STREAM_NAME_PATTERN.test(raw))
    return null;
  for (const segment of raw.split("/")) {
    if (segment === "." || segment === "..") return null;
  }
  return raw;
}
