import { randomBytes } from "node:crypto";
import { planFork } from "./fork-plan.ts";
import { createCommitter } from "./group-commit.ts";
import { encodeJsonAppend } from "./json-mode.ts";
import type {
  LogBackend,
  LogRecord,
  PendingWrite,
  RecoveredStream,
  StreamMeta,
} from "./log-backend.ts";
import { DEFAULT_CONTENT_TYPE } from "./protocol.ts";
import { createStreamLifecycle } from "./stream-lifecycle.ts";
import { mediaType, type ProducerCheck, StreamState } from "./stream-state.ts";
import type {
  AppendInput,
  AppendResult,
  CreateInput,
  CreateResult,
  StoreFailure,
  StreamStore,
} from "./stream-store.ts";

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

/** Random internal stream id: time-ordered prefix, 48 random bits. */
export function newStreamId(now: number): string {
  return `${now.toString(36).padStart(9, "0")}${randomBytes(6).toString("hex")}`;
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
  const { lookup, live } = lifecycle;

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

  function sameConfig(stream: StreamState, input: CreateInput): boolean {
    const requested = stream.meta.requested;
    const wantedType =
      input.contentType ?? (input.fork ? stream.meta.contentType : DEFAULT_CONTENT_TYPE);
    const sameExpiry =
      input.expiresAt === requested.expiresAt ||
      (input.expiresAt !== undefined &&
        requested.expiresAt !== undefined &&
        Date.parse(input.expiresAt) === Date.parse(requested.expiresAt));
    return (
      mediaType(wantedType) === mediaType(stream.meta.contentType) &&
      input.ttlSeconds === requested.ttlSeconds &&
      sameExpiry &&
      input.closed === requested.closed &&
      input.fork?.from === requested.forkedFrom &&
      (input.fork?.offset === undefined || input.fork.offset === requested.forkOffset) &&
      (input.fork?.subOffset ?? 0) === (requested.forkSubOffset ?? 0)
    );
  }

  async function create(name: string, input: CreateInput): Promise<CreateResult> {
    // Wait out creates in flight for either name; nothing below awaits until
    // the new stream is registered, so two PUTs cannot both create it.
    while (streams.get(name)?.creating || (input.fork && streams.get(input.fork.from)?.creating)) {
      await lifecycle.settled(name);
      if (input.fork) await lifecycle.settled(input.fork.from);
    }
    const existing = lookup(name);
    if (existing) {
      if (existing.meta.softDeleted) return { ok: false, reason: "path_in_use" };
      if (!sameConfig(existing, input)) return { ok: false, reason: "config_mismatch" };
      return { ok: true, created: false, info: existing.info() };
    }
    let source: StreamState | undefined;
    if (input.fork) {
      source = lookup(input.fork.from);
      if (!source) return { ok: false, reason: "source_not_found" };
      if (source.meta.softDeleted) return { ok: false, reason: "source_gone" };
      if (
        input.contentType !== undefined &&
        mediaType(input.contentType) !== mediaType(source.meta.contentType)
      ) {
        return { ok: false, reason: "content_type_mismatch" };
      }
    }
    const createdAt = now();
    const inheritsExpiry =
      source && input.ttlSeconds === undefined && input.expiresAt === undefined;
    const meta: StreamMeta = {
      id: newStreamId(createdAt),
      name,
      contentType: input.contentType ?? source?.meta.contentType ?? DEFAULT_CONTENT_TYPE,
      createdAt,
      ttlSeconds: inheritsExpiry ? source?.meta.ttlSeconds : input.ttlSeconds,
      expiresAt: inheritsExpiry ? source?.meta.expiresAt : input.expiresAt,
      forkedFrom: source ? input.fork?.from : undefined,
      forkedFromId: source?.meta.id,
      requested: {
        ttlSeconds: input.ttlSeconds,
        expiresAt: input.expiresAt,
        closed: input.closed,
        forkedFrom: input.fork?.from,
        forkSubOffset: input.fork?.subOffset,
      },
      softDeleted: false,
    };
    const stream = new StreamState(meta, createdAt);
    // Registered before any await: concurrent requests for this name wait for
    // `creating`, and the source's reference count protects it meanwhile.
    let finish: () => void = () => {};
    stream.creating = new Promise((resolve) => {
      finish = resolve;
    });
    streams.set(name, stream);
    if (source) source.refCount++;
    const abandon = (failure: StoreFailure): StoreFailure => {
      streams.delete(name);
      if (source) lifecycle.release(stream);
      return failure;
    };
    try {
      const writes: PendingWrite[] = [];
      if (source && input.fork) {
        const plan = await planFork(source, input.fork, readPayloads);
        if (!plan.ok) return abandon(plan);
        meta.requested.forkOffset = plan.offset;
        writes.push(...plan.writes);
      }
      let end = writes.at(-1)?.end ?? 0;
      if (input.body.length > 0) {
        const encoded = stream.json
          ? encodeJsonAppend(input.body, { allowEmptyArray: true })
          : { ok: true as const, data: asBuffer(input.body) };
        if (!encoded.ok) return abandon({ ok: false, reason: encoded.reason });
        if (encoded.data) {
          end += encoded.data.length;
          const data = encoded.data;
          writes.push({ data, end, close: false, record: { end, data, segment: -1, at: -1 } });
        }
      }
      if (input.closed) writes.push({ data: null, end, close: true, record: null });
      try {
        await backend.create(meta, writes);
      } catch (error) {
        return abandon({ ok: false, reason: "storage_failed", message: String(error) });
      }
      stream.acceptedTail = end;
      stream.acceptedClosed = input.closed;
      committer.commit(stream, writes);
      return { ok: true, created: true, info: stream.info() };
    } finally {
      stream.creating = null;
      finish();
    }
  }

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

function asBuffer(body: Uint8Array): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}
