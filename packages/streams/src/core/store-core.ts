import { createCommitter } from "./group-commit.ts";
import type { LogBackend, RecoveredStream } from "./log-backend.ts";
import { createPayloadCache, type PayloadCacheOptions } from "./payload-cache.ts";
import { createRecordReader } from "./record-reader.ts";
import { createStreamAppender } from "./stream-append.ts";
import { createStreamCreator } from "./stream-create.ts";
import { createStreamLifecycle } from "./stream-lifecycle.ts";
import { StreamState } from "./stream-state.ts";
import type { StreamStore } from "./stream-store.ts";

export interface StoreCoreOptions {
  backend: LogBackend;
  /** Streams rebuilt by the backend's recovery. */
  recovered?: RecoveredStream[];
  /** The global payload cache in front of the backend; `{ maxBytes: 0 }` disables it. */
  cache?: PayloadCacheOptions;
  /** How often expired streams nobody touches are collected; 0 disables. */
  sweepIntervalMs?: number;
  now?: () => number;
}

/**
 * The protocol semantics of a stream store over any `LogBackend`: validation
 * (content type, `Stream-Seq`, producers, closure), group commit and its
 * failure handling, forks, TTL/expiry, waiters, and reads through one global
 * payload cache. Per stream it holds only counters and producer state — no
 * per-append index — so memory does not grow with a stream's length.
 *
 * @example
 * const store = createStoreCore({ backend: createMemoryBackend() });
 */
export function createStoreCore(options: StoreCoreOptions): StreamStore {
  const { backend } = options;
  const now = options.now ?? Date.now;
  const cache = createPayloadCache(options.cache);
  const committer = createCommitter({ backend, cache });
  const readRecords = createRecordReader({ backend, cache });
  const streams = new Map<string, StreamState>();
  const lifecycle = createStreamLifecycle({
    streams,
    backend,
    cache,
    now,
    sweepIntervalMs: options.sweepIntervalMs,
  });
  const { live } = lifecycle;

  for (const recovered of options.recovered ?? []) {
    const stream = new StreamState(recovered.meta, recovered.lastAccessAt ?? now());
    stream.reset(recovered.tail, recovered.state);
    stream.withdrawn = recovered.withdrawn;
    streams.set(recovered.meta.name, stream);
  }
  lifecycle.recountForks();

  return {
    create: createStreamCreator({ streams, lifecycle, backend, readRecords, now }),
    append: createStreamAppender({ lifecycle, committer }),
    head: lifecycle.head,
    async read(name, input) {
      const stream = await live(name);
      if (!("meta" in stream)) return stream;
      lifecycle.touch(stream);
      const start = input.from === "now" ? stream.tail : input.from;
      if (start > stream.tail) return { ok: false, reason: "offset_out_of_range" };
      const withdrawn = stream.withdrawnAt(start);
      if (withdrawn) return { ok: false, reason: "withdrawn", resumeAt: withdrawn.from };
      const limit = stream.tail;
      const window = { limit, maxBytes: input.maxBytes };
      const run = await readRecords(stream, start, window, input.cache ?? true);
      if (!run) return { ok: false, reason: "offset_out_of_range" };
      const chunks = run.data.filter((data) => data.length > 0);
      const end = run.ends.at(-1) ?? start;
      return { ok: true, info: stream.info(), chunks, start, end, upToDate: end === stream.tail };
    },
    waitForData: lifecycle.waitForData,
    delete: lifecycle.remove,
    list: lifecycle.list,
    async close() {
      lifecycle.stop();
      await Promise.all([...streams.values()].map((stream) => stream.lastWrite));
      await backend.close();
    },
  };
}
