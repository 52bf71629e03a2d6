import { crc32 } from "node:zlib";
import type { PendingWrite } from "../core/log-backend.ts";
import type { ProducerTuple } from "../core/stream-store.ts";

/**
 * On-disk record format of the file store's segment files. One record per
 * accepted write (an append, an append-and-close, or a close-only), carrying
 * the producer tuple and `Stream-Seq` with it, so data and the state that
 * deduplicates it are written atomically (PROTOCOL §5.2.1 "Atomicity").
 *
 * ```
 * u32 LE  body length (bytes after this 8-byte frame header)
 * u32 LE  CRC-32 of the body
 * body:   u8 version (1) · u8 flags · f64 LE end position
 *         [flags & PRODUCER]   u16 id length · id (UTF-8) · f64 epoch · f64 seq
 *         [flags & STREAM_SEQ] u16 length · Stream-Seq (UTF-8)
 *         payload (the rest; empty only for close-only and gap records)
 * ```
 * A gap record (`flags & GAP`, no payload) ends at a position past its start:
 * the withdrawn positions before it are never used again (`core/group-commit.ts`).
 * A crash can leave the last record torn (short or with a bad CRC); recovery
 * detects that with `decodeRecord` and truncates it.
 */

const VERSION = 1;
const FLAG_CLOSE = 1;
const FLAG_PRODUCER = 2;
const FLAG_STREAM_SEQ = 4;
const FLAG_GAP = 8;
/** Frame header: length + CRC. */
export const FRAME_BYTES = 8;
const FIXED_BODY_BYTES = 10;

/** A record decoded from a segment. */
export interface DecodedRecord {
  end: number;
  close: boolean;
  gap: boolean;
  producer?: ProducerTuple;
  streamSeq?: string;
  /** Payload position in the segment file and its length. */
  at: number;
  size: number;
  /** Position just after this record in the segment file. */
  next: number;
}

/**
 * Encodes one write as [header, payload] (the payload is not copied) and
 * returns the payload's offset within the encoded record.
 *
 * @example
 * const { parts, payloadOffset } = encodeRecord(write);
 */
export function encodeRecord(write: PendingWrite): { parts: Buffer[]; payloadOffset: number } {
  const id = write.producer ? Buffer.from(write.producer.id) : null;
  const seq = write.streamSeq !== undefined ? Buffer.from(write.streamSeq) : null;
  const headerBytes =
    FRAME_BYTES + FIXED_BODY_BYTES + (id ? 2 + id.length + 16 : 0) + (seq ? 2 + seq.length : 0);
  const header = Buffer.allocUnsafe(headerBytes);
  const data = write.data ?? Buffer.alloc(0);
  let at = FRAME_BYTES;
  header[at++] = VERSION;
  header[at++] =
    (write.close ? FLAG_CLOSE : 0) |
    (id ? FLAG_PRODUCER : 0) |
    (seq ? FLAG_STREAM_SEQ : 0) |
    (write.gap ? FLAG_GAP : 0);
  at = header.writeDoubleLE(write.end, at);
  if (id && write.producer) {
    at = header.writeUInt16LE(id.length, at);
    at += id.copy(header, at);
    at = header.writeDoubleLE(write.producer.epoch, at);
    at = header.writeDoubleLE(write.producer.seq, at);
  }
  if (seq) {
    at = header.writeUInt16LE(seq.length, at);
    at += seq.copy(header, at);
  }
  const body = header.subarray(FRAME_BYTES);
  header.writeUInt32LE(body.length + data.length, 0);
  header.writeUInt32LE(crc32(data, crc32(body)), 4);
  return { parts: data.length > 0 ? [header, data] : [header], payloadOffset: headerBytes };
}

/**
 * Decodes the record starting at `offset` of `buffer` (which holds the segment
 * from file position `base`); null when the bytes there are not a whole, intact
 * record — the end of the valid log, or of what `buffer` holds so far.
 */
export function decodeRecord(buffer: Buffer, offset: number, base: number): DecodedRecord | null {
  if (offset + FRAME_BYTES + FIXED_BODY_BYTES > buffer.length) return null;
  const length = buffer.readUInt32LE(offset);
  const bodyStart = offset + FRAME_BYTES;
  const bodyEnd = bodyStart + length;
  if (length < FIXED_BODY_BYTES || bodyEnd > buffer.length) return null;
  if (crc32(buffer.subarray(bodyStart, bodyEnd)) !== buffer.readUInt32LE(offset + 4)) return null;
  if (buffer[bodyStart] !== VERSION) return null;
  const flags = buffer[bodyStart + 1] as number;
  const end = buffer.readDoubleLE(bodyStart + 2);
  let at = bodyStart + FIXED_BODY_BYTES;
  const record: DecodedRecord = {
    end,
    close: (flags & FLAG_CLOSE) !== 0,
    gap: (flags & FLAG_GAP) !== 0,
    at: 0,
    size: 0,
    next: 0,
  };
  if (flags & FLAG_PRODUCER) {
    const idLength = buffer.readUInt16LE(at);
    const id = buffer.toString("utf8", at + 2, at + 2 + idLength);
    at += 2 + idLength;
    record.producer = { id, epoch: buffer.readDoubleLE(at), seq: buffer.readDoubleLE(at + 8) };
    at += 16;
  }
  if (flags & FLAG_STREAM_SEQ) {
    const seqLength = buffer.readUInt16LE(at);
    record.streamSeq = buffer.toString("utf8", at + 2, at + 2 + seqLength);
    at += 2 + seqLength;
  }
  if (at > bodyEnd) return null;
  record.at = base + at;
  record.size = bodyEnd - at;
  record.next = base + bodyEnd;
  return record;
}

/**
 * Bytes the record starting at `offset` of `buffer` claims to occupy (frame
 * header included), or null when not even its length is there yet.
 */
export function claimedRecordBytes(buffer: Buffer, offset: number): number | null {
  if (offset + 4 > buffer.length) return null;
  return FRAME_BYTES + buffer.readUInt32LE(offset);
}

/**
 * Whether a decoded record continues a log whose last record ended at
 * `position`: data records add their size, gaps move forward, closes stay.
 */
export function followsPosition(record: DecodedRecord, position: number): boolean {
  if (record.gap) return record.size === 0 && record.end > position;
  return record.end === position + record.size;
}
