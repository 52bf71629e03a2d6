import { createMinHeap } from "./min-heap.ts";

/** Default bound of a replay cache: ~60 s of tokens at over 800 requests per second. */
export const REPLAY_CACHE_DEFAULT_MAX_ENTRIES = 50_000;

/**
 * Remembers JWT ids until the tokens carrying them can no longer verify.
 * Entries are forgotten once expired; the size never exceeds `maxEntries`.
 */
export interface ReplayCache {
  /**
   * Records `jti` as used until `expiresAtMs`. Returns true the first time, false when the
   * jti was already seen — or when it might have been evicted under pressure (fail closed).
   */
  claim(jti: string, expiresAtMs: number, nowMs: number): boolean;
  /** Entries currently held (expired ones are dropped lazily, on the next claim). */
  readonly size: number;
}

export interface ReplayCacheOptions {
  /** Upper bound on remembered ids; default {@link REPLAY_CACHE_DEFAULT_MAX_ENTRIES}. */
  maxEntries?: number;
}

/**
 * Creates a bounded, in-memory jti cache. One per verifier process; verifyRequest uses a
 * module-wide default when none is passed.
 *
 * Cost: O(log n) per claim (a min-heap by expiry beside the jti map); each entry is pushed
 * once and popped once, either when it expires or when it is evicted.
 *
 * At capacity (only under more than `maxEntries` live tokens, e.g. > 555 requests/s with the
 * 90 s window): the held entry that expires soonest is evicted, so the cache keeps the ids that
 * stay dangerous longest. The whole second in which the evicted entry expires is remembered
 * until it passes, and an unseen jti expiring in such a second is refused as a possible replay
 * of it (fail closed). Any other unseen jti is accepted, however full of long-lived entries the
 * cache is. Tokens expiring in the same second as an evicted one are the only collateral; at
 * steady load they are older than everything new, so new tokens are not refused.
 * @example
 * const replayCache = createReplayCache({ maxEntries: 10_000 });
 * await verifyRequest({ token, secret, machineId, method, url, body, replayCache });
 */
export function createReplayCache(options: ReplayCacheOptions = {}): ReplayCache {
  const maxEntries = Math.max(
    1,
    Math.floor(options.maxEntries ?? REPLAY_CACHE_DEFAULT_MAX_ENTRIES),
  );
  // Live entries only (expired ones are popped first), exactly those in `byExpiry`: an entry
  // enters both at once and leaves both at once, so no stale heap nodes need skipping.
  const entries = new Map<string, number>();
  const byExpiry = createMinHeap<string>();
  // Seconds (ceil of the expiry) in which a live entry was evicted, each kept until it passes:
  // at most one per second still ahead, so ≤ 121 for verifyRequest's tokens (exp + 30 s is at
  // most 120 s away), however many entries were evicted.
  const evictedSeconds = new Set<number>();
  const evictedByTime = createMinHeap<number>();

  function dropExpired(nowMs: number): void {
    while (byExpiry.peekPriority() <= nowMs) entries.delete(byExpiry.pop() as string);
    while (evictedByTime.peekPriority() <= nowMs) {
      evictedSeconds.delete(evictedByTime.pop() as number);
    }
  }

  function evictSoonest(): void {
    const second = Math.ceil(byExpiry.peekPriority() / 1000);
    entries.delete(byExpiry.pop() as string);
    if (!evictedSeconds.has(second)) {
      evictedSeconds.add(second);
      evictedByTime.push(second * 1000, second);
    }
  }

  return {
    claim(jti, expiresAtMs, nowMs) {
      // A NaN or infinite expiry could never be ordered or forgotten: refused, fail closed.
      if (!Number.isFinite(expiresAtMs)) return false;
      dropExpired(nowMs);
      if (entries.has(jti)) return false;
      if (evictedSeconds.has(Math.ceil(expiresAtMs / 1000))) return false;
      // Already past its lifetime by the caller's clock: nothing left to protect or remember.
      if (expiresAtMs <= nowMs) return true;
      if (entries.size >= maxEntries) evictSoonest();
      entries.set(jti, expiresAtMs);
      byExpiry.push(expiresAtMs, jti);
      return true;
    },
    get size() {
      return entries.size;
    },
  };
}
