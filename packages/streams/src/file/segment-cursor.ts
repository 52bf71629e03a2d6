import { type FileHandle, open } from "node:fs/promises";
import { MAX_STORED_APPEND_BYTES } from "../protocol.ts";
import { claimedRecordBytes, type DecodedRecord, decodeRecord } from "./record-codec.ts";

/** A decoded record with a view of its payload (with a `scratch` buffer: valid until the next `next()`). */
export interface ScannedRecord extends DecodedRecord {
  payload: Buffer;
}

/** How a cursor reads. */
export interface CursorOptions {
  /** Bytes of the first read (default 256 KiB): a reader sizes it to what it expects to need. */
  firstRead?: number;
  /**
   * A buffer to reuse for every read instead of allocating (recovery scans
   * every stream at startup and keeps no payload, so one buffer serves all).
   */
  scratch?: Buffer;
}

const CHUNK_BYTES = 256 * 1024;
/**
 * Longest frame a segment can hold (`MAX_STORED_APPEND_BYTES` plus headers, with room), so
 * garbage cannot make us allocate more.
 */
const MAX_RECORD_BYTES = MAX_STORED_APPEND_BYTES + 16 * 1024 * 1024;

/**
 * Reads the records of one segment file in order from a file offset, a chunk
 * at a time, so scanning a segment (recovery) or a stretch of one (a read of
 * evicted data) holds at most a chunk — or one large record — in memory.
 * `next()` returns null at the first spot that is not a whole, intact record:
 * the end of the log (zeros of preallocation) or a torn write.
 *
 * @example
 * const cursor = await SegmentCursor.open(path, 0);
 * for (let r = await cursor.next(); r; r = await cursor.next()) use(r);
 * await cursor.close();
 */
export class SegmentCursor {
  private buffer: Buffer = Buffer.alloc(0);
  /** File offset of `buffer[0]`. */
  private base: number;
  /** Index in `buffer` of the next record. */
  private at = 0;
  private eof = false;
  /** Buffers read so far (a reader that got everything from one need not copy its views). */
  reads = 0;

  private constructor(
    private readonly handle: FileHandle,
    offset: number,
    private readonly options: CursorOptions,
  ) {
    this.base = offset;
  }

  static async open(
    path: string,
    offset: number,
    options: CursorOptions = {},
  ): Promise<SegmentCursor> {
    return new SegmentCursor(await open(path, "r"), offset, options);
  }

  /** File offset just after the last record returned (where the valid log ends, once `next` said null). */
  get offset(): number {
    return this.base + this.at;
  }

  async next(): Promise<ScannedRecord | null> {
    for (;;) {
      const record = decodeRecord(this.buffer, this.at, this.base);
      if (record) {
        const from = record.at - this.base;
        this.at = record.next - this.base;
        return { ...record, payload: this.buffer.subarray(from, from + record.size) };
      }
      if (this.eof) return null;
      const claimed = claimedRecordBytes(this.buffer, this.at);
      const unread = this.buffer.length - this.at;
      // A record that is all there and still does not decode, or that claims
      // more than any record can be, ends the log: reading on cannot help.
      if (claimed !== null && (claimed <= unread || claimed > MAX_RECORD_BYTES)) return null;
      await this.fill(
        claimed ??
          unread + (this.reads === 0 ? (this.options.firstRead ?? CHUNK_BYTES) : CHUNK_BYTES),
      );
    }
  }

  /** Whether everything after the last record returned is zeros (preallocated space). */
  async restIsZero(): Promise<boolean> {
    for (;;) {
      for (let i = this.at; i < this.buffer.length; i++) if (this.buffer[i] !== 0) return false;
      this.at = this.buffer.length;
      if (this.eof) return true;
      await this.fill(CHUNK_BYTES);
    }
  }

  close(): Promise<void> {
    return this.handle.close();
  }

  // Keeps the unread rest and reads on so that at least `wanted` bytes are unread.
  private async fill(wanted: number): Promise<void> {
    const rest = this.buffer.length - this.at;
    const scratch = this.options.scratch;
    let next: Buffer;
    if (scratch && wanted <= scratch.length) {
      // Payload views handed out before are dead by contract: reuse the buffer.
      this.buffer.copy(scratch, 0, this.at);
      next = scratch;
    } else {
      next = Buffer.allocUnsafe(Math.max(wanted, rest + (this.reads === 0 ? 0 : CHUNK_BYTES)));
      this.buffer.copy(next, 0, this.at);
    }
    const { bytesRead } = await this.handle.read(
      next,
      rest,
      next.length - rest,
      this.base + this.buffer.length,
    );
    this.reads++;
    if (bytesRead < next.length - rest) this.eof = true;
    this.base += this.at;
    this.buffer = next.subarray(0, rest + bytesRead);
    this.at = 0;
  }
}
