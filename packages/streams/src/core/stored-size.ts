import { MAX_STORED_APPEND_BYTES } from "../protocol.ts";
/**
 * The failure for an append over `MAX_STORED_APPEND_BYTES` as stored, or null. Checked before
 * anything is accepted: a record too large to read back would be acknowledged and then lost.
 *
 * @example const tooLarge = oversized(data); if (tooLarge) return tooLarge;
 */
export function oversized(
  data: Uint8Array | null,
): { ok: false; reason: "too_large"; size: number; limit: number } | null {
  const size = data?.length ?? 0;
  return size > MAX_STORED_APPEND_BYTES
    ? { ok: false, reason: "too_large", size, limit: MAX_STORED_APPEND_BYTES }
    : null;
}
