import type { LogBackend, PendingWrite, RecordRun, StreamMeta } from "../core/log-backend.ts";
import { takesNext } from "../core/read-budget.ts";

/** The records of one stream, in memory. */
interface MemoryLog {
  ends: number[];
  data: Buffer[];
}

const EMPTY = Buffer.alloc(0);

/**
 * A backend that keeps every record in memory: a batch is visible at once;
 * writers are answered one event-loop turn later, after the woken readers.
 *
 * @example
 * const store = createStoreCore({ backend: createMemoryBackend(), cache: { maxBytes: 0 } });
 */
export function createMemoryBackend(): LogBackend {
  const logs = new Map<string, MemoryLog>();

  function append(log: MemoryLog, writes: readonly PendingWrite[]): void {
    for (const write of writes) {
      if (write.data || write.gap) {
        log.ends.push(write.end);
        log.data.push(write.data ?? EMPTY);
      }
    }
  }

  const logOf = (meta: StreamMeta): MemoryLog => {
    const log = logs.get(meta.id);
    if (!log) throw new Error(`stream ${meta.name} has no log`);
    return log;
  };

  return {
    recover: async () => [],
    async create(meta, content) {
      const log: MemoryLog = { ends: [], data: [] };
      for await (const writes of content) append(log, writes);
      logs.set(meta.id, log);
    },
    async write(meta, writes, published) {
      append(logOf(meta), writes);
      published?.();
      await new Promise((resolve) => setImmediate(resolve));
    },
    async read(meta, from, { limit, maxBytes }) {
      const { ends, data } = logOf(meta);
      let index = 0;
      if (from > 0) {
        let lo = 0;
        let hi = ends.length;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if ((ends[mid] as number) < from) lo = mid + 1;
          else hi = mid;
        }
        if (ends[lo] !== from) return null;
        index = lo + 1;
      }
      const run: RecordRun = { start: from, ends: [], data: [] };
      let bytes = 0;
      for (let i = index; i < ends.length && (ends[i] as number) <= limit; i++) {
        const payload = data[i] as Buffer;
        if (!takesNext(bytes, bytes > 0, payload.length, maxBytes)) break;
        run.ends.push(ends[i] as number);
        run.data.push(payload);
        bytes += payload.length;
      }
      return run;
    },
    touch() {},
    updateMeta: async () => {},
    async remove(meta) {
      logs.delete(meta.id);
    },
    close: async () => {},
  };
}
