import { crc32 } from "node:zlib";
import type { ProducerState } from "./log-backend.ts";
import type { ProducerTuple } from "./stream-store.ts";

/** Stream state carried by records: closure, producers, last `Stream-Seq`. */
export interface LogState {
  closed: boolean;
  closedBy?: ProducerTuple;
  producers: Map<string, ProducerState>;
  lastStreamSeq?: string;
}

/** One data record's place: its end position and payload offset in the segment file. */
export interface IndexEntry {
  end: number;
  at: number;
}

/** Applies one record's state changes (the same rules `StreamState` uses when accepting). */
export function applyRecordState(
  state: LogState,
  record: { close: boolean; producer?: ProducerTuple; streamSeq?: string },
): void {
  if (record.producer) {
    state.producers.set(record.producer.id, {
      epoch: record.producer.epoch,
      lastSeq: record.producer.seq,
    });
  }
  if (record.streamSeq !== undefined) state.lastStreamSeq = record.streamSeq;
  if (record.close) {
    state.closed = true;
    state.closedBy = record.producer;
  }
}

export function emptyLogState(): LogState {
  return { closed: false, producers: new Map() };
}

const MAGIC = 0x31495344; // "DSI1" little-endian

/**
 * The index of a sealed segment, written once when the file store rolls to a
 * new segment: every data record's (end, payload offset) plus the stream
 * state after the segment. Recovery loads it instead of scanning the sealed
 * segment; a missing or damaged index only means that segment is scanned.
 *
 * ```
 * u32 magic "DSI1" · u32 entry count · u32 state JSON length · state JSON
 * entries × (f64 end · f64 at) · u32 CRC-32 of everything before
 * ```
 *
 * @example
 * await writeFile(path, encodeSegmentIndex(entries, state));
 * const index = decodeSegmentIndex(await readFile(path)); // null if damaged
 */
export function encodeSegmentIndex(entries: readonly IndexEntry[], state: LogState): Buffer {
  const json = Buffer.from(
    JSON.stringify({
      closed: state.closed,
      closedBy: state.closedBy,
      producers: [...state.producers],
      lastStreamSeq: state.lastStreamSeq,
    }),
  );
  const out = Buffer.allocUnsafe(12 + json.length + entries.length * 16 + 4);
  let at = out.writeUInt32LE(MAGIC, 0);
  at = out.writeUInt32LE(entries.length, at);
  at = out.writeUInt32LE(json.length, at);
  at += json.copy(out, at);
  for (const entry of entries) {
    at = out.writeDoubleLE(entry.end, at);
    at = out.writeDoubleLE(entry.at, at);
  }
  out.writeUInt32LE(crc32(out.subarray(0, at)), at);
  return out;
}

export function decodeSegmentIndex(
  buffer: Buffer,
): { entries: IndexEntry[]; state: LogState } | null {
  if (buffer.length < 16 || buffer.readUInt32LE(0) !== MAGIC) return null;
  const crcAt = buffer.length - 4;
  if (crc32(buffer.subarray(0, crcAt)) !== buffer.readUInt32LE(crcAt)) return null;
  const count = buffer.readUInt32LE(4);
  const jsonLength = buffer.readUInt32LE(8);
  if (12 + jsonLength + count * 16 !== crcAt) return null;
  const parsed = JSON.parse(buffer.toString("utf8", 12, 12 + jsonLength)) as {
    closed: boolean;
    closedBy?: ProducerTuple;
    producers: [string, ProducerState][];
    lastStreamSeq?: string;
  };
  const entries: IndexEntry[] = new Array(count);
  let at = 12 + jsonLength;
  for (let i = 0; i < count; i++) {
    entries[i] = { end: buffer.readDoubleLE(at), at: buffer.readDoubleLE(at + 8) };
    at += 16;
  }
  const state: LogState = {
    closed: parsed.closed,
    closedBy: parsed.closedBy ?? undefined,
    producers: new Map(parsed.producers),
    lastStreamSeq: parsed.lastStreamSeq ?? undefined,
  };
  return { entries, state };
}
