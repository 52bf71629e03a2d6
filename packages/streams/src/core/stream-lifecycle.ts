import type { LogBackend } from "./log-backend.ts";
import type { PayloadCache } from "./payload-cache.ts";
import type { StreamState, Waiter } from "./stream-state.ts";
import type {
  DeleteResult,
  InfoResult,
  StoreFailure,
  StreamInfo,
  WaitOptions,
  WaitOutcome,
} from "./stream-store.ts";

/** Existence, expiry, deletion (with fork reference counts) and waiting. */
export interface StreamLifecycle {
  /** The stream if it exists and has not expired (soft-deleted ones included). */
  lookup(name: string): StreamState | undefined;
  /** The stream if it can be read or written, else `not_found` / `gone`. */
  live(name: string): Promise<StreamState | StoreFailure>;
  /** Resolves once a create in flight for `name` has finished. */
  settled(name: string): Promise<void>;
  /** Records an access: slides the TTL window, remembered by the backend across restarts. */
  touch(stream: StreamState): void;
  head(name: string): InfoResult;
  waitForData(name: string, position: number, options: WaitOptions): Promise<WaitOutcome>;
  remove(name: string): Promise<DeleteResult>;
  list(): StreamInfo[];
  /** Drops `fork`'s reference on its source, collecting a soft-deleted source. */
  release(fork: StreamState): void;
  /** Rebuilds reference counts after recovery. */
  recountForks(): void;
  /** Stops the sweeper and wakes every waiter with `shutdown`. */
  stop(): void;
}

const NOT_FOUND: StoreFailure = { ok: false, reason: "not_found" };
const GONE: StoreFailure = { ok: false, reason: "gone" };
const OK: DeleteResult = { ok: true };

/** How stale the backend's record of a stream's last access may get (sliding TTL). */
const ACCESS_PERSIST_MS = 1000;

/**
 * Stream lifetimes per the protocol: expiry is checked on access (TTL slides on
 * reads and writes, not HEAD) and by a background sweep; a stream deleted or
 * expired while forks reference it is soft-deleted (410, name reserved) until
 * the last fork goes, then collected, cascading up fork chains. The last access
 * of a stream with a TTL is handed to the backend at most once a second, so
 * after a restart its window continues (to within that second) instead of
 * starting again.
 *
 * @example
 * const lifecycle = createStreamLifecycle({ streams, backend, cache, now: Date.now });
 */
