import type { LogBackend, PendingWrite } from "./log-backend.ts";
import type { QueuedWrite, StreamState } from "./stream-state.ts";

/** Turns accepted writes into committed (durable, visible) ones. */
export interface Committer {
  /** Resolves with null once `write` is durable and visible, or with the write error. */
  enqueue(stream: StreamState, write: PendingWrite): Promise<Error | null>;
  /** Applies already-durable writes to the committed index and wakes readers. */
  commit(stream: StreamState, writes: readonly PendingWrite[]): void;
}

/**
 * Group commit per stream: the first write to an idle stream schedules a flush
 * on the next `setImmediate`, so every append parsed in the same I/O turn joins
 * it; writes arriving while a flush is in flight form the next batch. One batch
 * = one `backend.write` (one write + one fsync in the file store).
 *
 * Two moments per batch: readers are woken when the backend calls `published`
 * (the file store: once the bytes are in the kernel, so a killed process cannot
 * take them back), writers are acknowledged when the write resolves (after
 * fsync). Backends that never call `published` make data visible only once it
 * is durable.
 *
 * @example
 * const committer = createCommitter({ backend, cacheBytesPerStream: 1 << 20 });
 * const error = await committer.enqueue(stream, write);
 */
export function createCommitter(options: {
  backend: LogBackend;
  cacheBytesPerStream: number;
}): Committer {
  const { backend, cacheBytesPerStream } = options;

  function commit(stream: StreamState, writes: readonly PendingWrite[]): void {
    let appended = false;
    for (const write of writes) {
      const record = write.record;
      if (record) {
        stream.records.push(record);
        stream.tail = record.end;
        if (record.data) stream.cachedBytes += record.data.length;
        appended = true;
      }
      if (write.close) stream.closed = true;
    }
    if (stream.cachedBytes > cacheBytesPerStream) trimCache(stream);
    if (appended) stream.wake("data");
    if (stream.closed) stream.wake("closed");
  }

  // Keeps the newest payloads in memory (what live tailers read); older ones
  // are read back from the backend on demand.
  function trimCache(stream: StreamState): void {
    const records = stream.records;
    let index = stream.cacheStart;
    while (stream.cachedBytes > cacheBytesPerStream && index < records.length - 1) {
      const record = records[index++];
      if (record?.data && record.segment !== -1) {
        stream.cachedBytes -= record.data.length;
        record.data = undefined;
      }
    }
    stream.cacheStart = index;
  }

  async function flush(stream: StreamState): Promise<void> {
    while (stream.queue.length > 0) {
      const batch = stream.queue;
      stream.queue = [];
      let visible = false;
      const publish = () => {
        visible = true;
        commit(stream, batch);
      };
      try {
        await backend.write(stream.meta, batch, publish);
      } catch (cause) {
        // The file may now hold a partial batch; refuse further writes until a
        // restart re-validates the log (recovery truncates torn records).
        const error = cause instanceof Error ? cause : new Error(String(cause));
        stream.failure = error.message;
        for (const write of batch) write.resolve(error);
        for (const write of stream.queue) write.resolve(error);
        stream.queue = [];
        break;
      }
      if (!visible) publish();
      for (const write of batch) write.resolve(null);
    }
    stream.flushing = false;
  }

  function enqueue(stream: StreamState, write: PendingWrite): Promise<Error | null> {
    const promise = new Promise<Error | null>((resolve) => {
      const queued = write as QueuedWrite;
      queued.resolve = resolve;
      stream.queue.push(queued);
    });
    stream.lastWrite = promise;
    if (!stream.flushing) {
      stream.flushing = true;
      setImmediate(() => void flush(stream));
    }
    return promise;
  }

  return { enqueue, commit };
}
