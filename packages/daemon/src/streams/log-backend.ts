import type { ProducerTuple } from "./stream-store.ts";

/**
 * Persistence behind the store core (`store-core.ts`). The core owns all
 * protocol semantics and the in-memory index; a backend only makes writes
 * durable and gives payloads back. `memory-store.ts` and `file-store.ts` are
 * the two backends.
 *
 * @example
 * const store = createStoreCore({ backend: memoryBackend() });
 */
export interface LogBackend {
  /** Streams found at startup, with their indexes rebuilt. */
  recover(): Promise<RecoveredStream[]>;
  /** Durably creates a stream with its initial writes (fills record locations). */
  create(meta: StreamMeta, writes: PendingWrite[]): Promise<void>;
  /**
   * Durably appends one batch (group commit) and fills record locations. May
   * call `published` once the batch can be shown to readers (it must then
   * survive a process crash) before resolving when it is durable.
   */
  write(meta: StreamMeta, writes: PendingWrite[], published?: () => void): Promise<void>;
  /**
   * Payloads of consecutive committed records (in order); `firstStart` is the
   * start position of the first, so each record's size is known.
   */
  readPayloads(
    meta: StreamMeta,
    records: readonly LogRecord[],
    firstStart: number,
  ): Promise<Buffer[]>;
  /** Durably rewrites stream metadata (soft-delete marker). */
  updateMeta(meta: StreamMeta): Promise<void>;
  /** Durably removes a stream's data. */
  remove(meta: StreamMeta): Promise<void>;
  /** Releases files; pending writes have been awaited by the core. */
  close(): Promise<void>;
}

/** One committed append in a stream's index. */
export interface LogRecord {
  /** Position after this record; the previous record's `end` (or 0) is its start. */
  end: number;
  /** Cached payload (always present in memory; the hot tail in the file store). */
  data: Buffer | undefined;
  /** Backend location: segment base position (file store) or -1. */
  segment: number;
  /** Backend location: byte offset of the payload in its segment, or -1. */
  at: number;
}

/** One accepted-but-not-yet-durable write. */
export interface PendingWrite {
  /** Stored bytes; null for a close-only write. */
  data: Buffer | null;
  /** Tail after this write. */
  end: number;
  close: boolean;
  producer?: ProducerTuple;
  streamSeq?: string;
  /** The index entry the backend completes (null for close-only). */
  record: LogRecord | null;
}

/** Creation-time facts about a stream, persisted with it. */
export interface StreamMeta {
  id: string;
  name: string;
  contentType: string;
  createdAt: number;
  /** Effective expiry settings (a fork may inherit its source's). */
  ttlSeconds?: number;
  expiresAt?: string;
  forkedFrom?: string;
  /** Id of the fork source, so a re-created name is never mistaken for it. */
  forkedFromId?: string;
  /** What the creating PUT asked for; an identical PUT answers 200. */
  requested: RequestedConfig;
  /** Deleted while forks still reference it (§ forks: 410 until they go). */
  softDeleted: boolean;
}

export interface RequestedConfig {
  ttlSeconds?: number;
  expiresAt?: string;
  closed: boolean;
  forkedFrom?: string;
  forkOffset?: number;
  forkSubOffset?: number;
}

/** Producer state kept per stream (§5.2.1). */
export interface ProducerState {
  epoch: number;
  lastSeq: number;
}

/** What recovery rebuilt for one stream. */
export interface RecoveredStream {
  meta: StreamMeta;
  records: LogRecord[];
  closed: boolean;
  closedBy?: ProducerTuple;
  producers: Map<string, ProducerState>;
  lastStreamSeq?: string;
}