export function createStreamLifecycle(options: {
  streams: Map<string, StreamState>;
  backend: LogBackend;
  cache: PayloadCache;
  now: () => number;
  sweepIntervalMs?: number;
  onError?: (error: unknown) => void;
}): StreamLifecycle {
  const { streams, backend, cache, now } = options;
  const onError = options.onError ?? ((error: unknown) => console.error("[streams]", error));

  function touch(stream: StreamState): void {
    const at = now();
    stream.lastAccessAt = at;
    if (stream.meta.ttlSeconds === undefined || at - stream.persistedAccessAt < ACCESS_PERSIST_MS)
      return;
    stream.persistedAccessAt = at;
    backend.touch(stream.meta, at);
  }

  function lookup(name: string): StreamState | undefined {
    const stream = streams.get(name);
    if (!stream || stream.creating) return undefined;
    if (stream.meta.expiresAt === undefined && stream.meta.ttlSeconds === undefined) return stream;
    return stream.isExpired(now()) ? expire(stream) : stream;
  }

  function expire(stream: StreamState): StreamState | undefined {
    if (stream.refCount > 0) {
      if (!stream.meta.softDeleted) softDelete(stream).catch(onError);
      return stream;
    }
    collect(stream).catch(onError);
    return undefined;
  }

  function softDelete(stream: StreamState): Promise<void> {
    stream.meta.softDeleted = true;
    stream.wake("gone");
    stream.metaWrite = backend.updateMeta(stream.meta);
    return stream.metaWrite;
  }

  // Unlinks synchronously (the name is free at once), removes data durably after.
  function collect(stream: StreamState): Promise<unknown> {
    if (streams.get(stream.meta.name) === stream) streams.delete(stream.meta.name);
    cache.drop(stream);
    stream.wake("gone");
    const parent = releaseParent(stream);
    const removed = (async () => {
      await stream.lastWrite;
      cache.drop(stream); // writes still in flight at the unlink may have cached payloads
      await stream.metaWrite?.catch(() => {});
      await backend.remove(stream.meta);
    })();
    return parent ? Promise.all([removed, parent]) : removed;
  }

  function releaseParent(fork: StreamState): Promise<unknown> | undefined {
    const { forkedFrom, forkedFromId } = fork.meta;
    if (forkedFrom === undefined) return undefined;
    const parent = streams.get(forkedFrom);
    if (!parent || parent.meta.id !== forkedFromId) return undefined;
    parent.refCount = Math.max(0, parent.refCount - 1);
    return parent.refCount === 0 && parent.meta.softDeleted ? collect(parent) : undefined;
  }

  async function settled(name: string): Promise<void> {
    const creating = streams.get(name)?.creating;
    if (creating) await creating;
  }

  async function live(name: string): Promise<StreamState | StoreFailure> {
    if (streams.get(name)?.creating) await settled(name);
    const stream = lookup(name);
    if (!stream) return NOT_FOUND;
    return stream.meta.softDeleted ? GONE : stream;
  }

  function waitForData(name: string, position: number, wait: WaitOptions): Promise<WaitOutcome> {
    const stream = lookup(name);
    if (!stream || stream.meta.softDeleted) return Promise.resolve("gone");
    touch(stream);
    if (position < stream.tail) return Promise.resolve("data");
    if (stream.closed) return Promise.resolve("closed");
    if (wait.cancel?.reason !== undefined) return Promise.resolve("aborted");
    return new Promise((resolve) => {
      const timer = setTimeout(() => waiter.wake("timeout"), wait.timeoutMs);
      const unsubscribe = wait.cancel?.onCancel(() => waiter.wake("aborted"));
      const waiter: Waiter = {
        position,
        wake(outcome) {
          clearTimeout(timer);
          stream.waiters.delete(waiter);
          unsubscribe?.();
          touch(stream);
          resolve(outcome);
        },
      };
      stream.waiters.add(waiter);
    });
  }

  async function remove(name: string): Promise<DeleteResult> {
    await settled(name);
    const stream = lookup(name);
    if (!stream) return NOT_FOUND;
    if (stream.meta.softDeleted) return GONE;
    try {
      await (stream.refCount > 0 ? softDelete(stream) : collect(stream));
    } catch (error) {
      return { ok: false, reason: "storage_failed", message: String(error) };
    }
    return OK;
  }

  const sweepIntervalMs = options.sweepIntervalMs ?? 10_000;
  const sweeper =
    sweepIntervalMs > 0
      ? setInterval(() => {
          for (const name of [...streams.keys()]) lookup(name);
        }, sweepIntervalMs)
      : undefined;
  sweeper?.unref();

  return {
    lookup,
    live,
    settled,
    touch,
    head(name) {
      const stream = lookup(name);
      if (!stream) return NOT_FOUND;
      return stream.meta.softDeleted ? GONE : { ok: true, info: stream.info() };
    },
    waitForData,
    remove,
    list() {
      const infos: StreamInfo[] = [];
      for (const name of streams.keys()) {
        const stream = lookup(name);
        if (stream && !stream.meta.softDeleted) infos.push(stream.info());
      }
      return infos;
    },
    release(fork) {
      releaseParent(fork)?.catch(onError);
    },
    recountForks() {
      for (const stream of streams.values()) {
        const parent =
          stream.meta.forkedFrom === undefined ? undefined : streams.get(stream.meta.forkedFrom);
        if (parent && parent.meta.id === stream.meta.forkedFromId) parent.refCount++;
      }
      // A crash between a fork's removal and its source's collection leaves an
      // unreferenced soft-deleted source: finish the cascade now.
      for (const stream of [...streams.values()]) {
        if (stream.meta.softDeleted && stream.refCount === 0) collect(stream).catch(onError);
      }
    },
    stop() {
      if (sweeper) clearInterval(sweeper);
      for (const stream of streams.values()) stream.wake("shutdown");
    },
  };
}
