import type { LogRecord, PendingWrite, ProducerState, StreamMeta } from "./log-backend.ts";
import { JSON_MEDIA_TYPE } from "./protocol.ts";
import type { ProducerTuple, StreamInfo, WaitOutcome } from "./stream-store.ts";

/** A long-poll or SSE reader parked until data past `position` is committed. */
export interface Waiter {
  position: number;
  wake(outcome: WaitOutcome): void;
}

/** A write accepted in arrival order, waiting for its group commit. */
export interface QueuedWrite extends PendingWrite {
  resolve(error: Error | null): void;
}

/** Outcome of checking a producer tuple against accepted state (§5.2.1). */
export type ProducerCheck =
  | { status: "accepted"; next: ProducerState }
  | { status: "duplicate"; lastSeq: number }
  | { status: "stale_epoch"; currentEpoch: number }
  | { status: "invalid_epoch_seq" }
  | { status: "sequence_gap"; expected: number; received: number };

/**
 * The in-memory state of one stream. Two views are kept apart on purpose:
 * *accepted* state (`acceptedTail`, producers, `lastStreamSeq`, `acceptedClosed`)
 * includes writes still waiting for fsync, so later requests validate against
 * everything before them; *committed* state (`records`, `tail`, `closed`) is
 * what readers see — only durable data.
 */
export class StreamState {
  meta: StreamMeta;
  readonly json: boolean;
  /** Committed index, ordered by `end`. */
  records: LogRecord[] = [];
  tail = 0;
  closed = false;
  acceptedTail = 0;
  acceptedClosed = false;
  closedBy: ProducerTuple | undefined;
  producers = new Map<string, ProducerState>();
  lastStreamSeq: string | undefined;
  lastAccessAt: number;
  /** Live forks created from this stream. */
  refCount = 0;
  /** Writes waiting for the next group commit. */
  queue: QueuedWrite[] = [];
  flushing = false;
  /** Settles when every write accepted so far is committed (or failed). */
  lastWrite: Promise<unknown> | null = null;
  /** Set after a failed write: the stream refuses further writes until restart. */
  failure: string | undefined;
  waiters = new Set<Waiter>();
  /** The last metadata rewrite (soft delete); removal waits for it. */
  metaWrite: Promise<void> | null = null;
  /** Settles when the durable create finishes; other requests wait for it. */
  creating: Promise<void> | null = null;
  /** Bytes of payload held in `records[].data` (the file store's hot-tail cache). */
  cachedBytes = 0;
  /** Index of the oldest record whose payload is still cached. */
  cacheStart = 0;

  constructor(meta: StreamMeta, now: number) {
    this.meta = meta;
    this.json = mediaType(meta.contentType) === JSON_MEDIA_TYPE;
    this.lastAccessAt = now;
  }

  info(): StreamInfo {
    return {
      name: this.meta.name,
      id: this.meta.id,
      contentType: this.meta.contentType,
      json: this.json,
      tail: this.tail,
      closed: this.closed,
      ttlSeconds: this.meta.ttlSeconds,
      expiresAt: this.meta.expiresAt,
      createdAt: this.meta.createdAt,
    };
  }

  /** Index of the first committed record ending after `position`. */
  indexAfter(position: number): number {
    const records = this.records;
    let lo = 0;
    let hi = records.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((records[mid] as LogRecord).end <= position) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Start position of the committed record at `index`. */
  startOf(index: number): number {
    return index === 0 ? 0 : (this.records[index - 1] as LogRecord).end;
  }

  /** A position where a committed record starts or the committed tail. */
  isBoundary(position: number): boolean {
    if (position === 0 || position === this.tail) return true;
    const index = this.indexAfter(position - 1);
    return this.records[index]?.end === position;
  }

  isExpired(now: number): boolean {
    const { expiresAt, ttlSeconds } = this.meta;
    if (expiresAt !== undefined && !(now < Date.parse(expiresAt))) return true;
    return ttlSeconds !== undefined && now >= this.lastAccessAt + ttlSeconds * 1000;
  }

  /** Kafka-style idempotent producer validation; does not mutate (§5.2.1). */
  checkProducer(tuple: ProducerTuple): ProducerCheck {
    const state = this.producers.get(tuple.id);
    if (!state) {
      if (tuple.seq !== 0) return { status: "sequence_gap", expected: 0, received: tuple.seq };
      return { status: "accepted", next: { epoch: tuple.epoch, lastSeq: 0 } };
    }
    if (tuple.epoch < state.epoch) return { status: "stale_epoch", currentEpoch: state.epoch };
    if (tuple.epoch > state.epoch) {
      if (tuple.seq !== 0) return { status: "invalid_epoch_seq" };
      return { status: "accepted", next: { epoch: tuple.epoch, lastSeq: 0 } };
    }
    if (tuple.seq <= state.lastSeq) return { status: "duplicate", lastSeq: state.lastSeq };
    if (tuple.seq === state.lastSeq + 1) {
      return { status: "accepted", next: { epoch: tuple.epoch, lastSeq: tuple.seq } };
    }
    return { status: "sequence_gap", expected: state.lastSeq + 1, received: tuple.seq };
  }

  /** Wakes readers: on `data` only those behind the new tail. */
  wake(outcome: WaitOutcome): void {
    if (this.waiters.size === 0) return;
    for (const waiter of this.waiters) {
      if (outcome === "data" && waiter.position >= this.tail) continue;
      this.waiters.delete(waiter);
      waiter.wake(outcome);
    }
  }
}

/** Media type of a Content-Type value: lower-cased, parameters dropped. */
export function mediaType(contentType: string): string {
  const semicolon = contentType.indexOf(";");
  return (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
}

/** A Buffer view of `body` (no copy). */
export function asBuffer(body: Uint8Array): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}
