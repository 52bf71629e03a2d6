import type { LogBackend, ReadWindow, RecordRun } from "./log-backend.ts";
import type { PayloadCache } from "./payload-cache.ts";
import type { StreamState } from "./stream-state.ts";

/** Reads the records of a stream from a position; null when no record starts there. */
export type RecordReader = (
  stream: StreamState,
  from: number,
  window: ReadWindow,
  /** false: what is read from disk is not added to the cache (a scan). */
  fill?: boolean,
) => Promise<RecordRun | null>;

/**
 * Reads through the payload cache: a position inside a stream's cached run is
 * served from memory; an older one from the backend, stopping where the run
 * begins (the caller reads on from there), and what comes back is added to
 * the cache when it reaches the run or the tail — the lazy fill that keeps a
 * restarted store from reading anything before someone asks.
 *
 * @example
 * const read = createRecordReader({ backend, cache });
 * const run = await read(stream, 0, { limit: stream.tail, maxBytes: 1 << 20 });
 */
export function createRecordReader(options: {
  backend: LogBackend;
  cache: PayloadCache;
}): RecordReader {
  const { backend, cache } = options;
  return async (stream, from, window, fill = true) => {
    if (from >= window.limit) return { start: from, ends: [], data: [] };
    const cached = cache.read(stream, from, window);
    if (cached !== undefined) return cached;
    const runStart = cache.runStart(stream);
    const limit =
      runStart !== undefined && runStart > from ? Math.min(window.limit, runStart) : window.limit;
    const run = await backend.read(stream.meta, from, { limit, maxBytes: window.maxBytes });
    if (!run) return null;
    if (fill) cache.fill(stream, run, stream.tail);
    // Reached the cached run with budget left: go on from memory.
    const end = run.ends.at(-1) ?? from;
    if (end === limit && limit < window.limit) {
      let bytes = 0;
      for (const data of run.data) bytes += data.length;
      const rest = cache.read(stream, end, window, bytes);
      if (rest) {
        run.ends.push(...rest.ends);
        run.data.push(...rest.data);
      }
    }
    return run;
  };
}
