/**
 * The stream store contract behind `/agents/*`: one durable, append-only
 * stream per agent session. Positions are byte positions in the stream's
 * stored form (offsets at the HTTP edge, see `http/offsets.ts`); every answer
 * that can fail returns `{ ok: false, reason }` and the HTTP layer maps reasons
 * to statuses in one place (`http/failure-response.ts`). Two implementations:
 * `createMemoryStreamStore()` (tests) and `createFileStreamStore({ dir })`
 * (default, durable).
 *
 * Guarantees of both:
 * - an append is acknowledged (resolves ok) only once it is durable, and
 *   readers never see data that a crash of the process could take back;
 * - appends to one stream are totally ordered in arrival order; `Stream-Seq`
 *   and producer state are checked against all earlier accepted appends;
 * - one append (with its producer state and close flag) is atomic;
 * - a write that fails is not acknowledged, nor is a producer's retry of it;
 *   data readers were shown and writers were refused is withdrawn, and readers
 *   holding offsets inside it are told (`withdrawn`, see `core/group-commit.ts`).
 *
 * @example
 * const store = createMemoryStreamStore();
 * await store.create("a", { contentType: "text/plain", closed: false, body: new Uint8Array() });
 * await store.append("a", { contentType: "text/plain", body: Buffer.from("hi"), close: false });
 * const read = await store.read("a", { from: 0, maxBytes: 1 << 20 }); // chunks: ["hi"]
 */
export interface StreamStore {
  /** Creates a stream, or confirms an identical existing one (`created: false`). */
  create(name: string, input: CreateInput): Promise<CreateResult>;
  /** Appends (and/or closes); resolves once durable. */
  append(name: string, input: AppendInput): Promise<AppendResult>;
  /** Metadata without extending a sliding TTL (HEAD). */
  head(name: string): InfoResult;
  /** Committed data from `from` (a position, or the tail for `"now"`); extends TTL. */
  read(name: string, input: ReadInput): Promise<ReadResult>;
  /** Waits until data exists past `position`, the stream closes or goes, or timeout. */
  waitForData(name: string, position: number, options: WaitOptions): Promise<WaitOutcome>;
  /** Deletes (or soft-deletes while forks depend on it). */
  delete(name: string): Promise<DeleteResult>;
  /** Names and tails of live streams (for listings). */
  list(): StreamInfo[];
  /** Flushes pending appends, wakes waiters with `shutdown`, releases files. */
  close(): Promise<void>;
}

/** What a live stream looks like from outside. */
export interface StreamInfo {
  name: string;
  /** Internal id; differs between a deleted stream and its re-creation (ETags use it). */
  id: string;
  /** Content type as given at creation (or inherited by a fork). */
  contentType: string;
  /** JSON mode (§7.1). */
  json: boolean;
  /** Committed tail position. */
  tail: number;
  closed: boolean;
  /** Effective sliding TTL window, if any. */
  ttlSeconds?: number;
  /** Effective absolute expiry (RFC 3339 as given), if any. */
  expiresAt?: string;
  createdAt: number;
}

export interface CreateInput {
  /** Raw Content-Type; undefined means the default, or the source's for a fork. */
  contentType?: string;
  ttlSeconds?: number;
  expiresAt?: string;
  /** Create already closed (`Stream-Closed: true`). */
  closed: boolean;
  /** Initial content (may be empty). */
  body: Uint8Array;
  fork?: ForkInput;
}

export interface ForkInput {
  /** Source stream name. */
  from: string;
  /** Branch position; defaults to the source's tail. */
  offset?: number;
  /** Bytes (binary) or messages (JSON) of the source's append at `offset` to inherit. */
  subOffset?: number;
}

export interface ProducerTuple {
  id: string;
  epoch: number;
  seq: number;
}

export interface AppendInput {
  /** Raw Content-Type; checked against the stream's unless this is close-only. */
  contentType?: string;
  /** Empty body means close-only (then `close` must be true). */
  body: Uint8Array;
  close: boolean;
  streamSeq?: string;
  producer?: ProducerTuple;
}

export interface ReadInput {
  from: number | "now";
  maxBytes: number;
  /**
   * false for a scan (e.g. a daemon folding every session at start): what it reads from disk is
   * not added to the payload cache, which stays with the streams being tailed. Default true.
   */
  cache?: boolean;
}

export interface WaitOptions {
  timeoutMs: number;
  /** Ends the wait early with `aborted` (client gone, shutdown). */
  cancel?: Cancellation;
}

/**
 * A cheap cancellation source for waits: long-polls and SSE park one per
 * request, and Node's EventTarget-based AbortSignal costs more than the rest
 * of the request.
 */
export interface Cancellation {
  /** Why it was cancelled, once it was. */
  readonly reason: string | undefined;
  /** Calls `listener` once when cancelled; returns an unsubscribe. */
  onCancel(listener: () => void): () => void;
}

/** Why a wait ended. `gone` = deleted or expired meanwhile. */
export type WaitOutcome = "data" | "closed" | "timeout" | "gone" | "aborted" | "shutdown";

export type CreateResult = { ok: true; created: boolean; info: StreamInfo } | StoreFailure;

export type AppendResult =
  | {
      ok: true;
      /** A producer retry of an already-accepted batch; nothing was written. */
      duplicate: boolean;
      /** Tail after this append (for duplicates: the current tail). */
      tail: number;
      /** The stream is closed after this request. */
      closed: boolean;
      /** Echo for producer appends: epoch and highest accepted seq. */
      producer?: { epoch: number; seq: number };
    }
  | StoreFailure;

export type ReadResult =
  | {
      ok: true;
      info: StreamInfo;
      /** Stored bytes of each returned append, in order. */
      chunks: Buffer[];
      /** Position the read started at (the tail for `"now"`). */
      start: number;
      /** Position after the returned data: the next offset to read. */
      end: number;
      /** The read reached the committed tail. */
      upToDate: boolean;
    }
  | StoreFailure;

export type InfoResult = { ok: true; info: StreamInfo } | StoreFailure;
export type DeleteResult = { ok: true } | StoreFailure;

/** Expected failures, mapped to HTTP statuses by `http/failure-response.ts`. */
export type StoreFailure =
  | { ok: false; reason: "not_found" }
  | { ok: false; reason: "gone" }
  | { ok: false; reason: "path_in_use" }
  | { ok: false; reason: "config_mismatch" }
  | { ok: false; reason: "source_not_found" }
  | { ok: false; reason: "source_gone" }
  | { ok: false; reason: "content_type_mismatch" }
  | { ok: false; reason: "invalid_fork_offset" }
  | { ok: false; reason: "invalid_sub_offset" }
  | { ok: false; reason: "invalid_json" }
  | { ok: false; reason: "empty_json_array" }
  /** The append as stored (JSON re-serialized) is over `limit` bytes. */
  | { ok: false; reason: "too_large"; size: number; limit: number }
  | { ok: false; reason: "seq_conflict" }
  | { ok: false; reason: "stream_closed"; tail: number }
  | { ok: false; reason: "stale_epoch"; currentEpoch: number }
  | { ok: false; reason: "invalid_epoch_seq" }
  | { ok: false; reason: "sequence_gap"; expected: number; received: number }
  | { ok: false; reason: "offset_out_of_range" }
  /**
   * The offset lies in data that readers were shown before its write failed
   * and was withdrawn: discard what was read past `resumeAt` and read on from there.
   */
  | { ok: false; reason: "withdrawn"; resumeAt: number }
  | { ok: false; reason: "storage_failed"; message: string };

export type FailureReason = StoreFailure["reason"];
