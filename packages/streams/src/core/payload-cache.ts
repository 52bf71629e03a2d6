import type { RecordRun } from "./log-backend.ts";
import { takesNext } from "./read-budget.ts";

/** Sizes of the payload cache. */
export interface PayloadCacheOptions {
  /** Bytes held across all streams (default 64 MiB); 0 disables the cache. */
  maxBytes?: number;
  /** Bytes held for one stream, its newest (default 1 MiB, one catch-up response). */
  maxBytesPerStream?: number;
}

/**
 * One size-bounded cache of recent payloads for all streams. Each stream gets
 * at most one *run*: its newest records, contiguous up to its visible tail —
 * what tailing readers read. Runs are filled as appends become visible and
 * lazily by reads from disk (never at recovery), and evicted least recently
 * used first, whole, when the total passes `maxBytes`.
 *
 * @example
 * const cache = createPayloadCache({ maxBytes: 64 << 20 });
 * cache.append(stream, 0, 5, Buffer.from("hello"));
 * cache.read(stream, 0, { limit: 5, maxBytes: 1 << 20 }); // { start: 0, ends: [5], data: [<hello>] }
 */
export interface PayloadCache {
  /** Adds a visible record at the tail of `owner`'s run (starting a new run if not contiguous). */
  append(owner: object, start: number, end: number, data: Buffer): void;
  /**
   * Records from `from` (as `LogBackend.read`), `undefined` when the run does
   * not cover `from`, null when `from` is inside it but not a record start.
   * `taken` payload bytes of the same read came before (from disk).
   */
  read(
    owner: object,
    from: number,
    window: { limit: number; maxBytes: number },
    taken?: number,
  ): RecordRun | null | undefined;
  /** Where `owner`'s run starts, if it has one. */
  runStart(owner: object): number | undefined;
  /** Adds records read from disk that end where the run starts (or at `tail` when there is none). */
  fill(owner: object, run: RecordRun, tail: number): void;
  /** Forgets records ending after `position` (a withdrawn batch). */
  truncate(owner: object, position: number): void;
  drop(owner: object): void;
  /** Accounted bytes and cached streams, for tests and metrics. */
  stats(): { bytes: number; streams: number };
}

/** Accounted per record beyond its payload: the index entry and Buffer object. */
const RECORD_OVERHEAD = 96;

interface Run {
  /** Start position of the record at `head`. */
  start: number;
  ends: number[];
  data: Buffer[];
  /** Index of the oldest live record (older slots are dropped lazily). */
  head: number;
  bytes: number;
}

export function createPayloadCache(options: PayloadCacheOptions = {}): PayloadCache {
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  const perStream = Math.min(maxBytes, options.maxBytesPerStream ?? 1024 * 1024);
  // Insertion order is recency order: touching a run re-inserts it.
  const runs = new Map<object, Run>();
  let total = 0;

  const runEnd = (run: Run) =>
    run.ends.length > run.head ? (run.ends.at(-1) as number) : run.start;
  const cost = (data: Buffer) => data.length + RECORD_OVERHEAD;

  function touch(owner: object, run: Run): void {
    runs.delete(owner);
    runs.set(owner, run);
  }

  function dropFront(run: Run): void {
    const data = run.data[run.head] as Buffer;
    run.bytes -= cost(data);
    total -= cost(data);
    run.start = run.ends[run.head] as number;
    run.head++;
    // Compact once the dead prefix dominates, so dropping stays O(1) amortized.
    if (run.head > 1024 && run.head * 2 > run.ends.length) {
      run.ends = run.ends.slice(run.head);
      run.data = run.data.slice(run.head);
      run.head = 0;
    }
  }

  function evict(): void {
    for (const [owner, run] of runs) {
      if (total <= maxBytes) return;
      runs.delete(owner);
      total -= run.bytes;
    }
  }

  function drop(owner: object): void {
    const run = runs.get(owner);
    if (!run) return;
    runs.delete(owner);
    total -= run.bytes;
  }

  return {
    append(owner, start, end, data) {
      if (maxBytes <= 0) return;
      let run = runs.get(owner);
      if (run && runEnd(run) !== start) {
        drop(owner);
        run = undefined;
      }
      run ??= { start, ends: [], data: [], head: 0, bytes: 0 };
      run.ends.push(end);
      run.data.push(data);
      run.bytes += cost(data);
      total += cost(data);
      while (run.bytes > perStream && run.ends.length - run.head > 1) dropFront(run);
      touch(owner, run);
      if (total > maxBytes) evict();
    },

    read(owner, from, window, taken = 0) {
      const run = runs.get(owner);
      if (!run || from < run.start) return undefined;
      const { ends, data } = run;
      let index: number;
      if (from === run.start) index = run.head;
      else {
        let lo = run.head;
        let hi = ends.length;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if ((ends[mid] as number) < from) lo = mid + 1;
          else hi = mid;
        }
        if (ends[lo] !== from) return from > runEnd(run) ? undefined : null;
        index = lo + 1;
      }
      touch(owner, run);
      const out: RecordRun = { start: from, ends: [], data: [] };
      let bytes = taken;
      let hasData = taken > 0;
      for (let i = index; i < ends.length && (ends[i] as number) <= window.limit; i++) {
        const payload = data[i] as Buffer;
        if (!takesNext(bytes, hasData, payload.length, window.maxBytes)) break;
        out.ends.push(ends[i] as number);
        out.data.push(payload);
        bytes += payload.length;
        hasData ||= payload.length > 0;
      }
      return out;
    },

    runStart(owner) {
      return runs.get(owner)?.start;
    },

    fill(owner, incoming, tail) {
      if (maxBytes <= 0 || incoming.ends.length === 0) return;
      const run = runs.get(owner);
      const incomingEnd = incoming.ends.at(-1) as number;
      if (run ? incomingEnd !== run.start : incomingEnd !== tail) return;
      const target = run ?? { start: incomingEnd, ends: [], data: [], head: 0, bytes: 0 };
      // Newest first, until the per-stream budget is spent: older records would be trimmed anyway.
      let take = 0;
      let bytes = 0;
      for (let i = incoming.ends.length - 1; i >= 0; i--) {
        const size = cost(incoming.data[i] as Buffer);
        if (target.bytes + bytes + size > perStream && take > 0) break;
        bytes += size;
        take++;
      }
      const first = incoming.ends.length - take;
      const live = { ends: target.ends.slice(target.head), data: target.data.slice(target.head) };
      target.ends = incoming.ends.slice(first).concat(live.ends);
      target.data = incoming.data.slice(first).concat(live.data);
      target.head = 0;
      target.start = first === 0 ? incoming.start : (incoming.ends[first - 1] as number);
      target.bytes += bytes;
      total += bytes;
      touch(owner, target);
      if (total > maxBytes) evict();
    },

    truncate(owner, position) {
      const run = runs.get(owner);
      if (!run) return;
      if (run.start >= position) return drop(owner);
      while (run.ends.length > run.head && (run.ends.at(-1) as number) > position) {
        run.ends.pop();
        const data = run.data.pop() as Buffer;
        run.bytes -= cost(data);
        total -= cost(data);
      }
    },

    drop,

    stats() {
      return { bytes: total, streams: runs.size };
    },
  };
}
