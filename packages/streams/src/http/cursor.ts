import { CURSOR_EPOCH_MS, CURSOR_INTERVAL_SECONDS } from "../protocol.ts";

/** Returns the cursor for a live response given the client's `?cursor=`. */
export type CursorGenerator = (clientCursor: string | undefined) => string;

/**
 * Interval cursors per PROTOCOL §8.1: the number of `intervalSeconds` intervals
 * since the epoch; when the client already holds the current (or a later)
 * interval, it gets that plus 1–3600 s of random jitter, so cursors only move
 * forward and CDN cache keys never cycle.
 *
 * @example
 * const cursor = createCursorGenerator();
 * cursor(undefined); // "5301234"
 * cursor("5301234"); // e.g. "5301301" (> the client's)
 */
export function createCursorGenerator(
  options: { intervalSeconds?: number; epochMs?: number; now?: () => number } = {},
): CursorGenerator {
  const intervalMs = (options.intervalSeconds ?? CURSOR_INTERVAL_SECONDS) * 1000;
  const epochMs = options.epochMs ?? CURSOR_EPOCH_MS;
  const now = options.now ?? Date.now;
  return (clientCursor) => {
    const current = Math.floor((now() - epochMs) / intervalMs);
    const client = clientCursor === undefined ? Number.NaN : Number.parseInt(clientCursor, 10);
    if (!(client >= current)) return String(current);
    const jitterSeconds = 1 + Math.floor(Math.random() * 3600);
    return String(client + Math.max(1, Math.ceil((jitterSeconds * 1000) / intervalMs)));
  };
}
