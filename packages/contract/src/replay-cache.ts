/** Default bound of a replay cache: ~60 s of tokens at over 800 requests per second. */
export const REPLAY_CACHE_DEFAULT_MAX_ENTRIES = 50_000;

/**
 * Remembers JWT ids until the tokens carrying them can no longer verify.
 * Entries are forgotten once expired; the size never exceeds `maxEntries`.
 */
export interface ReplayCache {
  /**
   * Records `jti` as used until `expiresAtMs`. Returns true the first time, false when the
   * jti was already seen with an expiry in the same second — or when it might have been
   * evicted under pressure (fail closed).
   */
  claim(jti: string, expiresAtMs: number, nowMs: number): boolean;
  /** Entries currently held (expired ones are dropped lazily, on the next claim). */
  readonly size: number;
}

export interface ReplayCacheOptions {
  /** Upper bound on remembered ids; default {@link REPLAY_CACHE_DEFAULT_MAX_ENTRIES}. */
  maxEntries?: number;
}

/** A second whose ids were dropped at capacity: every id expiring in it is refused. */
const EVICTED = "evicted";

/**
 * Creates a bounded, in-memory jti cache. One per verifier process; verifyRequest uses a
 * module-wide default when none is passed.
 *
 * Ids are kept in one set per second in which their memory ends (the ceiling of
 * `expiresAtMs / 1000`), and a replay is looked for only in its own second: a token's jti and
 * exp are signed together, so a replay carries both (verifyRequest passes `exp + skew`, whole
 * seconds). Why buckets: a claim is one Map and one Set operation, and a whole second is
 * forgotten at once when it passes. The min-heap by expiry this replaced cost two O(log n)
 * sifts per claim at capacity: 3–7 µs of a signed append in the daemon's benchmark.
 *
 * At capacity (only under more than `maxEntries` live tokens, e.g. > 555 requests/s with the
 * 90 s window): the ids of the soonest second still held are dropped, and that second is
 * remembered until it passes: an unseen jti expiring in it is refused as a possible replay
 * of one of them (fail closed). Any other unseen jti is accepted, however full of long-lived
 * entries the cache is. Tokens expiring in that second are the only collateral; at steady
 * load they are older than everything new, so new tokens are not refused.
 * @example
 * const replayCache = createReplayCache({ maxEntries: 10_000 });
 * await verifyRequest({ token, secret, machineId, method, url, body, replayCache });
 */
export function createReplayCache(options: ReplayCacheOptions = {}): ReplayCache {
  const maxEntries = Math.max(
    1,
    Math.floor(options.maxEntries ?? REPLAY_CACHE_DEFAULT_MAX_ENTRIES),
  );
  const buckets = new Map<number, Set<string> | typeof EVICTED>();
  // The keys of `buckets`, ascending: ≤ 121 for verifyRequest's tokens (exp + 30 s is at most
  // 120 s away), so the rare insert of a new second out of order is a short splice.
  const seconds: number[] = [];
  let size = 0;

  function dropExpired(nowMs: number): void {
    while (seconds.length > 0 && (seconds[0] as number) * 1000 <= nowMs) {
      const second = seconds.shift() as number;
      const bucket = buckets.get(second);
      if (bucket !== EVICTED && bucket) size -= bucket.size;
      buckets.delete(second);
    }
  }

  function evictSoonest(): void {
    for (const second of seconds) {
      const bucket = buckets.get(second);
      if (bucket === EVICTED || !bucket) continue;
      size -= bucket.size;
      buckets.set(second, EVICTED);
      return;
    }
  }

  function newBucket(second: number): Set<string> {
    const bucket = new Set<string>();
    buckets.set(second, bucket);
    let at = seconds.length;
    while (at > 0 && (seconds[at - 1] as number) > second) at--;
    seconds.splice(at, 0, second);
    return bucket;
  }

  return {
    claim(jti, expiresAtMs, nowMs) {
      // A NaN or infinite expiry could never be ordered or forgotten: refused, fail closed.
      if (!Number.isFinite(expiresAtMs)) return false;
      // Remembered to the end of its second: a fractional exp + skew still verifies until then
      // (the expiry check reads whole seconds), so that is when nothing is left to protect.
      const second = Math.ceil(expiresAtMs / 1000);
      if (second * 1000 <= nowMs) return true;
      dropExpired(nowMs);
      let bucket = buckets.get(second);
      if (bucket === EVICTED || bucket?.has(jti)) return false;
      if (size >= maxEntries) {
        evictSoonest();
        bucket = buckets.get(second);
        // Its own second was the one dropped: that second's mark already refuses a replay.
        if (bucket === EVICTED) return true;
      }
      (bucket ?? newBucket(second)).add(jti);
      size++;
      return true;
    },
    get size() {
      return size;
    },
  };
}
