import type { LogState } from "./log-state.ts";
import type { ProducerTuple } from "./stream-store.ts";

/**
 * Persistence behind the store core (`store-core.ts`). The core owns all
 * protocol semantics, the accepted/visible/durable views of each stream and
 * the payload cache; a backend makes writes durable, finds records by position
 * and gives payloads back. `memory/memory-store.ts` and `file/file-store.ts`
 * are the two backends.
 *
 * @example
 * const store = createStoreCore({ backend: createMemoryBackend() });
 */
export interface LogBackend {
  /** Streams found at startup, with their state rebuilt (no payloads are loaded). */
  recover(): Promise<RecoveredStream[]>;
  /**
   * Durably creates a stream with its initial content: the batches `content`
   * yields, in order (a fork's inherited records arrive a bounded batch at a
   * time, so copying a large source never holds it whole in memory).
   */
  create(meta: StreamMeta, content: AsyncIterable<PendingWrite[]>): Promise<void>;
  /**
   * Durably appends one batch (group commit). May call `published` once the
   * batch can be shown to readers (it must then survive a process crash)
   * before resolving when it is durable. On failure it rejects and leaves the
   * log as it was before the batch — or, if even that failed, repairs it before
   * its next write — so a later write can succeed (transient errors such as
   * EMFILE or ENOSPC do not disable the stream).
   */
  write(meta: StreamMeta, writes: readonly PendingWrite[], published?: () => void): Promise<void>;
  /**
   * The records from position `from` (which must be where a record starts, else
   * null) up to `limit` (the visible tail): at least one, then more while their
   * payloads total at most `maxBytes`.
   */
  read(meta: StreamMeta, from: number, options: ReadWindow): Promise<RecordRun | null>;
  /** Remembers `atMs` as the stream's last access (sliding TTL across restarts); best effort. */
  touch(meta: StreamMeta, atMs: number): void;
  /** Durably rewrites stream metadata (soft-delete marker). */
  updateMeta(meta: StreamMeta): Promise<void>;
  /** Durably removes a stream's data. */
  remove(meta: StreamMeta): Promise<void>;
  /** Releases files; pending writes have been awaited by the core. */
  close(): Promise<void>;
}

/** Bounds of one backend read. */
export interface ReadWindow {
  /** Never read records ending past this position (the visible tail). */
  limit: number;
  /** Stop adding records once their payloads would exceed this (one is always returned). */
  maxBytes: number;
}

/**
 * Consecutive records starting at `start`: record `i` ends at `ends[i]` and
 * stores `data[i]`. An empty payload marks a withdrawal gap (data records are
 * never empty): positions readers must skip.
 */
export interface RecordRun {
  start: number;
  ends: number[];
  data: Buffer[];
}

/** One accepted-but-not-yet-durable write. */
export interface PendingWrite {
  /** Stored bytes; null for a close-only write or a gap. */
  data: Buffer | null;
  /** Tail after this write. */
  end: number;
  close: boolean;
  producer?: ProducerTuple;
  streamSeq?: string;
  /** A withdrawal gap: positions up to `end` that no record will ever hold. */
  gap?: boolean;
}

/**
 * Positions `(from, to)` once shown to readers and then withdrawn because
 * their write failed; `to` is one past the last withdrawn position, so no
 * offset a reader of the withdrawn data holds is ever valid again.
 */
export interface WithdrawnRange {
  from: number;
  to: number;
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

/** What recovery rebuilt for one stream. */
export interface RecoveredStream {
  meta: StreamMeta;
  /** Durable tail (the end of the last record). */
  tail: number;
  state: LogState;
  withdrawn: WithdrawnRange[];
  /** Last recorded access (sliding TTL); the recovery time when unknown. */
  lastAccessAt?: number;
}
