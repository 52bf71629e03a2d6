import { JSON_MEDIA_TYPE } from "../protocol.ts";
import type { PendingWrite, StreamMeta, WithdrawnRange } from "./log-backend.ts";
import { copyLogState, emptyLogState, type LogState, type ProducerState } from "./log-state.ts";
import { mediaType } from "./media-type.ts";
import type { ProducerTuple, StreamInfo, WaitOutcome } from "./stream-store.ts";

/** A long-poll or SSE reader parked until data past `position` is visible. */
export interface Waiter {
  position: number;
  wake(outcome: WaitOutcome): void;
}

/** A write accepted in arrival order, waiting for its group commit. */
export interface QueuedWrite extends PendingWrite {
  resolve(error: Error | null): void;
}

/**
 * The in-memory state of one stream, in three views kept apart on purpose:
 * - *accepted* (`acceptedTail`, `producers`, `lastStreamSeq`, `acceptedClosed`)
 *   includes writes still waiting for their group commit, so later requests
 *   validate against everything before them;
 * - *visible* (`tail`, `closed`) is what readers see;
 * - *durable* (`durableTail`, `durable`) is what has been acknowledged; a
 *   failed batch puts the accepted view back to it.
 * No payloads live here: they are in the backend and the global payload cache.
 */
export class StreamState {
  meta: StreamMeta;
  readonly json: boolean;
  tail = 0;
  closed = false;
  acceptedTail = 0;
  acceptedClosed = false;
  closedBy: ProducerTuple | undefined;
  producers = new Map<string, ProducerState>();
  lastStreamSeq: string | undefined;
  durableTail = 0;
  durable: LogState = emptyLogState();
  /** Ranges shown to readers and withdrawn after their write failed (rare; usually empty). */
  withdrawn: WithdrawnRange[] = [];
  /** A withdrawal gap not yet durable: written first in the next batch. */
  pendingGap: PendingWrite | null = null;
  lastAccessAt: number;
  /** The last access the backend was asked to remember (sliding TTL across restarts). */
  persistedAccessAt: number;
  /** Live forks created from this stream. */
  refCount = 0;
  /** Writes waiting for the next group commit. */
  queue: QueuedWrite[] = [];
  flushing = false;
  /** Settles when every write accepted so far is committed (or failed). */
  lastWrite: Promise<unknown> | null = null;
  waiters = new Set<Waiter>();
  /** The last metadata rewrite (soft delete); removal waits for it. */
  metaWrite: Promise<void> | null = null;
  /** Settles when the durable create finishes; other requests wait for it. */
  creating: Promise<void> | null = null;

  constructor(meta: StreamMeta, now: number) {
    this.meta = meta;
    this.json = mediaType(meta.contentType) === JSON_MEDIA_TYPE;
    this.lastAccessAt = now;
    this.persistedAccessAt = now;
  }

  /** Sets all three views to a durable state (creation, recovery). */
  reset(tail: number, state: LogState): void {
    this.tail = this.acceptedTail = this.durableTail = tail;
    this.closed = this.acceptedClosed = state.closed;
    this.closedBy = state.closedBy;
    this.producers = new Map(state.producers);
    this.lastStreamSeq = state.lastStreamSeq;
    this.durable = copyLogState(state);
  }

  /** Puts the accepted view back to the durable one (after a failed batch). */
  restoreAccepted(): void {
    this.acceptedTail = Math.max(this.durableTail, this.pendingGap?.end ?? 0);
    this.acceptedClosed = this.durable.closed;
    this.closedBy = this.durable.closedBy;
    this.producers = new Map(this.durable.producers);
    this.lastStreamSeq = this.durable.lastStreamSeq;
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

  /** The withdrawn range an offset at `position` falls in (its holder read withdrawn data). */
  withdrawnAt(position: number): WithdrawnRange | undefined {
    for (const range of this.withdrawn) {
      if (position > range.from && position < range.to) return range;
    }
    return undefined;
  }

  isExpired(now: number): boolean {
    const { expiresAt, ttlSeconds } = this.meta;
    if (expiresAt !== undefined && !(now < Date.parse(expiresAt))) return true;
    return ttlSeconds !== undefined && now >= this.lastAccessAt + ttlSeconds * 1000;
  }

  /** Wakes readers: on `data` only those behind the visible tail. */
  wake(outcome: WaitOutcome): void {
    if (this.waiters.size === 0) return;
    for (const waiter of this.waiters) {
      if (outcome === "data" && waiter.position >= this.tail) continue;
      this.waiters.delete(waiter);
      waiter.wake(outcome);
    }
  }

  /** Wakes readers parked past `position` (they hold offsets into withdrawn data). */
  wakeBeyond(position: number): void {
    for (const waiter of this.waiters) {
      if (waiter.position <= position) continue;
      this.waiters.delete(waiter);
      waiter.wake("data");
    }
  }
}
