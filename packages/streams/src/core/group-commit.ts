import type { LogBackend, PendingWrite } from "./log-backend.ts";
import { applyRecordState } from "./log-state.ts";
import type { PayloadCache } from "./payload-cache.ts";
import type { QueuedWrite, StreamState } from "./stream-state.ts";

/** Turns accepted writes into visible and durable ones. */
export interface Committer {
  /** Resolves with null once `write` is durable (and visible), or with the error that failed it. */
  enqueue(stream: StreamState, write: PendingWrite): Promise<Error | null>;
  /** Makes already-durable writes visible and durable in memory, and wakes readers. */
  commit(stream: StreamState, writes: readonly PendingWrite[]): void;
}

const IGNORE = () => {};

/**
 * Group commit per stream: the first write to an idle stream schedules a flush
 * on the next `setImmediate`, so every append parsed in the same I/O turn joins
 * it; writes arriving while a flush is in flight form the next batch. One batch
 * = one `backend.write` (one write + one fdatasync in the file store).
 *
 * Two moments per batch: readers are woken when the backend calls `published`
 * (the file store: once the bytes are in the kernel, so a killed process cannot
 * take them back), writers are acknowledged when the write resolves (after
 * fdatasync). Backends that never call `published` make data visible only once
 * it is durable.
 *
 * A failed batch fails its writes and every write queued behind it (they were
 * validated against it), and the accepted state goes back to the durable one,
 * so a producer's retry is validated anew rather than acknowledged as a
 * duplicate. If readers were already shown the batch (it failed in fdatasync),
 * it is *withdrawn*: the visible tail goes back, and its positions, plus one,
 * become a gap no record will ever hold — a gap record written at once (or with
 * the next batch, if that fails too) — so an offset a reader got from the
 * withdrawn data is never valid again and reading from it answers `withdrawn`
 * with the offset to resume from. The stream takes new writes right away.
 *
 * @example
 * const committer = createCommitter({ backend, cache });
 * const error = await committer.enqueue(stream, write);
 */
export function createCommitter(options: { backend: LogBackend; cache: PayloadCache }): Committer {
  const { backend, cache } = options;

  function publish(stream: StreamState, writes: readonly PendingWrite[]): void {
    let appended = false;
    for (const write of writes) {
      if (write.data || write.gap) {
        cache.append(stream, stream.tail, write.end, write.data ?? EMPTY);
        stream.tail = write.end;
        appended = true;
      }
      if (write.close) stream.closed = true;
    }
    if (appended) stream.wake("data");
    if (stream.closed) stream.wake("closed");
  }

  function markDurable(stream: StreamState, writes: readonly PendingWrite[]): void {
    for (const write of writes) {
      stream.durableTail = write.end;
      applyRecordState(stream.durable, write);
      if (write === stream.pendingGap) stream.pendingGap = null;
    }
  }

  function commit(stream: StreamState, writes: readonly PendingWrite[]): void {
    publish(stream, writes);
    markDurable(stream, writes);
  }

  function fail(stream: StreamState, batch: QueuedWrite[], error: Error, shown: boolean): void {
    const refused = batch.concat(stream.queue);
    stream.queue = [];
    if (shown && stream.tail > stream.durableTail) {
      // Readers may hold offsets up to the visible tail: burn them all, plus one,
      // so no later record can start at any of them.
      const range = { from: stream.durableTail, to: stream.tail + 1 };
      stream.withdrawn = stream.withdrawn.filter((r) => r.to <= range.from);
      stream.withdrawn.push(range);
      stream.pendingGap = { data: null, end: range.to, close: false, gap: true };
      cache.truncate(stream, range.from);
      stream.tail = range.from;
      stream.wakeBeyond(range.from);
    }
    // A close readers may have seen is taken back too (rare: a failed close-only batch).
    stream.closed = stream.durable.closed;
    stream.restoreAccepted();
    for (const write of refused) write.resolve(error);
  }

  async function flush(stream: StreamState): Promise<void> {
    // A gap that must become durable gets one attempt of its own right after the
    // failure that made it (once per flush, so a failing disk cannot spin this
    // loop), then rides with every later batch until it sticks.
    let gapAttempted = false;
    while (stream.queue.length > 0 || (stream.pendingGap && !gapAttempted)) {
      const batch = stream.queue;
      stream.queue = [];
      if (stream.pendingGap) {
        batch.unshift(Object.assign(stream.pendingGap, { resolve: IGNORE }) as QueuedWrite);
        gapAttempted = true;
      }
      let shown = false;
      try {
        await backend.write(stream.meta, batch, () => {
          shown = true;
          publish(stream, batch);
        });
      } catch (cause) {
        fail(stream, batch, cause instanceof Error ? cause : new Error(String(cause)), shown);
        continue;
      }
      if (!shown) publish(stream, batch);
      markDurable(stream, batch);
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

const EMPTY = Buffer.alloc(0);
