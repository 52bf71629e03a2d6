import { createCommitter } from "./group-commit.ts";
import { encodeJsonAppend } from "./json-mode.ts";
import type { LogBackend, LogRecord, PendingWrite, RecoveredStream } from "./log-backend.ts";
import { createStreamCreator } from "./stream-create.ts";
import { createStreamLifecycle } from "./stream-lifecycle.ts";
import { asBuffer, mediaType, type ProducerCheck, StreamState } from "./stream-state.ts";
import type { AppendInput, AppendResult, StoreFailure, StreamStore } from "./stream-store.ts";

export interface StoreCoreOptions {
  backend: LogBackend;
  /** Streams rebuilt by the backend's recovery. */
  recovered?: RecoveredStream[];
  /** Payload bytes kept in memory per stream; older ones are read back from the backend. */
  cacheBytesPerStream?: number;
  /** How often expired streams nobody touches are collected; 0 disables. */
  sweepIntervalMs?: number;
  now?: () => number;
}

/**
 * The protocol semantics of a stream store over any `LogBackend`: validation
 * (content type, `Stream-Seq`, producers, closure), forks, TTL/expiry and
 * waiters. Everything between validating an append and recording it as
 * accepted is synchronous, which is what serializes appends per stream and per
 * producer (§5.2.1 "Concurrency Requirements") without locks.
 *
 * @example
 * const store = createStoreCore({ backend: createMemoryBackend() });
 */
export function createStoreCore(options: StoreCoreOptions): StreamStore {
  const { backend } = options;
  const now = options.now ?? Date.now;
  const committer = createCommitter({
    backend,
    cacheBytesPerStream: options.cacheBytesPerStream ?? Number.POSITIVE_INFINITY,
  });
  const streams = new Map<string, StreamState>();
  const readPayloads = async (
    stream: StreamState,
    records: readonly LogRecord[],
    firstStart: number,
  ): Promise<Buffer[]> => {
    if (records.every((record) => record.data !== undefined))
      return records.map((r) => r.data as Buffer);
    return backend.readPayloads(stream.meta, records, firstStart);
  };
  const lifecycle = createStreamLifecycle({
    streams,
    backend,
    now,
    sweepIntervalMs: options.sweepIntervalMs,
  });
  const { live } = lifecycle;

  for (const recovered of options.recovered ?? []) {
    const stream = new StreamState(recovered.meta, now());
    stream.records = recovered.records;
    stream.tail = stream.acceptedTail = recovered.records.at(-1)?.end ?? 0;
    stream.closed = stream.acceptedClosed = recovered.closed;
    stream.closedBy = recovered.closedBy;
    stream.producers = recovered.producers;
    stream.lastStreamSeq = recovered.lastStreamSeq;
    for (const record of recovered.records)
      if (record.data) stream.cachedBytes += record.data.length;
    stream.cacheStart = recovered.records.findIndex((record) => record.data !== undefined);
    if (stream.cacheStart === -1) stream.cacheStart = recovered.records.length;
    streams.set(recovered.meta.name, stream);
  }
  lifecycle.recountForks();

  const create = createStreamCreator({ streams, lifecycle, backend, committer, now, readPayloads });

  async function append(name: string, input: AppendInput): Promise<AppendResult> {
    const stream = await live(name);
    if (!("meta" in stream)) return stream;
    if (stream.failure !== undefined)
      return { ok: false, reason: "storage_failed", message: stream.failure };
    stream.lastAccessAt = now();
    const closeOnly = input.body.length === 0;
    if (!closeOnly && mediaType(input.contentType ?? "") !== mediaType(stream.meta.contentType)) {
      return { ok: false, reason: "content_type_mismatch" };
    }
    const producer = input.producer;
    const check = producer ? stream.checkProducer(producer) : undefined;
    if (check && check.status !== "accepted") {
      if (check.status !== "duplicate") return producerFailure(check);
      // The original may still be waiting for its fsync: acknowledge the retry
      // only once that is durable.
      await stream.lastWrite;
      const echo = { epoch: producer?.epoch ?? 0, seq: check.lastSeq };
      return {
        ok: true,
        duplicate: true,
        tail: stream.tail,
        closed: stream.closed,
        producer: echo,
      };
    }
    if (stream.acceptedClosed) {
      await stream.lastWrite;
      if (closeOnly && !producer)
        return { ok: true, duplicate: false, tail: stream.tail, closed: true };
      return { ok: false, reason: "stream_closed", tail: stream.tail };
    }
    if (!closeOnly && input.streamSeq !== undefined) {
      if (stream.lastStreamSeq !== undefined && input.streamSeq <= stream.lastStreamSeq) {
        return { ok: false, reason: "seq_conflict" };
      }
    }
    let data: Buffer | null = null;
    if (!closeOnly) {
      const encoded = stream.json
        ? encodeJsonAppend(input.body, { allowEmptyArray: false })
        : { ok: true as const, data: asBuffer(input.body) };
      if (!encoded.ok) return { ok: false, reason: encoded.reason };
      data = encoded.data;
    }
    // Accepted: from here to `enqueue` nothing awaits, so the next request
    // validates against this one.
    const end = stream.acceptedTail + (data?.length ?? 0);
    stream.acceptedTail = end;
    if (producer && check?.status === "accepted") stream.producers.set(producer.id, check.next);
    if (!closeOnly && input.streamSeq !== undefined) stream.lastStreamSeq = input.streamSeq;
    if (input.close) {
      stream.acceptedClosed = true;
      stream.closedBy = producer;
    }
    const write: PendingWrite = {
      data,
      end,
      close: input.close,
      producer,
      streamSeq: closeOnly ? undefined : input.streamSeq,
      record: data ? { end, data, segment: -1, at: -1 } : null,
    };
    const error = await committer.enqueue(stream, write);
    if (error) return { ok: false, reason: "storage_failed", message: error.message };
    const echo = producer ? { epoch: producer.epoch, seq: producer.seq } : undefined;
    return { ok: true, duplicate: false, tail: end, closed: input.close, producer: echo };
  }

  return {
    create,
    append,
    head: lifecycle.head,
    async read(name, input) {
      const stream = await live(name);
      if (!("meta" in stream)) return stream;
      stream.lastAccessAt = now();
      const start = input.from === "now" ? stream.tail : input.from;
      if (start > stream.tail || !stream.isBoundary(start))
        return { ok: false, reason: "offset_out_of_range" };
      const first = stream.indexAfter(start);
      let last = first;
      let bytes = 0;
      if (input.from !== "now") {
        const records = stream.records;
        while (last < records.length) {
          const size = (records[last] as LogRecord).end - stream.startOf(last);
          if (last > first && bytes + size > input.maxBytes) break;
          bytes += size;
          last++;
        }
      }
      const selected = stream.records.slice(first, last);
      const chunks = selected.length === 0 ? [] : await readPayloads(stream, selected, start);
      const end = selected.at(-1)?.end ?? start;
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

function producerFailure(
  check: Exclude<ProducerCheck, { status: "accepted" | "duplicate" }>,
): StoreFailure {
  switch (check.status) {
    case "stale_epoch":
      return { ok: false, reason: "stale_epoch", currentEpoch: check.currentEpoch };
    case "sequence_gap":
      return {
        ok: false,
        reason: "sequence_gap",
        expected: check.expected,
        received: check.received,
      };
    case "invalid_epoch_seq":
      return { ok: false, reason: "invalid_epoch_seq" };
  }
}
