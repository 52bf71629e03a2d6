import { OFFSET_NOW, OFFSET_PATTERN, OFFSET_START } from "../protocol.ts";

/** A parsed `?offset=` / `Stream-Fork-Offset` value. */
export type OffsetToken =
  | { kind: "start" }
  | { kind: "now" }
  | { kind: "position"; position: number };

const ZERO_EPOCH = "0000000000000000_";

/**
 * Formats a byte position as a protocol offset: fixed width so that string
 * order equals numeric order (§6 "lexicographically sortable").
 *
 * @example
 * formatOffset(7); // "0000000000000000_0000000000000007"
 */
export function formatOffset(position: number): string {
  return ZERO_EPOCH + String(position).padStart(16, "0");
}

/**
 * Parses an offset token; `null` when malformed (the caller answers 400).
 * Positions beyond 2^53 cannot name real data and are returned as `Infinity`
 * so range checks reject them.
 *
 * @example
 * parseOffset("-1"); // { kind: "start" }
 * parseOffset("0000000000000000_0000000000000007"); // { kind: "position", position: 7 }
 * parseOffset("0,1"); // null
 */
export function parseOffset(token: string): OffsetToken | null {
  if (token === OFFSET_START) return { kind: "start" };
  if (token === OFFSET_NOW) return { kind: "now" };
  const match = OFFSET_PATTERN.exec(token);
  if (!match) return null;
  const position = Number(match[1]);
  return { kind: "position", position: Number.isSafeInteger(position) ? position : Infinity };
}
