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
 * @example
 * const replayCache = createReplayCache({ maxEntries: 10_000 });
 * await verifyRequest({ token, secret, machineId, method, url, body, replayCache });
 */
export function createReplayCache(options: ReplayCacheOptions = {}): ReplayCache {
  const maxEntries = Math.max(
    1,
    Math.floor(options.maxEntries ?? REPLAY_CACHE_DEFAULT_MAX_ENTRIES),
  );
  // Insertion-ordered; tokens share one lifetime, so the front is (nearly) the oldest expiry.
  const entries = new Map<string, number>();
  // Every evicted-while-live entry expired at or before this instant. A token that could have
  // been forgotten (expiry ≤ floor, not in the map) is refused: replay protection fails closed.
  let evictedFloorMs = Number.NEGATIVE_INFINITY;

  function dropExpiredFromFront(nowMs: number): void {
    for (const [jti, expiresAt] of entries) {
      if (expiresAt > nowMs) break;
      entries.delete(jti);
    }
  }

  function sweepAll(nowMs: number): void {
    for (const [jti, expiresAt] of entries) if (expiresAt <= nowMs) entries.delete(jti);
  }

  return {
    claim(jti, expiresAtMs, nowMs) {
      dropExpiredFromFront(nowMs);
      const seen = entries.get(jti);
      if (seen !== undefined && seen > nowMs) return false;
      if (seen === undefined && expiresAtMs <= evictedFloorMs) return false;
      if (seen !== undefined) entries.delete(jti);
      if (entries.size >= maxEntries) sweepAll(nowMs);
      while (entries.size >= maxEntries) {
        const oldest = entries.entries().next().value as [string, number];
        entries.delete(oldest[0]);
        evictedFloorMs = Math.max(evictedFloorMs, oldest[1]);
      }
      entries.set(jti, expiresAtMs);
      return true;
    },
    get size() {
      return entries.size;
    },
  };
}
