/**
 * When `platformAuth` writes claimed jtis to the replay log. The first request of an event-loop
 * turn writes at once (a lone request waits for nothing); any later one in the same turn waits
 * for the check phase, where one write takes all of theirs. Why not always at once: under a
 * pipelined burst that is a write per request, and each costs ~8 µs while a stream's fdatasync
 * holds the disk (bench/streams.bench.ts), against one write per turn here.
 *
 * The promise settles once the request's jti is written (or rejects with the write's error:
 * the request then fails, fail closed).
 *
 * @example
 * const flushed = createTurnFlush(() => replayCache.flush());
 * claim(jti);
 * await flushed(); // the jti is on record
 */
export function createTurnFlush(flush: () => void): () => Promise<void> | undefined {
  let flushedThisTurn = false;
  let batch: { resolve(): void; reject(error: unknown): void }[] | null = null;
  const endTurn = () => {
    flushedThisTurn = false;
  };
  const writeBatch = () => {
    const waiting = batch ?? [];
    batch = null;
    try {
      flush();
    } catch (error) {
      for (const request of waiting) request.reject(error);
      return;
    }
    for (const request of waiting) request.resolve();
  };
  return () => {
    if (!flushedThisTurn) {
      flushedThisTurn = true;
      setImmediate(endTurn);
      flush();
      return undefined;
    }
    return new Promise<void>((resolve, reject) => {
      if (!batch) {
        batch = [];
        setImmediate(writeBatch);
      }
      batch.push({ resolve, reject });
    });
  };
}
