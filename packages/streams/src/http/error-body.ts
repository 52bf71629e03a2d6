import type { STREAM_ERROR_CODES } from "../protocol.ts";

/** One of the codes this server answers with (`STREAM_ERROR_CODES`). */
export type StreamErrorCode = (typeof STREAM_ERROR_CODES)[number];

/**
 * The error body every iterate service answers with: `{"error":{"code","message"}}`.
 *
 * @example
 * JSON.stringify(errorBody("not_found", "stream not found"));
 */
export function errorBody(
  code: StreamErrorCode,
  message: string,
): { error: { code: StreamErrorCode; message: string } } {
  return { error: { code, message } };
}
